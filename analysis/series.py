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


def daily_series(obs: pd.DataFrame, item_prices: bool = False) -> pd.DataFrame:
    """One row per listing and UTC day with usable observations.

    Columns: ``listing_id``, ``day`` (UTC midnight, tz-aware), ``unit_price`` (median of the day), ``n_obs``,
    ``first_at``/``last_at`` (first and last usable observation time that day), and ``snapshot_sha256`` (evidence of
    the day's last observation) when the input has it, and ``item_unit_price`` (median of the day's unit prices with
    shipping taken out) when ``item_prices`` is asked for and the input has ``shipping`` (price caps need it; it
    costs one more aggregate, so it is computed only then). Sorted by listing and day.
    """
    ok = obs[usable(obs)]
    ns = ok["observed_at"].to_numpy(dtype="datetime64[ns]").view("int64")
    day_ns = ns - ns % 86_400_000_000_000
    # one integer key per (listing, day) keeps the groupby on a single int64 column (several times faster)
    codes, listing_values = pd.factorize(ok["listing_id"], sort=True)
    key = codes.astype("int64") * 1_000_000 + (day_ns // 86_400_000_000_000 - day_ns.min() // 86_400_000_000_000
                                               if len(day_ns) else 0)
    frame = pd.DataFrame({"key": key, "unit_price": ok["unit_price"].to_numpy(dtype="float64"), "ns": ns})
    aggregates = {"unit_price": ("unit_price", "median"), "n_obs": ("unit_price", "size"),
                  "first_ns": ("ns", "min"), "last_ns": ("ns", "max")}
    if item_prices and "shipping" in ok:
        # the item's own unit price, shipping taken out (price caps exclude delivery costs)
        paid = ok["price"].to_numpy(dtype="float64")
        shipping = ok["shipping"].to_numpy(dtype="float64", na_value=np.nan)
        frame["item_unit_price"] = frame["unit_price"].to_numpy() * paid / (paid + np.nan_to_num(shipping))
        aggregates["item_unit_price"] = ("item_unit_price", "median")
    grouped = frame.groupby("key", sort=True)
    out = grouped.agg(**aggregates)
    keys = out.index.to_numpy()
    result = pd.DataFrame({
        "listing_id": listing_values[keys // 1_000_000],
        "day": pd.to_datetime(out["first_ns"].to_numpy() - out["first_ns"].to_numpy() % 86_400_000_000_000, utc=True),
        "unit_price": out["unit_price"].to_numpy(),
        "n_obs": out["n_obs"].to_numpy(),
        "first_at": pd.to_datetime(out["first_ns"].to_numpy(), utc=True),
        "last_at": pd.to_datetime(out["last_ns"].to_numpy(), utc=True),
    })
    if "item_unit_price" in out:
        result["item_unit_price"] = out["item_unit_price"].to_numpy()
    if "snapshot_sha256" in ok:
        snaps = pd.Series(ok["snapshot_sha256"].to_numpy(), index=frame.index)
        result["snapshot_sha256"] = snaps.groupby(frame["key"]).last().to_numpy()
    return result
