"""Price history: what did this listing / seller / category cost, per observation or per day.

``query(...)`` returns a pandas DataFrame; ``pricewatch history`` prints it as a table or writes CSV/Parquet; the
HTTP API serves the same function. Contracts:

- filters combine with AND; each list filter (platforms, listings, sellers, categories) matches any of its items;
- ``start``/``end`` are instants (aware datetimes or ISO strings with zone) or dates; a date is a calendar day in
  the display zone ``tz`` (default: the configured zone) and ``end`` includes its whole day;
- per observation: ``observed_at`` is UTC (tz-aware); ``unit_price`` is per ``unit`` in ``currency`` (NaN when the
  listing's pack quantity is unknown);
- daily (``freq="D"``): one row per day (in ``tz``) × group × currency × unit with ``median``, ``min``, ``max`` of
  the unit price, ``count`` of priced observations and ``observations`` in all (out-of-stock included). Groups
  never mix currencies or units.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import select

from pricewatch.store.engine import Database
from pricewatch.store.models import Listing, Platform, PriceObservation, Seller

GROUPS = {
    "listing": ["platform", "listing_id"],
    "seller": ["platform", "seller_id"],
    "category": ["category"],
    "platform": ["platform"],
}
OBSERVATION_COLUMNS = ["observed_at", "platform", "listing_id", "seller_id", "category", "title", "price", "shipping",
                       "currency", "availability", "unit_price", "unit", "source", "snapshot_sha256"]


def _as_list(value: str | Iterable[str] | None) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    return list(value) or None


def _instant(value: str | date | datetime | None, tz: ZoneInfo, *, end: bool) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if len(text) == 10:  # YYYY-MM-DD
            value = date.fromisoformat(text)
        else:
            value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=tz)
        return value
    day = value + timedelta(days=1) if end else value
    return datetime.combine(day, time.min, tzinfo=tz)


def query(
    db: Database,
    *,
    platforms: str | Iterable[str] | None = None,
    listings: str | Iterable[str] | None = None,
    sellers: str | Iterable[str] | None = None,
    categories: str | Iterable[str] | None = None,
    start: str | date | datetime | None = None,
    end: str | date | datetime | None = None,
    freq: str | None = None,
    by: str = "listing",
    tz: str | None = None,
) -> pd.DataFrame:
    """Price history as a DataFrame (see the module docstring for the columns and zones)."""
    if freq not in (None, "D"):
        raise ValueError("freq must be None (per observation) or 'D' (daily)")
    if by not in GROUPS:
        raise ValueError(f"by must be one of {', '.join(GROUPS)}")
    zone = ZoneInfo(tz or db.settings.timezone)
    stmt = (
        select(
            PriceObservation.observed_at, Platform.name.label("platform"), Listing.listing_key.label("listing_id"),
            Seller.seller_key.label("seller_id"), Listing.category, Listing.title, PriceObservation.price,
            PriceObservation.shipping, PriceObservation.currency, PriceObservation.availability,
            PriceObservation.unit_price, PriceObservation.quantity_unit.label("unit"), PriceObservation.source,
            PriceObservation.snapshot_sha256,
        )
        .join(Listing, Listing.id == PriceObservation.listing_id)
        .join(Platform, Platform.id == Listing.platform_id)
        .outerjoin(Seller, Seller.id == Listing.seller_id)
        .order_by(PriceObservation.observed_at, Platform.name, Listing.listing_key)
    )
    if (names := _as_list(platforms)) is not None:
        stmt = stmt.where(Platform.name.in_(names))
    if (keys := _as_list(listings)) is not None:
        stmt = stmt.where(Listing.listing_key.in_(keys))
    if (keys := _as_list(sellers)) is not None:
        stmt = stmt.where(Seller.seller_key.in_(keys))
    if (cats := _as_list(categories)) is not None:
        stmt = stmt.where(Listing.category.in_(cats))
    if (lo := _instant(start, zone, end=False)) is not None:
        stmt = stmt.where(PriceObservation.observed_at >= lo)
    if (hi := _instant(end, zone, end=True)) is not None:
        stmt = stmt.where(PriceObservation.observed_at < hi)

    with db.engine.connect() as conn:
        rows = conn.execute(stmt).all()
    frame = pd.DataFrame(rows, columns=OBSERVATION_COLUMNS)
    frame["observed_at"] = pd.to_datetime(frame["observed_at"], utc=True)
    for name in ("price", "shipping", "unit_price"):
        frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64")
    if freq is None:
        return frame
    return daily(frame, by=by, tz=zone.key)


def daily(observations: pd.DataFrame, *, by: str = "listing", tz: str = "UTC") -> pd.DataFrame:
    """Daily unit-price aggregates of per-observation history (see module docstring)."""
    keys = ["day", *GROUPS[by], "currency", "unit"]
    frame = observations.assign(day=observations["observed_at"].dt.tz_convert(tz).dt.date)
    frame = frame.assign(unit=frame["unit"].fillna("-"))
    grouped = frame.groupby(keys, sort=True, dropna=False)
    out = grouped["unit_price"].agg(median="median", min="min", max="max", count="count")
    out["observations"] = grouped.size()
    out = out.reset_index()
    out["unit"] = out["unit"].replace("-", None)
    out["count"] = out["count"].astype("int64")
    out["observations"] = out["observations"].astype("int64")
    return out
