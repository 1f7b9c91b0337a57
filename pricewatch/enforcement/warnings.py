"""Formal warnings (告诫) as a legal step: a regulator warns a seller, on one alert or as a whole.

Several Chinese rules apply only after a warning is ignored (RULES.md § 4: SAMR 2020 for sellers without a
reference transaction, hoarding). ``issue_warning`` records the warning (``seller_warning``: who, when, the
correct-by time, the note), writes it on the timeline of the seller's open alerts (``alert.history``) and in the
audit log, and sends ``seller.warned`` to the seller's platform (Standard Webhooks, from the outbox, in the same
transaction). Detection then lets presets with ``warning_required`` escalate only when the violation went on past
``correct_by`` (``analysis.signals.apply_warnings``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from pricewatch.errors import NotFound, PricewatchError
from pricewatch.store.engine import Database
from pricewatch.store.models import (
    Alert,
    AuditLog,
    Listing,
    Platform,
    Seller,
    SellerWarning,
    WebhookEndpoint,
    utcnow,
)
from pricewatch.webhooks.outbox import enqueue_event

ACTIVE = ("open", "notified", "acknowledged", "disputed")
DEFAULT_HOURS = 72


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def warned_payload(session: Session, warning: SellerWarning, seller: Seller | None, alert: Alert | None) -> dict:
    """The ``seller.warned`` webhook body (docs/webhook-payload.schema.json)."""
    listing = session.get(Listing, alert.listing_id) if alert is not None else (
        session.get(Listing, warning.listing_id) if warning.listing_id else None)
    platform = session.get(Platform, seller.platform_id if seller else listing.platform_id)
    return {
        "schema_version": "1",
        "type": "seller.warned",
        "warning": {"id": warning.id, "issued_at": _iso(warning.issued_at), "correct_by": _iso(warning.correct_by),
                    "issued_by": warning.issued_by, "note": warning.note},
        "seller": ({"platform": platform.name, "seller_id": seller.seller_key, "name": seller.name,
                    "license": seller.license} if seller else None),
        "violation": ({"id": alert.id, "rule": alert.rule, "status": alert.status,
                       "listing_id": listing.listing_key if listing else None,
                       "increase_pct": alert.increase_pct, "first_violation_at": _iso(alert.first_violation_at),
                       "evidence": [{"sha256": h} for h in (alert.evidence or [])]} if alert else None),
        "requested_action": {"action": "deliver_warning", "deadline": _iso(warning.correct_by),
                             "pledge_deadline_hours": platform.delisting_deadline_hours},
    }


def issue_warning(db: Database, *, alert_id: int | None = None, platform: str | None = None,
                  seller_id: str | None = None, note: str | None = None,
                  correct_within_hours: float = DEFAULT_HOURS, issued_at: datetime | None = None,
                  actor: str = "cli") -> SellerWarning:
    """Record a warning on an alert (its listing and seller) or on a seller (``platform`` + ``seller_id``).

    ``issued_at`` (UTC; default now) lets a regulator record a warning given on paper earlier; ``correct_by`` =
    ``issued_at`` + ``correct_within_hours``. Raises :class:`NotFound` for an unknown alert or seller.
    """
    if (alert_id is None) == (seller_id is None):
        raise PricewatchError("warn either an alert (--alert) or a seller (--seller PLATFORM/SELLER_ID)")
    if not 0 < correct_within_hours <= 24 * 365:
        raise PricewatchError("the time to correct must be between 0 and 8760 hours")
    issued_at = issued_at or utcnow()
    if issued_at.tzinfo is None:
        raise PricewatchError("issued_at needs a time zone")
    if issued_at > utcnow() + timedelta(minutes=5):
        raise PricewatchError("a warning cannot be issued in the future")
    with db.session() as s:
        alert = seller = None
        listing_id = None
        if alert_id is not None:
            alert = s.get(Alert, alert_id)
            if alert is None:
                raise NotFound(f"no alert {alert_id}")
            listing = s.get(Listing, alert.listing_id)
            listing_id = listing.id
            seller = s.get(Seller, listing.seller_id) if listing.seller_id else None
        else:
            seller = s.scalar(select(Seller).join(Platform, Platform.id == Seller.platform_id)
                              .where(Platform.name == platform, Seller.seller_key == seller_id))
            if seller is None:
                raise NotFound(f"no seller {platform}/{seller_id}")
        warning = SellerWarning(seller_id=seller.id if seller else None, listing_id=listing_id,
                                alert_id=alert.id if alert else None, issued_at=issued_at,
                                correct_by=issued_at + timedelta(hours=correct_within_hours), issued_by=actor,
                                note=note)
        s.add(warning)
        s.flush()
        # the timeline of every open alert it concerns: the alert warned on, or all of the seller's open alerts
        concerned = [alert] if alert is not None else s.scalars(
            select(Alert).join(Listing, Listing.id == Alert.listing_id)
            .where(Listing.seller_id == seller.id, Alert.status.in_(ACTIVE))).all()
        entry = {"at": utcnow().isoformat(), "by": actor, "event": "seller.warned", "warning_id": warning.id,
                 "note": f"formal warning (告诫) issued {_iso(issued_at)}; correct by {_iso(warning.correct_by)}"
                         + (f": {note}" if note else "")}
        for a in concerned:
            a.history = [*(a.history or []), entry]
        s.add(AuditLog(actor=actor, action="seller.warned",
                       target=f"alert:{alert.id}" if alert else f"seller:{seller.id}",
                       detail={"warning_id": warning.id, "correct_by": _iso(warning.correct_by), "note": note}))
        platform_id = seller.platform_id if seller else s.get(Listing, listing_id).platform_id
        endpoints = s.scalars(select(WebhookEndpoint).where(WebhookEndpoint.enabled.is_(True),
                                                            WebhookEndpoint.platform_id.in_([platform_id]))).all()
        enqueue_event(s, list(endpoints), "seller.warned", warned_payload(s, warning, seller, alert))
        s.commit()
        s.refresh(warning)
        s.expunge(warning)
        return warning


def warnings_frame(db: Database) -> pd.DataFrame:
    """Every warning, newest first: id, issued_at, correct_by (UTC), platform, seller_id, alert_id, issued_by, note."""
    with db.session() as s:
        rows = s.execute(select(SellerWarning.id, SellerWarning.issued_at, SellerWarning.correct_by, Platform.name,
                                Seller.seller_key, SellerWarning.alert_id, SellerWarning.issued_by,
                                SellerWarning.note)
                         .outerjoin(Seller, Seller.id == SellerWarning.seller_id)
                         .outerjoin(Platform, Platform.id == Seller.platform_id)
                         .order_by(SellerWarning.id.desc())).all()
    frame = pd.DataFrame(rows, columns=["warning_id", "issued_at", "correct_by", "platform", "seller_id", "alert_id",
                                        "issued_by", "note"])
    for name in ("issued_at", "correct_by"):
        frame[name] = pd.to_datetime(frame[name], utc=True)
    return frame
