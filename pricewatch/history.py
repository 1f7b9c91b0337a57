"""Price history: what did this listing / seller / category cost, per observation or per day.

``query(...)`` returns a pandas DataFrame; ``pricewatch history`` prints it as a table or writes CSV/Parquet; the
HTTP API serves the same function. Contracts:

- filters combine with AND; each list filter (platforms, listings, sellers, categories) matches any of its items;
- ``start``/``end`` are instants (aware datetimes or ISO strings with zone) or dates; a date is a calendar day in
  the display zone ``tz`` (default: the configured zone) and ``end`` includes its whole day;
- per observation (:data:`OBSERVATION_DTYPES`): ``observed_at`` is UTC (tz-aware); ``price``/``shipping`` in
  ``currency``, rounded to its minor unit; ``unit_price`` per ``unit`` in ``currency``, 4 significant digits
  (``pricewatch.amounts``; NaN when the listing's pack quantity is unknown); ``offer`` is False for observations
  that are not offers — out of stock, or a sold-out placeholder price (999, 9999…; ``analysis.series``) — which
  are kept for the record but never enter daily figures or indices unless asked;
- daily (``freq="D"``, :data:`DAILY_DTYPES`): one row per day (a ``datetime.date`` in ``tz``) × group × currency ×
  unit with ``median``, ``min``, ``max`` of the offers' unit prices (rounded like ``unit_price``), ``n_prices``
  (unit prices in those figures) and ``n_observations`` (every observation of that day and group, the ones left
  out included: not offers, no unit price). ``include_unavailable=True`` lets out-of-stock and placeholder prices
  into the figures (as the detection never does). Groups never mix currencies or units. Rows whose feed row was
  refused are in quarantine (``rejected_record``), never here.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import or_, select

from analysis.series import is_placeholder
from pricewatch.amounts import round_money, round_unit_price
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
# documented dtypes of what query() returns (a test holds them); "str" is pandas' text dtype (missing = NaN)
TEXT_COLUMNS = ["platform", "listing_id", "seller_id", "category", "title", "currency", "availability", "unit",
                "source", "snapshot_sha256"]
OBSERVATION_DTYPES = {
    "observed_at": "datetime64[us, UTC]", **dict.fromkeys(TEXT_COLUMNS, "str"), "price": "float64",
    "shipping": "float64", "unit_price": "float64", "offer": "bool",
}
DAILY_DTYPES = {"day": "object (datetime.date)", "currency": "str", "unit": "str", "median": "float64",
                "min": "float64", "max": "float64", "n_prices": "int64", "n_observations": "int64"}


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
    include_unavailable: bool = False,
    regions: str | Iterable[str] | None = None,
    _rounded: bool = True,
) -> pd.DataFrame:
    """Price history as a DataFrame (see the module docstring for the columns and zones). ``regions`` are ISO 3166
    prefixes of where listings are sold (``CN`` matches ``CN-11``)."""
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
    if (codes := _as_list(regions)) is not None:
        stmt = stmt.where(or_(*(Listing.region.like(f"{code.upper()}%") for code in codes)))
    if (lo := _instant(start, zone, end=False)) is not None:
        stmt = stmt.where(PriceObservation.observed_at >= lo)
    if (hi := _instant(end, zone, end=True)) is not None:
        stmt = stmt.where(PriceObservation.observed_at < hi)

    with db.engine.connect() as conn:
        rows = conn.execute(stmt).all()
    frame = pd.DataFrame(rows, columns=OBSERVATION_COLUMNS)
    frame["observed_at"] = pd.to_datetime(frame["observed_at"], utc=True).astype("datetime64[us, UTC]")
    for name in TEXT_COLUMNS:
        frame[name] = frame[name].astype("str").where(frame[name].notna())
    for name in ("price", "shipping", "unit_price"):
        frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64")
    frame["offer"] = offers(frame)
    if freq is None:
        return rounded(frame) if _rounded else frame
    return daily(frame, by=by, tz=zone.key, include_unavailable=include_unavailable)


def offers(observations: pd.DataFrame) -> pd.Series:
    """True where an observation is an offer: not out of stock and not a sold-out placeholder price."""
    if observations.empty:
        return pd.Series(False, index=observations.index, dtype="bool")
    return (observations["availability"].fillna("unknown") != "out_of_stock") & ~is_placeholder(observations["price"])


def rounded(observations: pd.DataFrame) -> pd.DataFrame:
    """Money to the currency's minor unit, unit prices to 4 significant digits (``pricewatch.amounts``)."""
    out = observations.copy()
    for name in ("price", "shipping"):
        out[name] = round_money(out[name], out["currency"])
    out["unit_price"] = round_unit_price(out["unit_price"], out["currency"])
    return out


