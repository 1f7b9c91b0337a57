"""Baselines: the "normal" unit price a listing is compared with.

Every baseline records how it was made (``method``, ``window_start``/``window_end``, ``n_days``, ``n_obs``) so
an alert can say exactly what it compared against.

- :func:`own_baselines` — the listing's own price before a reference instant ``t0`` (the emergency declaration or
  a baseline-date override), by a legal method: ``last_before`` (the price just before ``t0``: the median of the
  last seven observed days within the 14 days before it — one odd last reading cannot set it — and never below the
  30-day median, so a sale running at the declaration does not make the regular price look like a rise), ``median_<N>d`` (median of daily medians over N days), ``mean_<N>d`` (10 % trimmed mean, for statutes
  that say "average"), ``max_<N>d`` (highest daily median: Wisconsin), ``median_<A>_<B>d`` (from B to A days
  before: NYC's 30–60 days). Windows end the day before ``t0``. Too few days (``min_days``) → no baseline.
- :func:`peer_baselines` — the market's pre-``t0`` level for a category × currency × unit (× region): the median
  of the listings' own baselines. For listings with no history of their own (new sellers mid-crisis).
- :func:`rolling_baselines` — the median of each listing's previous ``window`` days, day by day, for monitoring
  when no emergency is declared.

Inputs are the daily series of :func:`analysis.series.daily_series`; when it carries ``regular_price``
(:func:`analysis.regular.regular_prices`) baselines are taken over regular prices, so a temporary promotion inside
or just before the window does not lower the reference.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

BASELINE_COLUMNS = ["listing_id", "baseline", "method", "window_start", "window_end", "n_days", "n_obs", "noise"]


def _parse(method: str) -> tuple[str, int, int]:
    """method → (statistic, days from, days to) counted back from t0."""
    if method == "last_before":
        return "last", 14, 1
    m = re.fullmatch(r"(median|mean|max)_(\d+)d", method)
    if m:
        return m.group(1), int(m.group(2)), 1
    m = re.fullmatch(r"(median|mean|max)_(\d+)_(\d+)d", method)
    if m:
        return m.group(1), int(m.group(3)), int(m.group(2))
    raise ValueError(f"unknown baseline method {method!r}")


def own_baselines(daily: pd.DataFrame, t0: pd.Series, method: str = "median_30d", min_days: int = 3) -> pd.DataFrame:
    """Each listing's own baseline before its ``t0`` (a Series indexed by listing_id, UTC Timestamps).

    Returns :data:`BASELINE_COLUMNS`; ``noise`` is the median absolute deviation of log daily prices in the window
    (how much the listing normally wobbles). Listings without enough history are absent.
    """
    stat, days_from, days_to = _parse(method)
    frame = daily.merge(t0.rename("t0"), left_on="listing_id", right_index=True, how="inner")
    if "regular_price" in frame:
        # temporary discounts taken out (analysis.regular): the baseline is the regular shelf price
        frame = frame.assign(unit_price=frame["regular_price"])
    lo = frame["t0"].dt.floor("D") - pd.to_timedelta(days_from, unit="D")
    hi = frame["t0"].dt.floor("D") - pd.to_timedelta(days_to - 1, unit="D")  # exclusive: the day before t0 ends it
    window = frame[(frame["day"] >= lo) & (frame["day"] < hi)]
    if window.empty:
        return pd.DataFrame(columns=BASELINE_COLUMNS)
    if stat == "last":
        window = window.sort_values(["listing_id", "day"]).groupby("listing_id").tail(7)
        min_days = 1
    if stat in ("last", "median", "max", "mean"):
        grouped = window.groupby("listing_id")
        if stat in ("median", "last"):
            value = grouped["unit_price"].median()
        elif stat == "max":
            value = grouped["unit_price"].max()
        else:
            # 10 % trimmed mean, vectorised: drop each listing's values outside its 10th–90th percentiles
            lo_q = grouped["unit_price"].transform("quantile", 0.1)
            hi_q = grouped["unit_price"].transform("quantile", 0.9)
            kept = window[(window["unit_price"] >= lo_q) & (window["unit_price"] <= hi_q)]
            value = kept.groupby("listing_id")["unit_price"].mean().reindex(grouped.size().index)
        out = pd.DataFrame({"baseline": value, "window_start": grouped["day"].min(),
                            "window_end": grouped["day"].max(), "n_days": grouped.size(),
                            "n_obs": grouped["n_obs"].sum()})
    # normal wobble: median absolute deviation of log daily prices over the 30 days before t0, whatever the method
    wide = frame[(frame["day"] >= frame["t0"].dt.floor("D") - pd.Timedelta(days=30))
                 & (frame["day"] < frame["t0"].dt.floor("D"))]
    logs = np.log(wide["unit_price"])
    med = logs.groupby(wide["listing_id"]).transform("median")
    noise = (logs - med).abs().groupby(wide["listing_id"]).median()
    out["noise"] = noise.reindex(out.index).fillna(0.0)
    if stat == "last":
        floor = wide.groupby("listing_id")["unit_price"].median().reindex(out.index)
        out["baseline"] = np.fmax(out["baseline"], floor)
    out["method"] = method
    out = out[out["n_days"] >= min_days].reset_index()
    return out[BASELINE_COLUMNS]


def peer_baselines(own: pd.DataFrame, listings: pd.DataFrame, keys: tuple[str, ...] = ("category", "currency", "unit"),
                   min_listings: int = 3) -> pd.DataFrame:
    """Median of own baselines per peer group (``keys`` columns of ``listings``, indexed by listing_id).

    Returns one row per group with ``peer_baseline``, ``peer_n`` (listings) and the window bounds; groups with
    fewer than ``min_listings`` listings are absent.
    """
    frame = own.merge(listings[list(keys)], left_on="listing_id", right_index=True)
    grouped = frame.groupby(list(keys), dropna=False)
    out = grouped.agg(peer_baseline=("baseline", "median"), peer_n=("listing_id", "size"),
                      window_start=("window_start", "min"), window_end=("window_end", "max"),
                      n_obs=("n_obs", "sum"))
    return out[out["peer_n"] >= min_listings].reset_index()


def rolling_baselines(daily: pd.DataFrame, window: int = 28, min_days: int = 7) -> pd.Series:
    """For each daily row, the median unit price of the listing's previous ``window`` observed days (NaN when
    fewer than ``min_days``). Aligned with ``daily``'s index; ``daily`` must be sorted by listing and day. With a
    ``regular_price`` column (analysis.regular) the median is of regular prices: a promotion does not lower it."""
    column = "regular_price" if "regular_price" in daily else "unit_price"
    shifted = daily.groupby("listing_id")[column].shift(1)
    rolled = shifted.groupby(daily["listing_id"]).rolling(window, min_periods=min_days).median()
    return rolled.reset_index(level=0, drop=True).reindex(daily.index)
