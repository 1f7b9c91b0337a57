"""A reviewer's actions on alerts: uphold, dismiss (with a reason), request a re-check, add a note.

Decisions go through :func:`pricewatch.enforcement.responses.decide` — the same function as the API's
``POST /v1/violations/{id}/decision`` — so upholding records the change in the alert's history and the audit log,
announces ``violation.updated`` and triggers joint enforcement (``seller.flagged`` to the seller's other
platforms). A note and a re-check request are stored in their tables (``alert_note``, ``recheck_request``) and in
the audit log with who and when. Every function works in the caller's transaction except :func:`bulk_review`.

Refusals (:class:`ReviewRefused`) carry a catalogue key for the UI and an English message for everyone else.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from pricewatch.enforcement.responses import decide
from pricewatch.errors import PricewatchError
from pricewatch.store.engine import Database
from pricewatch.store.models import Alert, AlertNote, AuditLog, RecheckRequest, utcnow

FINAL = ("dismissed", "closed")  # nothing more to decide
UPHELD = "verified"
BULK_ACTIONS = ("uphold", "dismiss", "recheck")
MAX_TEXT = 4000


class ReviewRefused(PricewatchError):
    """An action that cannot be done (``key``: the UI catalogue key saying why)."""

    def __init__(self, message: str, key: str):
        super().__init__(message)
        self.key = key


def _text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value[:MAX_TEXT] if value else None


def uphold(session: Session, alert: Alert, *, note: str | None, actor: str) -> Alert:
    """Confirm the violation (status ``verified``); joint enforcement follows (see the module docstring)."""
    if alert.status in FINAL or alert.status == UPHELD:
        raise ReviewRefused(f"violation {alert.id} is {alert.status}; it cannot be upheld", "action.already_final")
    return decide(session, alert, "upheld", note=_text(note), actor=actor)


def dismiss(session: Session, alert: Alert, *, reason: str | None, actor: str) -> Alert:
    """End the case as not a violation; a reason is required (it goes to the platform in ``violation.closed``)."""
    reason = _text(reason)
    if not reason:
        raise ReviewRefused("a dismissal needs a reason", "action.reason_required")
    if alert.status in FINAL:
        raise ReviewRefused(f"violation {alert.id} is {alert.status} already", "action.already_final")
    return decide(session, alert, "dismissed", note=reason, actor=actor)


def request_recheck(session: Session, alert: Alert, *, actor: str) -> RecheckRequest:
    """Ask for the listing to be fetched again; the next re-check answers it. One open request per alert."""
    pending = session.scalar(select(RecheckRequest).where(RecheckRequest.alert_id == alert.id,
                                                          RecheckRequest.done_at.is_(None)).limit(1))
    if pending is not None:
        return pending
    now = utcnow()
    request = RecheckRequest(alert_id=alert.id, listing_id=alert.listing_id, requested_by=actor, requested_at=now)
    session.add(request)
    session.add(AuditLog(at=now, actor=actor, action="violation.recheck_requested", target=f"alert:{alert.id}",
                         detail=None))
    session.flush()
    return request


def add_note(session: Session, alert: Alert, *, body: str | None, actor: str) -> AlertNote:
    text = _text(body)
    if not text:
        raise ReviewRefused("a note cannot be empty", "action.note_empty")
    now = utcnow()
    note = AlertNote(alert_id=alert.id, author=actor, body=text, created_at=now)
    session.add(note)
    session.add(AuditLog(at=now, actor=actor, action="violation.note", target=f"alert:{alert.id}",
                         detail={"note": text}))
    session.flush()
    return note


def review(session: Session, alert: Alert, action: str, *, text: str | None, actor: str) -> None:
    """One action by name: ``uphold`` (optional note), ``dismiss`` (reason), ``recheck``, ``note`` (body)."""
    if action == "uphold":
        uphold(session, alert, note=text, actor=actor)
    elif action == "dismiss":
        dismiss(session, alert, reason=text, actor=actor)
    elif action == "recheck":
        request_recheck(session, alert, actor=actor)
    elif action == "note":
        add_note(session, alert, body=text, actor=actor)
    else:
        raise ReviewRefused(f"unknown action {action!r}", "bulk.choose_action")


def bulk_review(db: Database, ids: list[int], action: str, text: str | None, actor: str) -> int:
    """Apply ``action`` to every alert in ``ids`` in one transaction (all or none); returns how many.

    Alerts for which the action does not apply (upholding a dismissed alert) refuse the whole batch, naming the
    first such alert, so that a confirmed bulk action never half-happens."""
    if action not in BULK_ACTIONS:
        raise ReviewRefused(f"unknown bulk action {action!r}", "bulk.choose_action")
    with db.session() as s:
        alerts = s.scalars(select(Alert).where(Alert.id.in_(ids)).order_by(Alert.id)).all()
        for alert in alerts:
            review(s, alert, action, text=text, actor=actor)
        s.commit()
        return len(alerts)


__all__ = ["BULK_ACTIONS", "ReviewRefused", "add_note", "bulk_review", "dismiss", "request_recheck", "review",
           "uphold"]
