"""Load what detection needs from the database, fast (raw driver cursor, only the needed columns)."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select

from pricewatch.store.engine import Database
from pricewatch.store.models import Listing, Platform, Seller

OBS_SQL = ("SELECT listing_id, observed_at, price, unit_price, availability, currency, quantity, quantity_unit, "
           "snapshot_sha256 FROM price_observation")
OBS_COLUMNS = ["listing_id", "observed_at", "price", "unit_price", "availability", "currency", "quantity",
               "quantity_unit", "snapshot_sha256"]


def load_observations(db: Database) -> pd.DataFrame:
    """All observations (UTC times); ``listing_id`` is our listing id."""
    with db.engine.connect() as conn:
        cursor = conn.connection.cursor()
        try:
            cursor.execute(OBS_SQL)
            rows = cursor.fetchall()
        finally:
            cursor.close()
    frame = pd.DataFrame.from_records(rows, columns=OBS_COLUMNS)
    if db.dialect == "sqlite":
        frame["observed_at"] = pd.to_datetime(frame["observed_at"], format="%Y-%m-%d %H:%M:%S.%f", utc=True)
    else:
        frame["observed_at"] = pd.to_datetime(frame["observed_at"], utc=True)
    for name in ("price", "unit_price", "quantity"):
        frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64")
    return frame


def load_listings(db: Database) -> pd.DataFrame:
    """Listings indexed by id: platform, listing_key, seller_key, category, region, title, url, first_seen_at."""
    stmt = (select(Listing.id, Platform.name.label("platform"), Listing.listing_key, Seller.seller_key,
                   Listing.category, Listing.region, Listing.title, Listing.url, Listing.first_seen_at)
            .join(Platform, Platform.id == Listing.platform_id)
            .outerjoin(Seller, Seller.id == Listing.seller_id))
    with db.engine.connect() as conn:
        rows = conn.execute(stmt).all()
    frame = pd.DataFrame(rows, columns=["id", "platform", "listing_key", "seller_key", "category", "region", "title",
                                        "url", "first_seen_at"])
    return frame.set_index("id")
