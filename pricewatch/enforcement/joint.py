"""Joint enforcement ("一处清退、处处关店"): a confirmed violation flags the same seller on every other platform.

The same seller means the same business licence / registration number, or a link a regulator recorded
(``seller_link``). Only trusted links count: licences are stored only from trusted sources (a platform's claim
through the API is audited, never stored; see ``pricewatch.ingest.writer.upsert_sellers``), and each
``seller.flagged`` event says which link it acted on (``link``: the licence and who set it on each account, or the
regulator's recorded link). Each other seller account gets one ``seller.flagged`` event (to its platform's endpoints) with
the evidence of the confirmed violation; the audit log remembers it so a seller is not flagged twice for one
violation.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from pricewatch.store.models import Alert, AuditLog, Listing, Platform, Seller, SellerLink, WebhookEndpoint
from pricewatch.webhooks.outbox import enqueue_event


def linked_sellers(session: Session, seller: Seller) -> list[Seller]:
    """Seller accounts on other platforms that are the same entity (same licence, or a recorded link)."""
    found: dict[int, Seller] = {}
    if seller.license:
        for other in session.scalars(select(Seller).where(Seller.license == seller.license, Seller.id != seller.id)):
            found[other.id] = other
    links = session.scalars(select(SellerLink).where(or_(SellerLink.seller_id == seller.id,
                                                         SellerLink.other_seller_id == seller.id)))
    for link in links:
        other_id = link.other_seller_id if link.seller_id == seller.id else link.seller_id
        other = session.get(Seller, other_id)
        if other is not None:
            found[other.id] = other
    return [s for s in found.values() if s.platform_id != seller.platform_id]


def set_license(session: Session, seller: Seller, license: str | None, *, actor: str,
                note: str | None = None) -> str | None:
    """A regulator sets (or clears) a seller's licence; audited with the old and new value. Returns the old one."""
    before = seller.license
    if license == before:
        return before
    seller.license = license
    session.add(AuditLog(actor=actor, action="seller.license_set" if before is None else "seller.license_changed",
                         target=f"seller:{seller.id}",
                         detail={"seller_id": seller.seller_key, "from": before, "to": license, "source": actor,
                                 "stored": True, **({"note": note} if note else {})}))
    session.flush()
    return before


def license_set_by(session: Session, seller: Seller) -> str:
    """Who set the seller's stored licence, from the audit log (sources recorded since licences are audited)."""
    entry = session.scalar(select(AuditLog).where(AuditLog.target == f"seller:{seller.id}",
                                                  AuditLog.action.in_(("seller.license_set", "seller.license_changed")))
                           .order_by(AuditLog.id.desc()).limit(1))
    return entry.actor if entry is not None else "unaudited (stored before licence changes were audited)"


def _link(session: Session, seller: Seller, other: Seller) -> dict:
    if seller.license and other.license == seller.license:
        return {"license": seller.license, "origin_set_by": license_set_by(session, seller),
                "seller_set_by": license_set_by(session, other)}
    link = session.scalar(select(SellerLink).where(or_(
        (SellerLink.seller_id == seller.id) & (SellerLink.other_seller_id == other.id),
        (SellerLink.seller_id == other.id) & (SellerLink.other_seller_id == seller.id))).limit(1))
    return {"recorded_by": link.recorded_by if link else None, "reason": link.reason if link else None}


def flag_seller_elsewhere(session: Session, alert: Alert, *, reason: str, actor: str) -> int:
    """Send ``seller.flagged`` to the other platforms where the alert's seller trades; returns accounts flagged."""
    listing = session.get(Listing, alert.listing_id)
    if listing is None or listing.seller_id is None:
        return 0
    seller = session.get(Seller, listing.seller_id)
    origin = session.get(Platform, listing.platform_id)
    flagged = 0
    for other in linked_sellers(session, seller):
        target = f"seller:{other.id}:alert:{alert.id}"
        if session.scalar(select(AuditLog.id).where(AuditLog.action == "seller.flagged", AuditLog.target == target)):
            continue
        platform = session.get(Platform, other.platform_id)
        payload = {
            "schema_version": "1",
            "type": "seller.flagged",
            "seller": {"platform": platform.name, "seller_id": other.seller_key, "name": other.name,
                       "license": other.license},
            "reason": reason,
            "matched_by": "license" if seller.license and other.license == seller.license else "regulator_link",
            "link": _link(session, seller, other),
            "origin": {
                "platform": origin.name, "listing_id": listing.listing_key, "seller_id": seller.seller_key,
                "violation_id": alert.id, "rule": alert.rule, "increase_pct": alert.increase_pct,
                "baseline_unit_price": alert.baseline_unit_price, "observed_unit_price": alert.observed_unit_price,
                "currency": alert.currency, "unit": alert.unit,
                "first_violation_at": alert.first_violation_at.isoformat().replace("+00:00", "Z"),
                "evidence": [{"sha256": h} for h in (alert.evidence or [])],
            },
            "requested_action": {"action": "review_seller",
                                 "pledge_deadline_hours": platform.delisting_deadline_hours},
        }
        endpoints = session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.enabled.is_(True),
                                                                  WebhookEndpoint.platform_id == platform.id)).all()
        enqueue_event(session, list(endpoints), "seller.flagged", payload, alert_id=alert.id)
        session.add(AuditLog(actor=actor, action="seller.flagged", target=target,
                             detail={"platform": platform.name, "seller_id": other.seller_key, "reason": reason}))
        flagged += 1
    return flagged