def daily(observations: pd.DataFrame, *, by: str = "listing", tz: str = "UTC",
          include_unavailable: bool = False) -> pd.DataFrame:
    """Daily unit-price aggregates of per-observation history (see module docstring); computed from the unrounded
    unit prices, then rounded once."""
    keys = ["day", *GROUPS[by], "currency", "unit"]
    frame = observations.assign(day=observations["observed_at"].dt.tz_convert(tz).dt.date)
    frame = frame.assign(unit=frame["unit"].fillna("-"))
    counted = frame["offer"] if "offer" in frame else offers(frame)
    if not include_unavailable:
        frame = frame.assign(unit_price=frame["unit_price"].where(counted))
    grouped = frame.groupby(keys, sort=True, dropna=False)
    out = grouped["unit_price"].agg(median="median", min="min", max="max", n_prices="count")
    out["n_observations"] = grouped.size()
    out = out.reset_index()
    out["unit"] = out["unit"].replace("-", None)
    for name in ("median", "min", "max"):
        out[name] = round_unit_price(out[name], out["currency"])
    out["n_prices"] = out["n_prices"].astype("int64")
    out["n_observations"] = out["n_observations"].astype("int64")
    return out


INDEX_DTYPES = {"category": "str", "currency": "str", "unit": "str", "day": "object (datetime.date, UTC)",
                "index": "float64", "n_listings": "int64"}


def price_index(
    db: Database,
    *,
    categories: str | Iterable[str] | None = None,
    platforms: str | Iterable[str] | None = None,
    regions: str | Iterable[str] | None = None,
    reference_end: str | date | datetime | None = None,
    min_listings: int = 5,
    include_unavailable: bool = False,
) -> tuple[pd.DataFrame, pd.Timestamp | None]:
    """Daily category price index (``analysis.market``) and the end of its reference window.

    index(day) = median over listings of (the listing's daily median unit price / its own median over the 30 days
    before ``reference_end``; default: 30 days after the first observed day). 1.0 = listings at their reference
    price. Offers only — out of stock and placeholders never enter, as in detection — unless
    ``include_unavailable`` (then every priced observation counts, baselines too). Days are UTC calendar days
    (``datetime.date``); ``index`` is rounded to 4 decimals; days with fewer than ``min_listings`` listings are left
    out. Returns (frame with :data:`INDEX_DTYPES`, reference-window end as a UTC Timestamp or None when empty).
    """
    from analysis.baseline import own_baselines
    from analysis.market import category_index
    from analysis.series import daily_series

    frame = query(db, categories=categories, platforms=platforms, regions=regions, _rounded=False)
    columns = list(INDEX_DTYPES)
    if frame.empty:
        return pd.DataFrame(columns=columns), None
    codes, _ = pd.factorize(pd.MultiIndex.from_frame(frame[["platform", "listing_id"]]))
    obs = frame.assign(listing_id=codes)
    if include_unavailable:
        # analysis.series counts offers only; marked in stock and without a (placeholder) price, every priced
        # observation passes its test — the unit price, all the index reads, is kept
        obs = obs.assign(availability="in_stock", price=float("nan"))
    series = daily_series(obs)
    if series.empty:
        return pd.DataFrame(columns=columns), None
    if reference_end is None:
        end = series["day"].min() + pd.Timedelta(days=30)
    else:
        when = _instant(reference_end, ZoneInfo(db.settings.timezone), end=False)
        end = pd.Timestamp(when).tz_convert("UTC")
    t0 = pd.Series(end, index=series["listing_id"].unique())
    base = own_baselines(series, t0, "median_30d")
    meta = obs.groupby("listing_id")[["category", "currency", "unit"]].last()
    table = category_index(series, base, meta, min_listings=min_listings).dropna(subset=["index"])
    table = table.assign(day=table["day"].dt.date, index=table["index"].round(4),
                         n_listings=table["n_listings"].astype("int64"))
    return table[columns].reset_index(drop=True), end


class _CallableModule(types.ModuleType):
    """``pw.history(db, category=…)`` calls :func:`pricewatch.notebook.history` (the ``pricewatch history`` command's
    options); the module's functions (``query``, ``daily``, ``price_index``) stay where they are."""

    def __call__(self, *args, **kwargs) -> pd.DataFrame:  # noqa: ANN002, ANN003
        from pricewatch.notebook import history

        return history(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule


def write_parquet(frame: pd.DataFrame, path: str | Path, *, by_day: bool = False, tz: str = "UTC") -> int:
    """Write a history frame as Parquet: money and unit prices as ``decimal128`` (``pricewatch.amounts``), instants
    as UTC timestamps. ``by_day=True`` writes a folder partitioned Hive-style by calendar day in ``tz``
    (``path/day=2020-03-01/part-0.parquet``), which DuckDB (``read_parquet('path/**/*.parquet',
    hive_partitioning = true)``) and Polars (``pl.scan_parquet('path/**/*.parquet', hive_partitioning=True)``) read
    as one table with a
    ``day`` column and can prune by day. Returns the number of rows written."""
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    from pricewatch.amounts import arrow_table

    path = Path(path)
    if not by_day:
        pq.write_table(arrow_table(frame), path)
        return len(frame)
    if "observed_at" in frame:
        day = frame["observed_at"].dt.tz_convert(tz).dt.strftime("%Y-%m-%d")
    else:
        day = frame["day"].map(lambda d: d.isoformat())
    table = arrow_table(frame.drop(columns=["day"], errors="ignore").assign(day=day.astype("str")))
    ds.write_dataset(table, path, format="parquet", partitioning=["day"], partitioning_flavor="hive",
                     existing_data_behavior="delete_matching", basename_template="part-{i}.parquet")
    return len(frame)
