"""An alert's timeline: what happened to a violation, when and by whom, from the records that already hold it.

Sources (nothing is written twice to build it):

* the alert itself — ``detected`` (``detected_at``), ``notified`` (``notified_at``, the first delivery);
* the audit log entries targeting ``alert:<id>`` — platform answers (``violation.delisted|disputed|warned``, also
  ``….after_decision``), regulator decisions (``violation.upheld|dismissed``), notes (``violation.note``), re-check
  requests (``violation.recheck_requested``) and re-listings found by the re-check (``violation.relisted``);
* the alert's ``history`` — status changes with no audit entry of their own (the detector updating or closing an
  episode, a re-listing reopening it); a change already explained by an audit entry of the same actor within a
  few seconds is not repeated;
* the webhook outbox — each ``violation.*`` event for this alert and each ``seller.flagged`` event it caused, with
  queued/delivered times, attempts and the last HTTP status or error.

Columns: ``at`` (UTC ``Timestamp``), ``kind`` (``detected``, ``notified``, ``answer``, ``decision``, ``note``,
``recheck``, ``relisted``, ``status``, ``webhook``, ``seller.flagged``, ``audit``), ``actor``, ``summary`` (one
English line), ``detail`` (dict, JSON-serialisable). Ordered by time.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from pricewatch.store.models import Alert, AuditLog, WebhookDelivery, WebhookEndpoint

COLUMNS = ["at", "kind", "actor", "summary", "detail"]
SAME_CHANGE_SECONDS = 5  # a history entry this close to an audit entry of the same actor is the same change
KINDS = {"violation.delisted": "answer", "violation.disputed": "answer", "violation.warned": "answer",
         "violation.upheld": "decision", "violation.dismissed": "decision", "violation.note": "note",
         "violation.recheck_requested": "recheck", "violation.relisted": "relisted"}


def _when(value) -> pd.Timestamp:  # noqa: ANN001
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def alert_timeline(session: Session, alert: Alert) -> pd.DataFrame:
    """The timeline of ``alert`` (see the module docstring)."""
    rows: list[dict] = [{"at": _when(alert.detected_at), "kind": "detected", "actor": "detect",
                         "summary": f"detected: {alert.rule}, {alert.severity}",
                         "detail": {"first_violation_at": _when(alert.first_violation_at).isoformat()}}]
    if alert.notified_at is not None:
        rows.append({"at": _when(alert.notified_at), "kind": "notified", "actor": "webhooks",
                     "summary": "platform notified (first violation event delivered)", "detail": {}})
    audits = session.execute(select(AuditLog.at, AuditLog.actor, AuditLog.action, AuditLog.detail)
                             .where(AuditLog.target == f"alert:{alert.id}").order_by(AuditLog.at, AuditLog.id)).all()
    for at, actor, action, detail in audits:
        detail = detail or {}
        kind = KINDS.get(action, "answer" if action.endswith(".after_decision") else "audit")
        text = detail.get("note") or detail.get("reason")
        summary = action.removeprefix("violation.").replace("_", " ")
        if action == "violation.relisted":
            summary = f"re-listed: still selling at {detail.get('seen_at')}"
        rows.append({"at": _when(at), "kind": kind, "actor": actor,
                     "summary": summary + (f": {text}" if text else ""), "detail": detail})
    explained = [(r["at"], r["actor"]) for r in rows if r["kind"] not in ("detected", "notified")]
    for entry in alert.history or []:
        at = _when(entry.get("at"))
        actor = entry.get("by") or "?"
        if any(a == actor and abs((at - t).total_seconds()) <= SAME_CHANGE_SECONDS for t, a in explained):
            continue
        change = f"{entry.get('from')} → {entry.get('to')}"
        note = entry.get("note")
        rows.append({"at": at, "kind": "status", "actor": actor,
                     "summary": f"status {change}" + (f": {note}" if note else ""), "detail": entry})
    rows += _webhooks(session, alert)
    frame = pd.DataFrame(rows, columns=COLUMNS)
    return frame.sort_values("at", kind="stable").reset_index(drop=True)


def _webhooks(session: Session, alert: Alert) -> list[dict]:
    violation = WebhookDelivery.payload["violation"]["id"].as_integer() == alert.id
    flagged = WebhookDelivery.payload["origin"]["violation_id"].as_integer() == alert.id
    found = session.execute(
        select(WebhookDelivery, WebhookEndpoint.url)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(((WebhookDelivery.event_type.like("violation.%")) & violation)
               | ((WebhookDelivery.event_type == "seller.flagged") & flagged))
        .order_by(WebhookDelivery.created_at, WebhookDelivery.id)).all()
    rows = []
    for delivery, url in found:
        detail = {"event_id": delivery.event_id, "event_type": delivery.event_type, "endpoint": url,
                  "status": delivery.status, "attempts": delivery.attempts, "last_http_status": delivery.last_status,
                  "last_error": delivery.last_error,
                  "queued_at": _when(delivery.created_at).isoformat(),
                  "delivered_at": _when(delivery.delivered_at).isoformat() if delivery.delivered_at else None}
        if delivery.event_type == "seller.flagged":
            seller = delivery.payload.get("seller", {})
            detail["seller"] = seller
            what = f"seller.flagged → {seller.get('platform')}/{seller.get('seller_id')}"
            kind = "seller.flagged"
        else:
            what, kind = delivery.event_type, "webhook"
        state = (f"delivered after {delivery.attempts} attempt(s)" if delivery.status == "delivered"
                 else f"{delivery.status}, {delivery.attempts} attempt(s)"
                 + (f", last {delivery.last_status or delivery.last_error}" if delivery.last_status or
                    delivery.last_error else ""))
        rows.append({"at": _when(delivery.delivered_at or delivery.created_at), "kind": kind, "actor": "webhooks",
                     "summary": f"{what}: {state}", "detail": detail})
    return rows


__all__ = ["COLUMNS", "alert_timeline"]
