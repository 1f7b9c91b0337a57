"""A platform's answer to a violation (delisted, disputed, warned) and a regulator's decision (upheld, dismissed).

Status changes are recorded in the alert's history and the audit log, and announced as ``violation.updated``.
A confirmed violation — delisted by the platform, or upheld by a regulator — triggers joint enforcement.

A regulator's decision is final for platforms: after ``upheld`` a platform may still report that it delisted
(information, the status stays ``verified``), and any other answer is recorded as information in the history and
refused with :class:`DecisionFinal` (HTTP 409); after ``dismissed`` an answer is refused.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from pricewatch.enforcement.joint import flag_seller_elsewhere
from pricewatch.errors import PricewatchError
from pricewatch.store.models import Alert, AuditLog, Listing, utcnow
from pricewatch.webhooks.outbox import enqueue_alert_event

RESPONSES = {"delisted": "delisted", "disputed": "disputed", "warned": "acknowledged"}
DECIDED = ("verified",)  # statuses a regulator set that platforms cannot change


class DecisionFinal(PricewatchError):
    """A platform's answer would change a regulator's decision. Its statement was recorded as information (the
    caller commits the session) and the status is unchanged."""
DECISIONS = {"upheld": "verified", "dismissed": "dismissed"}


def _change(session: Session, alert: Alert, to: str, actor: str, note: str | None) -> None:
    now = utcnow()
    alert.history = [*(alert.history or []), {"at": now.isoformat(), "from": alert.status, "to": to, "by": actor,
                                              **({"note": note} if note else {})}]
    alert.status = to
    alert.updated_at = now


def answer(session: Session, alert: Alert, action: str, *, reason: str | None, actor: str) -> Alert:
    """Record a platform's answer (in the caller's transaction)."""
    if action not in RESPONSES:
        raise PricewatchError(f"action must be one of {', '.join(RESPONSES)}")
    if action == "disputed" and not (reason and reason.strip()):
        raise PricewatchError("a dispute needs a reason")
    if alert.status in ("closed", "dismissed"):
        raise PricewatchError(f"violation {alert.id} is {alert.status}; it takes no answer")
    if alert.status in DECIDED:
        return _after_decision(session, alert, action, reason=reason, actor=actor)
    now = utcnow()
    alert.answered_at = alert.answered_at or now
    alert.response = action
    alert.response_reason = reason
    _change(session, alert, RESPONSES[action], actor, reason)
    session.add(AuditLog(actor=actor, action=f"violation.{action}", target=f"alert:{alert.id}",
                         detail={"reason": reason}))
    session.flush()
    enqueue_alert_event(session, alert, "violation.updated")
    if action == "delisted":
        listing = session.get(Listing, alert.listing_id)
        listing.status = "delisted"
        flag_seller_elsewhere(session, alert, reason="delisted by the platform", actor=actor)
    return alert


def _after_decision(session: Session, alert: Alert, action: str, *, reason: str | None, actor: str) -> Alert:
    """A platform's answer to a violation a regulator upheld: information only (see the module docstring)."""
    now = utcnow()
    alert.history = [*(alert.history or []), {"at": now.isoformat(), "from": alert.status, "to": alert.status,
                                              "by": actor, "info": action, **({"note": reason} if reason else {})}]
    alert.updated_at = now
    session.add(AuditLog(actor=actor, action=f"violation.{action}.after_decision", target=f"alert:{alert.id}",
                         detail={"reason": reason, "status": alert.status}))
    if action == "delisted":  # what the decision asked for: recorded, the status stays the regulator's
        alert.answered_at = alert.answered_at or now
        alert.response = action
        listing = session.get(Listing, alert.listing_id)
        listing.status = "delisted"
        session.flush()
        return alert
    session.flush()
    raise DecisionFinal(f"violation {alert.id} was upheld by a regulator ({alert.status}); a platform cannot "
                        f"change that decision — your answer '{action}' was recorded as information. Contact the "
                        "regulator to contest it")


def decide(session: Session, alert: Alert, decision: str, *, note: str | None, actor: str) -> Alert:
    """Record a regulator's decision: ``upheld`` confirms the violation (joint enforcement), ``dismissed`` ends it."""
    if decision not in DECISIONS:
        raise PricewatchError(f"decision must be one of {', '.join(DECISIONS)}")
    _change(session, alert, DECISIONS[decision], actor, note)
    if decision == "dismissed":
        alert.closed_at = utcnow()
    session.add(AuditLog(actor=actor, action=f"violation.{decision}", target=f"alert:{alert.id}",
                         detail={"note": note}))
    session.flush()
    enqueue_alert_event(session, alert, "violation.closed" if decision == "dismissed" else "violation.updated")
    if decision == "upheld":
        flag_seller_elsewhere(session, alert, reason="upheld by a regulator", actor=actor)
    return alert
