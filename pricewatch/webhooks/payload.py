"""Violation event payloads, defined once (``docs/webhook-payload.schema.json`` describes the same shape).

The payload names the listing and seller with the platform's own ids, the rule and its citation, the baseline and
observed unit prices, the first violation time, the evidence hashes, and the action requested under the
platform's pledge with its deadline (``notified_at`` or now + the pledge's delisting deadline in hours).
"""

from __future__ import annotations

from datetime import timedelta

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
    listing: Listing = alert.listing if alert.listing is not None else session.get(Listing, alert.listing_id)
    platform: Platform = session.get(Platform, listing.platform_id)
    seller: Seller | None = session.get(Seller, listing.seller_id) if listing.seller_id else None
    preset = load_presets().get(alert.rule)
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
