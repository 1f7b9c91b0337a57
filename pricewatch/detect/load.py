"""Load what detection needs from the database, fast and lean.

Observations come as five numeric columns (listing id, epoch seconds, price, unit price, out-of-stock flag) read in
chunks into numpy arrays — the database does the timestamp and string work — so ten million rows fit in well under a
gigabyte. Per-listing attributes (currency, unit, pack quantity) come from each listing's latest priced observation,
and evidence hashes are fetched afterwards only for listings with violations.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import select, text

from pricewatch.detect.buckets import Bucket
from pricewatch.normalize.product import product_key
from pricewatch.store.engine import Database
from pricewatch.store.models import Listing, Platform, Seller

CHUNK = 500_000


def _epoch_sql(dialect: str) -> str:
    if dialect == "sqlite":
        return "CAST(strftime('%s', observed_at) AS INTEGER)"
    return "CAST(FLOOR(EXTRACT(EPOCH FROM observed_at)) AS BIGINT)"  # floor like SQLite (CAST alone rounds)


def load_observations(db: Database, *, with_shipping: bool = False, bucket: Bucket | None = None) -> pd.DataFrame:
    """All observations (or those of one listing ``bucket``): listing_id, observed_at (UTC, second precision), price, unit_price, availability
    (``out_of_stock`` or ``in_stock`` — the only distinction detection makes), and ``shipping`` (0 when missing)
    when asked for (absolute price caps compare the item price without shipping)."""
    extra = ", COALESCE(shipping, 0)" if with_shipping else ""
    sql = (f"SELECT listing_id, {_epoch_sql(db.dialect)}, price, unit_price, "
           f"CASE WHEN availability = 'out_of_stock' THEN 1 ELSE 0 END{extra} FROM price_observation")
    if bucket is not None:
        sql += f" WHERE {bucket.listing_filter('listing_id')}"
    parts = []
    with db.engine.connect() as conn:
        cursor = conn.connection.cursor()
        try:
            cursor.execute(sql)
            while rows := cursor.fetchmany(CHUNK):
                parts.append(np.array(rows, dtype="float64"))
        finally:
            cursor.close()
    data = np.concatenate(parts) if parts else np.empty((0, 6 if with_shipping else 5))
    frame = pd.DataFrame({
        "listing_id": data[:, 0].astype("int64"),
        "observed_at": pd.to_datetime(data[:, 1].astype("int64"), unit="s", utc=True),
        "price": data[:, 2],
        "unit_price": data[:, 3],
        "availability": np.where(data[:, 4] == 1, "out_of_stock", "in_stock"),
    })
    if with_shipping:
        frame["shipping"] = data[:, 5]
    return frame


def load_listings(db: Database, *, bucket: Bucket | None = None) -> pd.DataFrame:
    """Listings (all, or those of one ``bucket``) indexed by id: platform, listing_key, seller_key, category, region, title, url, first_seen_at,
    quantity_source, unnormalised_reason, product_key, and currency, unit, quantity of the latest priced observation.

    ``product_key`` is computed from the title and category (:func:`pricewatch.normalize.product.product_key`) for
    listings stored before keys were recorded."""
    stmt = (select(Listing.id, Platform.name.label("platform"), Listing.listing_key, Seller.seller_key,
                   Listing.category, Listing.region, Listing.title, Listing.url, Listing.first_seen_at,
                   Listing.quantity_source, Listing.unnormalised_reason, Listing.product_key)
            .join(Platform, Platform.id == Listing.platform_id)
            .outerjoin(Seller, Seller.id == Listing.seller_id))
    latest = ("SELECT o.listing_id, o.currency, o.quantity_unit, o.quantity FROM price_observation o "
              "JOIN (SELECT listing_id, MAX(observed_at) AS at FROM price_observation WHERE unit_price IS NOT NULL "
              "GROUP BY listing_id) m ON m.listing_id = o.listing_id AND m.at = o.observed_at "
              "WHERE o.unit_price IS NOT NULL")
    if bucket is not None:
        stmt = stmt.where(text(bucket.condition("listing.id")))
        latest = latest.replace("WHERE unit_price IS NOT NULL",
                                f"WHERE unit_price IS NOT NULL AND {bucket.listing_filter('listing_id')}")
    with db.engine.connect() as conn:
        rows = conn.execute(stmt).all()
        units = conn.exec_driver_sql(latest).all()
    frame = pd.DataFrame(rows, columns=["id", "platform", "listing_key", "seller_key", "category", "region", "title",
                                        "url", "first_seen_at", "quantity_source", "unnormalised_reason",
                                        "product_key"]).set_index("id")
    missing = frame["product_key"].isna() & frame["title"].notna()
    if missing.any():
        frame.loc[missing, "product_key"] = [product_key(t, c) for t, c in
                                             zip(frame.loc[missing, "title"], frame.loc[missing, "category"])]
    attrs = pd.DataFrame(units, columns=["id", "currency", "unit", "quantity"]).drop_duplicates("id").set_index("id")
    return frame.join(attrs)


def load_evidence(db: Database, listing_ids: list[int]) -> pd.DataFrame:
    """Evidence hashes of the given listings' observations: listing_id, observed_at, snapshot_sha256."""
    out = []
    with db.engine.connect() as conn:
        for start in range(0, len(listing_ids), 900):
            part = [int(x) for x in listing_ids[start:start + 900]]
            marks = ", ".join(str(x) for x in part)
            out += conn.exec_driver_sql(
                f"SELECT listing_id, {_epoch_sql(db.dialect)}, snapshot_sha256 FROM price_observation "
                f"WHERE snapshot_sha256 IS NOT NULL AND listing_id IN ({marks})").all()
    frame = pd.DataFrame(out, columns=["listing_id", "observed_at", "snapshot_sha256"])
    frame["observed_at"] = pd.to_datetime(frame["observed_at"].astype("int64"), unit="s", utc=True)
    return frame
