"""One alert's case file: the alert with its listing, seller, platform and emergency; its price series for the
chart; what changed between the baseline and the violation; its evidence; and its timeline.

The review workspace's alert page and the case bundle read these functions; the price series comes from
:func:`pricewatch.history.query` (the function ``GET /v1/listings/{platform}/{listing_id}/prices`` serves).

Contracts: instants are aware UTC datetimes (shown in the display zone by the caller); prices keep their currency;
unit prices are per the alert's ``unit``. The timeline is sorted by time, oldest first, and each entry says what
happened (``kind``), when (``at``), who (``by``: an actor such as ``key:3(regulator)``, ``dispatcher``,
``detect``) and the details (``detail``: a dict).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis.presets import Preset, load_presets
from pricewatch import history
from pricewatch.store.engine import Database
from pricewatch.store.models import (
    Alert,
    AlertNote,
    AuditLog,
    Emergency,
    Listing,
    Platform,
    RecheckRequest,
    Seller,
    Snapshot,
    WebhookDelivery,
    WebhookEndpoint,
)


@dataclass
class CaseFile:
    alert: Alert
    listing: Listing
    platform: Platform
    seller: Seller | None
    emergency: Emergency | None
    preset: Preset | None
    license_set_by: str | None

    @property
    def threshold_unit_price(self) -> float | None:
        """The unit price above which the rule flags: the baseline raised by the rule's threshold (a capped rule's
        baseline is the cap itself)."""
        base = self.alert.baseline_unit_price
        if base is None or self.preset is None:
            return None
        if self.preset.capped:
            return base
        return base * (1 + self.preset.threshold_pct / 100)


def case_file(session: Session, alert_id: int) -> CaseFile | None:
    """The alert and what it refers to, or None when there is no such alert."""
    found = session.execute(select(Alert, Listing, Platform, Seller, Emergency)
                            .join(Listing, Listing.id == Alert.listing_id)
                            .join(Platform, Platform.id == Listing.platform_id)
                            .outerjoin(Seller, Seller.id == Listing.seller_id)
                            .outerjoin(Emergency, Emergency.id == Alert.emergency_id)
                            .where(Alert.id == alert_id)).first()
    if found is None:
        return None
    alert, listing, platform, seller, emergency = found
    set_by = None
    if seller is not None and seller.license:
        from pricewatch.enforcement.joint import license_set_by

        set_by = license_set_by(session, seller)
    return CaseFile(alert, listing, platform, seller, emergency, load_presets().get(alert.rule), set_by)


def price_series(db: Database, case: CaseFile) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(observations, daily medians) of the alert's listing in the alert's currency and unit.

    Observations: ``observed_at`` (UTC), ``price``, ``shipping``, ``unit_price``, ``availability``,
    ``snapshot_sha256``. Daily: ``day`` (a date in the display zone), ``median``, ``count``."""
    frame = history.query(db, platforms=case.platform.name, listings=case.listing.listing_key)
    if case.alert.currency:
        frame = frame[frame["currency"] == case.alert.currency]
    if case.alert.unit:
        frame = frame[frame["unit"].isna() | (frame["unit"] == case.alert.unit)]
    daily = history.daily(frame, by="listing", tz=db.settings.timezone) if not frame.empty else \
        pd.DataFrame(columns=["day", "median", "count"])
    return frame.reset_index(drop=True), daily.reset_index(drop=True)


def what_changed(observations: pd.DataFrame, case: CaseFile) -> dict | None:
    """The last observation before the violation against the first at or after it: item price, shipping and the
    pack quantity implied by (price + shipping) / unit price. None when either side is missing."""
    if observations.empty:
        return None
    start = pd.Timestamp(case.alert.first_violation_at)
    priced = observations[observations["unit_price"].notna()]
    before = priced[priced["observed_at"] < start]
    after = priced[priced["observed_at"] >= start]
    if before.empty or after.empty:
        return None

    def side(row: pd.Series) -> dict:
        shipping = 0.0 if pd.isna(row["shipping"]) else float(row["shipping"])
        total = float(row["price"]) + shipping
        quantity = total / float(row["unit_price"]) if row["unit_price"] else None
        return {"at": row["observed_at"].to_pydatetime(), "price": float(row["price"]), "shipping": shipping,
                "quantity": round(quantity, 3) if quantity else None, "unit_price": float(row["unit_price"])}

    old, new = side(before.iloc[-1]), side(after.iloc[0])
    changed = [name for name in ("price", "shipping", "quantity")
               if old[name] is not None and new[name] is not None and abs(old[name] - new[name]) > 1e-9]
    return {"before": old, "after": new, "changed": changed}


