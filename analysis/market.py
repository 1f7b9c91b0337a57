"""Market movement: a daily price index per category × currency × unit.

index(day) = median over listings of (listing's daily unit price / listing's own baseline), for listings that have
an own baseline. 1.00 means the category's listings sell at their normal prices; 1.30 means the whole category moved
up 30 % together — a cost signal (supplier prices, freight), not one seller's gouging. The median keeps a minority
of gougers from moving the index. Days with fewer than ``min_listings`` listings have no index (NaN).
"""

from __future__ import annotations

import pandas as pd

KEYS = ["category", "currency", "unit"]


def category_index(daily: pd.DataFrame, baselines: pd.DataFrame, listings: pd.DataFrame,
                   min_listings: int = 5, smooth_days: int = 3) -> pd.DataFrame:
    """Daily index per category/currency/unit (see module docstring).

    ``daily``: the daily series; ``baselines``: own baselines (listing_id, baseline); ``listings``: indexed by
    listing_id with category, currency, unit. Returns category, currency, unit, day, index, n_listings; the index is
    a centred rolling median over ``smooth_days`` days so one odd day does not swing it.

    The same as :func:`index_from_ratios` over :func:`index_ratios`: partitioned detection computes the ratios
    bucket by bucket and the index once from all of them.
    """
    return index_from_ratios(index_ratios(daily, baselines, listings), min_listings=min_listings,
                             smooth_days=smooth_days)


def index_ratios(daily: pd.DataFrame, baselines: pd.DataFrame, listings: pd.DataFrame) -> pd.DataFrame:
    """One row per day of each listing with a baseline: category, currency, unit, day, ratio (unit price /
    baseline). Listing by listing: the ratios of a set of listings are the union of those of its parts."""
    frame = daily[["listing_id", "day", "unit_price"]].merge(baselines[["listing_id", "baseline"]], on="listing_id")
    frame = frame.merge(listings[KEYS], left_on="listing_id", right_index=True)
    return pd.DataFrame({**{k: frame[k] for k in KEYS}, "day": frame["day"],
                         "ratio": frame["unit_price"] / frame["baseline"]})


def index_from_ratios(ratios: pd.DataFrame, keys: list[str] | None = None, min_listings: int = 5,
                      smooth_days: int = 3) -> pd.DataFrame:
    """The index from :func:`index_ratios` rows: median ratio per ``keys`` (default category, currency, unit) and
    day, NaN under ``min_listings`` listings, smoothed by a centred rolling median over ``smooth_days`` days.
    Returns ``keys``, day, index, n_listings sorted by them. A median of the same values in any order is the same
    number, so the index does not depend on how the ratios were gathered."""
    keys = KEYS if keys is None else keys
    return smooth_index(daily_medians(ratios, keys), keys, min_listings=min_listings, smooth_days=smooth_days)


def daily_medians(ratios: pd.DataFrame, keys: list[str] | None = None) -> pd.DataFrame:
    """Median ``ratio`` per ``keys`` and day (``median``, ``n_listings``), sorted by them; rows with a missing key
    are left out. Each key × day is computed from its own rows only, so the ratios can be split by key × day over
    many machines and the results put back together (partitioned detection)."""
    keys = KEYS if keys is None else keys
    grouped = ratios.groupby([*keys, "day"], sort=True)
    return grouped["ratio"].agg(median="median", n_listings="size").reset_index()


def smooth_index(medians: pd.DataFrame, keys: list[str] | None = None, min_listings: int = 5,
                 smooth_days: int = 3) -> pd.DataFrame:
    """The index from :func:`daily_medians` rows (sorted by ``keys`` and day): NaN under ``min_listings`` listings,
    then a centred rolling median over ``smooth_days`` observed days within each key. Returns ``keys``, day, index,
    n_listings."""
    keys = KEYS if keys is None else keys
    out = medians.rename(columns={"median": "index"})
    out.loc[out["n_listings"] < min_listings, "index"] = float("nan")
    if smooth_days > 1 and not out.empty:
        out["index"] = (out.groupby(keys)["index"]
                        .transform(lambda s: s.rolling(smooth_days, center=True, min_periods=1).median()))
    return out


def movement(index: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp | None = None) -> pd.DataFrame:
    """Per category: index at the last day ≤ ``end`` relative to the first day ≥ ``start`` (percent change)."""
    window = index[(index["day"] >= start) & ((index["day"] <= end) if end is not None else True)].dropna(subset=["index"])
    if window.empty:
        return pd.DataFrame(columns=[*KEYS, "first_day", "last_day", "change_pct", "n_listings"])
    grouped = window.sort_values("day").groupby(KEYS)
    first = grouped.first()
    last = grouped.last()
    return pd.DataFrame({
        "first_day": first["day"], "last_day": last["day"],
        "change_pct": (last["index"] / first["index"] - 1.0) * 100.0,
        "n_listings": last["n_listings"],
    }).reset_index()
