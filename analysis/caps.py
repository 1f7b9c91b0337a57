"""Absolute price caps (France 2020): a legal maximum price per unit instead of a baseline.

For a listing under a capped preset the "baseline" is the cap of the smallest bracket its pack fits (category,
canonical unit and currency must match): 0.0264 €/ml for a 100 ml gel (€2.64), 0.95 € per surgical mask. The item
price without shipping is compared (the décrets exclude delivery costs), the market's movement is not netted out (a
cap is absolute), and a price exactly at the cap is allowed. Listings whose category, size or currency has no cap
get no baseline and are reported as not evaluated (``no_baseline``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.presets import Preset

CAP_COLUMNS = ["baseline", "method"]


def cap_baselines(meta: pd.DataFrame, listing_ids: pd.Index, preset: Preset) -> pd.DataFrame:
    """Cap per listing (indexed by listing_id): baseline (the cap per canonical unit) and method
    (``cap: <label>``). ``meta`` has category, currency, unit, quantity. Listings without a matching cap are absent."""
    rows = meta.loc[listing_ids, ["category", "currency", "unit", "quantity"]]
    best = pd.Series(np.nan, index=rows.index)
    best_size = pd.Series(np.inf, index=rows.index)
    label = pd.Series(None, index=rows.index, dtype=object)
    for cap in preset.caps:
        size = np.inf if cap.max_quantity is None else float(cap.max_quantity)
        fits = ((rows["category"] == cap.category) & (rows["unit"] == cap.unit) & (rows["currency"] == cap.currency)
                & (rows["quantity"] > 0) & (rows["quantity"] <= size) & ((size < best_size) | best.isna()))
        best[fits], best_size[fits], label[fits] = cap.cap, size, cap.label
    found = best.notna()
    return pd.DataFrame({"baseline": best[found], "method": "cap: " + label[found].astype(str)})