def evidence(session: Session, case: CaseFile) -> list[Snapshot]:
    """The alert's evidence snapshots in the order the alert lists them (a hash without a row is left out)."""
    hashes = list(case.alert.evidence or [])
    if not hashes:
        return []
    rows = {s.sha256: s for s in session.scalars(select(Snapshot).where(Snapshot.sha256.in_(hashes)))}
    return [rows[h] for h in hashes if h in rows]


def _deliveries(session: Session, alert_id: int) -> list[tuple[WebhookDelivery, str]]:
    """Webhook deliveries about this alert: its violation events and the seller.flagged events it caused."""
    stmt = (select(WebhookDelivery, WebhookEndpoint.url)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .where(WebhookDelivery.alert_id == alert_id).order_by(WebhookDelivery.id))
    return [(delivery, url) for delivery, url in session.execute(stmt)]


def timeline(session: Session, case: CaseFile) -> list[dict]:
    """Everything that happened to the alert, oldest first (see the module docstring)."""
    alert = case.alert
    events: list[dict] = [{"at": alert.detected_at, "kind": "detected", "by": "detect",
                           "detail": {"severity": alert.severity, "rule": alert.rule}}]
    for entry in alert.history or []:
        at = datetime.fromisoformat(entry["at"]) if isinstance(entry.get("at"), str) else entry.get("at")
        if at is None:
            continue
        kind = "info" if "info" in entry else "status"
        events.append({"at": at, "kind": kind, "by": entry.get("by"),
                       "detail": {"from": entry.get("from"), "to": entry.get("to"), "note": entry.get("note"),
                                  "info": entry.get("info"), "relisted": entry.get("relisted", False)}})
    if alert.answered_at is not None and alert.response:
        events.append({"at": alert.answered_at, "kind": "answered", "by": case.platform.name,
                       "detail": {"response": alert.response, "reason": alert.response_reason}})
    for delivery, url in _deliveries(session, alert.id):
        base = {"event": delivery.event_type, "event_id": delivery.event_id, "url": url,
                "attempts": delivery.attempts, "status": delivery.status, "http": delivery.last_status,
                "error": delivery.last_error, "seller": (delivery.payload.get("seller") or {}).get("seller_id")}
        events.append({"at": delivery.created_at, "kind": "webhook_queued", "by": "outbox", "detail": base})
        if delivery.delivered_at is not None:
            events.append({"at": delivery.delivered_at, "kind": "webhook_delivered", "by": "dispatcher",
                           "detail": base})
        elif delivery.attempts and delivery.status in ("failed", "pending", "dead"):
            events.append({"at": delivery.next_attempt_at or delivery.created_at,
                           "kind": "webhook_dead" if delivery.status == "dead" else "webhook_retrying",
                           "by": "dispatcher", "detail": base})
    for note in session.scalars(select(AlertNote).where(AlertNote.alert_id == alert.id)):
        events.append({"at": note.created_at, "kind": "note", "by": note.author, "detail": {"note": note.body}})
    for request in session.scalars(select(RecheckRequest).where(RecheckRequest.alert_id == alert.id)):
        events.append({"at": request.requested_at, "kind": "recheck_requested", "by": request.requested_by,
                       "detail": {}})
        if request.done_at is not None:
            events.append({"at": request.done_at, "kind": "rechecked", "by": "recheck",
                           "detail": {"outcome": request.outcome}})
    flagged = session.scalars(select(AuditLog).where(AuditLog.action == "seller.flagged",
                                                     AuditLog.target.like(f"seller:%:alert:{alert.id}")))
    for entry in flagged:
        events.append({"at": entry.at, "kind": "seller_flagged", "by": entry.actor, "detail": entry.detail or {}})
    events.sort(key=lambda e: e["at"])
    return events


def chart_marks(case: CaseFile, events: list[dict]) -> list[dict]:
    """Vertical marks for the chart: emergency start, notified, answered, re-checks (``kind``, ``at``)."""
    marks = []
    if case.emergency is not None:
        marks.append({"kind": "emergency", "at": case.emergency.start})
    if case.alert.notified_at is not None:
        marks.append({"kind": "notified", "at": case.alert.notified_at})
    if case.alert.answered_at is not None:
        marks.append({"kind": "answered", "at": case.alert.answered_at})
    marks += [{"kind": "rechecked", "at": e["at"]} for e in events if e["kind"] in ("rechecked",)
              or (e["kind"] == "status" and e["detail"].get("relisted"))]
    return marks


__all__ = ["CaseFile", "case_file", "chart_marks", "evidence", "price_series", "timeline", "what_changed"]
