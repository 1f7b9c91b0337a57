"""Violation event payloads, defined once (``docs/webhook-payload.schema.json`` describes the same shape).

The payload names the listing and seller with the platform's own ids, the rule and its citation, the baseline and
observed unit prices, the first violation time, the evidence hashes, and the action requested under the
platform's pledge with its deadline (``notified_at`` or now + the pledge's delisting deadline in hours).

:func:`build_violation_payload` builds it from already-loaded objects; :func:`violation_payload` loads them for one
alert, :func:`load_payload_context` for many at once (the alert store's batch path).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis.presets import load_presets
from pricewatch.amounts import round_unit_price
from pricewatch.instants import utc_text
from pricewatch.store.models import Alert, Listing, Platform, Seller, utcnow

SCHEMA_VERSION = "1"


def _iso(value) -> str | None:  # noqa: ANN001
    return utc_text(value)  # ISO 8601 UTC with Z, to the second: the one form of every API instant


def _unit_price(value: float | None, currency: str | None) -> float | None:
    return None if value is None else float(round_unit_price([value], currency)[0])


def violation_payload(session: Session, alert: Alert, event_type: str) -> dict:
    """The payload of ``event_type`` about ``alert``, loading its listing, platform and seller from ``session``."""
    listing: Listing = alert.listing if alert.listing is not None else session.get(Listing, alert.listing_id)
    platform: Platform = session.get(Platform, listing.platform_id)
    seller: Seller | None = session.get(Seller, listing.seller_id) if listing.seller_id else None
    return build_violation_payload(alert, event_type, listing, platform, seller)


def load_payload_context(session: Session, listing_ids: Iterable[int], chunk: int = 5000) -> PayloadContext:
    """The listings ``listing_ids`` with their platforms and sellers, in a few IN queries (``chunk`` ids each), for
    building many payloads without a query per alert. Listings and sellers come as rows carrying only the columns
    a payload names."""
    listings: dict[int, Any] = {}
    ids = sorted(set(listing_ids))
    for start in range(0, len(ids), chunk):
        part = ids[start:start + chunk]
        for row in session.execute(select(Listing.id, Listing.platform_id, Listing.seller_id, Listing.listing_key,
                                          Listing.url, Listing.title, Listing.category).where(Listing.id.in_(part))):
            listings[row.id] = row
    platform_ids = sorted({row.platform_id for row in listings.values()})
    platforms = {p.id: p for p in session.scalars(select(Platform).where(Platform.id.in_(platform_ids)))}
    sellers: dict[int, Any] = {}
    seller_ids = sorted({row.seller_id for row in listings.values() if row.seller_id})
    for start in range(0, len(seller_ids), chunk):
        part = seller_ids[start:start + chunk]
        for row in session.execute(select(Seller.id, Seller.seller_key, Seller.name, Seller.license)
                                   .where(Seller.id.in_(part))):
            sellers[row.id] = row
    return PayloadContext(listings, platforms, sellers, load_presets())


@dataclass
class PayloadContext:
    """Preloaded listings, platforms, sellers (by id) and rule presets: see :func:`load_payload_context`."""

    listings: dict[int, Any]
    platforms: dict[int, Platform]
    sellers: dict[int, Any]
    presets: dict[str, Any]

    def payload(self, alert: Any, event_type: str) -> dict:
        listing = self.listings[alert.listing_id]
        seller = self.sellers[listing.seller_id] if listing.seller_id else None
        return build_violation_payload(alert, event_type, listing, self.platforms[listing.platform_id], seller,
                                       presets=self.presets)


def build_violation_payload(alert: Any, event_type: str, listing: Any, platform: Any, seller: Any | None, *,
                            presets: dict | None = None) -> dict:
    """The one definition of a violation payload, from an already-loaded alert (or any object with the alert's
    attributes), its listing, platform and seller (None when the listing has none). ``presets``: the rule presets
    (:func:`analysis.presets.load_presets`; loaded when not given)."""
    preset = (presets if presets is not None else load_presets()).get(alert.rule)
    requested = "close" if event_type == "violation.closed" else "delist"
    deadline = None
    if requested == "delist" and platform.delisting_deadline_hours:
        deadline = (alert.notified_at or utcnow()) + timedelta(hours=platform.delisting_deadline_hours)
    return {
        "schema_version": SCHEMA_VERSION,
        "type": event_type,
        "violation": {
            "id": alert.id,
            "status": alert.status,
            "rule": alert.rule,
            "rule_title": preset.title if preset else None,
            "citation": preset.source if preset else None,
            "severity": alert.severity,
            "first_violation_at": _iso(alert.first_violation_at),
            "last_violation_at": _iso(alert.last_violation_at),
            "baseline_unit_price": _unit_price(alert.baseline_unit_price, alert.currency),
            "baseline_method": alert.baseline_method,
            "observed_unit_price": _unit_price(alert.observed_unit_price, alert.currency),
            "unit": alert.unit,
            "currency": alert.currency,
            "increase_pct": None if alert.increase_pct is None else round(alert.increase_pct, 2),
            "explanation": alert.explanation,
            "flags": alert.flags or [],
            "evidence": [{"sha256": h} for h in (alert.evidence or [])],
        },
        "listing": {"platform": platform.name, "listing_id": listing.listing_key, "url": listing.url,
                    "title": listing.title, "category": listing.category},
        "seller": ({"seller_id": seller.seller_key, "name": seller.name, "license": seller.license}
                   if seller else None),
        "requested_action": {"action": requested, "deadline": _iso(deadline),
                             "pledge_deadline_hours": platform.delisting_deadline_hours},
    }
