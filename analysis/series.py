"""Unit-price series per listing: which observations count, and the daily series the detectors read.

Input: observations with at least ``listing_id``, ``observed_at`` (UTC, tz-aware), ``price``, ``unit_price``,
``availability``; optional ``snapshot_sha256``.

An observation is *usable* when it has a unit price, is not out of stock, and its price is not a placeholder
(sellers list sold-out items at 999, 9999, 99999 … to stop sales). Unusable observations are kept for the record
but never enter baselines or detection.

The daily series takes the median of a listing's usable unit prices per UTC day, so several observations a day at
irregular times weigh as one day, and one wild observation among several cannot move the day.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

PLACEHOLDER_PRICES = np.array([999.0, 9999.0, 99999.0, 999999.0, 999.99, 9999.99, 99999.99, 888888.0])


def is_placeholder(price: pd.Series) -> pd.Series:
    """True where ``price`` is a sold-out placeholder (999, 9999, 99999, 999.99 …)."""
    values = price.to_numpy(dtype="float64", na_value=np.nan)
    return pd.Series(np.isin(np.round(values, 2), PLACEHOLDER_PRICES), index=price.index)


def usable(obs: pd.DataFrame) -> pd.Series:
    """Mask of observations that may enter baselines and detection (see module docstring)."""
    return (
        obs["unit_price"].notna()
        & (obs["unit_price"] > 0)
        & (obs["availability"].fillna("unknown") != "out_of_stock")
        & ~is_placeholder(obs["price"])
    )


def daily_series(obs: pd.DataFrame) -> pd.DataFrame:
    """One row per listing and UTC day with usable observations.

    Columns: ``listing_id``, ``day`` (UTC midnight, tz-aware), ``unit_price`` (median of the day), ``n_obs``,
    ``first_at``/``last_at`` (first and last usable observation time that day), ``snapshot_sha256`` (evidence of
    the day's last observation, when known). Sorted by listing and day.
    """
    ok = obs[usable(obs)]
    day = ok["observed_at"].dt.floor("D")
    frame = pd.DataFrame({
        "listing_id": ok["listing_id"].to_numpy(),
        "day": day.to_numpy(),
        "unit_price": ok["unit_price"].to_numpy(dtype="float64"),
        "observed_at": ok["observed_at"].to_numpy(),
    })
    if "snapshot_sha256" in ok:
        frame["snapshot_sha256"] = ok["snapshot_sha256"].to_numpy()
    grouped = frame.groupby(["listing_id", "day"], sort=True)
    out = grouped.agg(unit_price=("unit_price", "median"), n_obs=("unit_price", "size"),
                      first_at=("observed_at", "min"), last_at=("observed_at", "max"))
    if "snapshot_sha256" in frame:
        out["snapshot_sha256"] = grouped["snapshot_sha256"].last()
    out = out.reset_index()
    out["day"] = pd.to_datetime(out["day"], utc=True)
    out["first_at"] = pd.to_datetime(out["first_at"], utc=True)
    out["last_at"] = pd.to_datetime(out["last_at"], utc=True)
    return out
