"""A platform whose feed understates its own page prices — the case reconciliation exists for (demo, tests).

``understate(feed, platform=…, share=…, factor=…, since=…)`` lowers the feed price of a seeded random ``share`` of
the platform's listings to ``factor`` × the true price for rows at or after ``since``; the pages (the demo
marketplace serves the scenario's true prices) keep showing the real price. Returns the altered feed and the
ground truth: one row per understated listing (platform, listing_id, since, factor).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def understate(feed: pd.DataFrame, *, platform: str, share: float = 0.3, factor: float = 0.8,
               since: pd.Timestamp, seed: int = 14) -> tuple[pd.DataFrame, pd.DataFrame]:
    """See module docstring. ``feed``: feed v1 rows as strings (``Scenario.feed()``)."""
    rng = np.random.default_rng(seed)
    ids = np.sort(feed.loc[feed["platform"] == platform, "listing_id"].unique())
    chosen = set(rng.choice(ids, size=max(1, int(round(len(ids) * share))), replace=False)) if len(ids) else set()
    at = pd.to_datetime(feed["observed_at"], utc=True)
    hit = (feed["platform"] == platform) & feed["listing_id"].isin(chosen) & (at >= since) & (feed["price"] != "")
    out = feed.copy()
    lowered = (pd.to_numeric(out.loc[hit, "price"]) * factor).round(2)
    out.loc[hit, "price"] = lowered.map("{:.2f}".format)
    truth = pd.DataFrame({"platform": platform, "listing_id": sorted(chosen), "since": since, "factor": factor})
    return out, truth
