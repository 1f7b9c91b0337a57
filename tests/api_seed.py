"""One listing of jd's with three days of observations and one notified violation — the seed the API tests share."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
from sqlalchemy import select

from pricewatch.ingest import ingest_frame
from pricewatch.keys import create_key
from pricewatch.store.models import Alert, Listing, utcnow

ROLES = ("platform", "regulator", "analyst", "admin")


def seed_violation(db) -> int:  # noqa: ANN001
    """Ingest jd's listing J1 and open a notified violation for it; returns the alert id."""
    now = utcnow()
    rows = [{"platform": "jd", "listing_id": "J1", "seller_id": "s1", "observed_at": (now - timedelta(days=d))
             .strftime("%Y-%m-%dT%H:%M:%SZ"), "price": "29.90", "currency": "CNY", "title": "医用外科口罩 50只/盒"}
            for d in range(3)]
    ingest_frame(db, pd.DataFrame(rows))
    with db.session() as s:
        listing = s.scalar(select(Listing).where(Listing.listing_key == "J1"))
        alert = Alert(listing_id=listing.id, rule="cn-samr-2020", severity="severe", first_violation_at=now,
                      detected_at=now, baseline_unit_price=0.6, observed_unit_price=3.0, unit="piece",
                      currency="CNY", increase_pct=400.0, status="notified", history=[])
        s.add(alert)
        s.commit()
        return alert.id


def role_keys(db) -> dict[str, str]:  # noqa: ANN001
    """One API key per role (the platform key is jd's)."""
    return {role: create_key(db, role=role, platform="jd" if role == "platform" else None)[1] for role in ROLES}
