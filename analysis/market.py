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
    """
    frame = daily[["listing_id", "day", "unit_price"]].merge(baselines[["listing_id", "baseline"]], on="listing_id")
    frame = frame.merge(listings[KEYS], left_on="listing_id", right_index=True)
    frame["ratio"] = frame["unit_price"] / frame["baseline"]
    grouped = frame.groupby([*KEYS, "day"], sort=True)
    out = grouped["ratio"].agg(index="median", n_listings="size").reset_index()
    out.loc[out["n_listings"] < min_listings, "index"] = float("nan")
    if smooth_days > 1 and not out.empty:
        out["index"] = (out.groupby(KEYS)["index"]
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
