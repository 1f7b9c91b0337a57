"""Regular prices: the daily series with temporary discounts taken out.

The law's "normal" price is the regular shelf price, "excluding temporary discounts" (RULES.md §5.2): a listing that
ran a promotion at 4.45 during the baseline window and returns to its usual 5.30 afterwards has not raised its
price. This module gives every observed day a ``regular_price``:

    high_before(d) = the highest unit price the listing charged in the ``REACH_DAYS`` (22) days before d
    high_after(d)  = the highest unit price it charged in the ``REACH_DAYS`` days after d
    regular(d)     = min(high_before, high_after)   when that is more than ``MIN_CUT`` (5 %) above the day's price
                   = the day's own price            otherwise

A day is therefore inside a temporary cut when the listing charged more both shortly before and shortly after it —
the V shape statistical offices use to filter sales (a "sale filter"). Consequences, each deliberate:

- a promotion of up to ``2 × REACH_DAYS`` (44) days that ends in a return to the earlier price is filled in
  completely; a price cut that lasts longer is a repricing, and returning from it is an increase like any other;
- the regular price is the lower of the two sides: a listing that cuts 5.30 → 4.45 and then charges 8.00 has a
  regular price of 5.30 (the return, not the rise, is excused);
- a cut still running at the last observed day is not known to be temporary and keeps its own prices: a later run
  sees the return and reclassifies it;
- one isolated spike cannot make the days around it look like a cut: before taking the highs, a day that is above
  both observed neighbours is clipped to the higher neighbour;
- ``MIN_CUT`` is above the day-to-day scrape noise (±2 %), so ordinary wobble is never "filled".

Pure numpy/pandas: the series is laid on a listings × days grid and the highs are moving maxima (bottleneck), so
the cost is a few array passes whatever the number of listings.
"""

from __future__ import annotations

import bottleneck as bn
import numpy as np
import pandas as pd

REACH_DAYS = 22
MIN_CUT = 0.05
DAY_NS = 86_400_000_000_000
GRID_CELLS = 20_000_000  # listings × days per block: bounds memory (160 MB of float64) on long histories


def regular_prices(daily: pd.DataFrame) -> pd.DataFrame:
    """``daily`` (:func:`analysis.series.daily_series` output, sorted by listing and day) plus ``regular_price``
    (float64, same unit as ``unit_price``) and ``in_cut`` (bool: the day lies inside a temporary cut)."""
    out = daily.copy()
    n = len(daily)
    if n == 0:
        out["regular_price"] = pd.Series(dtype="float64")
        out["in_cut"] = pd.Series(dtype="bool")
        return out
    price = daily["unit_price"].to_numpy(dtype="float64")
    lid = daily["listing_id"].to_numpy()
    same_prev = np.r_[False, lid[1:] == lid[:-1]]
    same_next = np.r_[lid[1:] == lid[:-1], False]
    prev = np.where(same_prev, np.r_[np.nan, price[:-1]], np.nan)
    nxt = np.where(same_next, np.r_[price[1:], np.nan], np.nan)
    neighbour_high = np.fmax(prev, nxt)
    clipped = np.where(price > neighbour_high, neighbour_high, price)  # NaN neighbours leave the price as it is
    clipped = np.where(np.isnan(clipped), price, clipped)

    # only a listing whose prices span more than the minimum cut can have one: skip the rest (most listings)
    starts = np.flatnonzero(~same_prev)
    spread = np.maximum.reduceat(price, starts) > np.minimum.reduceat(price, starts) * (1.0 + MIN_CUT)
    candidate = np.repeat(spread, np.diff(np.r_[starts, n]))
    regular = price.copy()
    if not candidate.any():
        out["regular_price"] = regular
        out["in_cut"] = False
        return out
    keep = np.flatnonzero(candidate)
    lid, price, clipped = lid[keep], price[keep], clipped[keep]
    codes, _ = pd.factorize(lid)
    day = daily["day"].to_numpy(dtype="datetime64[ns]").view("int64")[keep] // DAY_NS
    # one row per listing; columns are days relative to the listing's first day (shorter grids, same answer)
    first = pd.Series(day).groupby(codes).transform("min").to_numpy()
    offset = (day - first).astype("int64")
    span = int(offset.max()) + 1
    filled_price = price.copy()
    n_listings = int(codes.max()) + 1
    per_block = max(1, GRID_CELLS // span)
    for lo in range(0, n_listings, per_block):  # blocks of listings, not a per-listing loop
        hi = min(n_listings, lo + per_block)
        rows = (codes >= lo) & (codes < hi)
        grid = np.full((hi - lo, span + 2 * REACH_DAYS), np.nan)
        grid[codes[rows] - lo, offset[rows] + REACH_DAYS] = clipped[rows]
        window = REACH_DAYS
        # high_before(d): max over d-REACH..d-1  → moving max ending at d-1
        before = bn.move_max(grid, window=window, min_count=1, axis=1)
        before = np.concatenate([np.full((grid.shape[0], 1), np.nan), before[:, :-1]], axis=1)
        after = bn.move_max(grid[:, ::-1], window=window, min_count=1, axis=1)[:, ::-1]
        after = np.concatenate([after[:, 1:], np.full((grid.shape[0], 1), np.nan)], axis=1)
        r, c = codes[rows] - lo, offset[rows] + REACH_DAYS
        high = np.fmin(before[r, c], after[r, c])
        high = np.where(np.isnan(before[r, c]) | np.isnan(after[r, c]), np.nan, high)
        own = price[rows]
        filled = high > own * (1.0 + MIN_CUT)
        filled_price[rows] = np.where(filled, high, own)
    regular[keep] = filled_price
    out["regular_price"] = regular
    out["in_cut"] = regular > daily["unit_price"].to_numpy(dtype="float64")
    return out
