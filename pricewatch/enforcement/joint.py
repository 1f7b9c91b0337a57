"""Joint enforcement ("一处清退、处处关店"): a confirmed violation flags the same seller on every other platform.

The same seller means the same business licence / registration number, or a link a regulator recorded
(``seller_link``). Each other seller account gets one ``seller.flagged`` event (to its platform's endpoints) with
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
        enqueue_event(session, list(endpoints), "seller.flagged", payload)
        session.add(AuditLog(actor=actor, action="seller.flagged", target=target,
                             detail={"platform": platform.name, "seller_id": other.seller_key, "reason": reason}))
        flagged += 1
    return flagged
