"""Reconciliation, pure: crawled pages against a platform's own feed for the same listing at the same time.

``pages`` and ``feeds``: ``listing_id``, ``observed_at`` (UTC), ``price``, ``shipping`` (NaN when absent),
``currency``, ``source``; ``pages`` also ``snapshot_sha256`` (the evidence). Each page observation is paired with
the feed observation of the same listing that was current when the page was fetched — the latest one at or before
the page's time, at most ``window`` older (a feed row states the price from its time until the next row). Pairs in
different currencies are not compared.

The item price is compared (shipping is reported beside it, not added: feeds and pages often disagree about
whether shipping is shown at all). ``difference`` = page − feed in the currency, ``difference_pct`` relative to the
feed price: positive when the feed **understates** what the page asks. A pair **disagrees** when
|difference_pct| > ``tolerance_pct`` and |difference| > ``tolerance_abs`` (rounding to the cent is never a
discrepancy).
"""

from __future__ import annotations

import pandas as pd

WINDOW = pd.Timedelta(hours=24)
PAIR_COLUMNS = ["listing_id", "currency", "page_observed_at", "page_price", "page_shipping", "page_source",
                "snapshot_sha256", "feed_observed_at", "feed_price", "feed_shipping", "feed_source", "difference",
                "difference_pct", "disagrees"]


def pair_observations(pages: pd.DataFrame, feeds: pd.DataFrame, *, window: pd.Timedelta = WINDOW,
                      tolerance_pct: float = 1.0, tolerance_abs: float = 0.01) -> pd.DataFrame:
    """Every page observation with its current feed observation (see module docstring); :data:`PAIR_COLUMNS`."""
    if pages.empty or feeds.empty:
        return pd.DataFrame(columns=PAIR_COLUMNS)
    left = pages.rename(columns={"observed_at": "page_observed_at", "price": "page_price",
                                 "shipping": "page_shipping", "source": "page_source", "currency": "page_currency"})
    right = feeds.rename(columns={"observed_at": "feed_observed_at", "price": "feed_price",
                                  "shipping": "feed_shipping", "source": "feed_source", "currency": "feed_currency"})
    left = left.assign(page_observed_at=pd.to_datetime(left["page_observed_at"], utc=True)).sort_values(
        "page_observed_at", kind="stable")
    right = right.assign(feed_observed_at=pd.to_datetime(right["feed_observed_at"], utc=True),
                         _at=lambda f: pd.to_datetime(f["feed_observed_at"], utc=True)).sort_values("_at",
                                                                                                   kind="stable")
    pairs = pd.merge_asof(left, right, left_on="page_observed_at", right_on="_at", by="listing_id",
                          direction="backward", tolerance=window, allow_exact_matches=True)
    pairs = pairs[pairs["feed_price"].notna() & (pairs["page_currency"] == pairs["feed_currency"])]
    pairs = pairs.assign(currency=pairs["page_currency"])
    difference = pairs["page_price"].astype(float) - pairs["feed_price"].astype(float)
    pct = difference / pairs["feed_price"].astype(float) * 100
    pairs = pairs.assign(difference=difference.round(4), difference_pct=pct.round(4),
                         disagrees=(pct.abs() > tolerance_pct) & (difference.abs() > tolerance_abs + 1e-9))
    return pairs.reindex(columns=PAIR_COLUMNS).reset_index(drop=True)


def feed_accuracy(pairs: pd.DataFrame, platform_of: pd.Series) -> pd.DataFrame:
    """Per platform: ``feed_pairs`` (pages compared with the feed), ``feed_accuracy_pct`` (share that agree),
    ``feed_understated`` (pairs where the feed shows less than the page), ``feed_overstated``, and
    ``feed_median_difference_pct`` over the disagreeing pairs (NaN when none). ``platform_of``: listing_id →
    platform name."""
    columns = ["platform", "feed_pairs", "feed_accuracy_pct", "feed_understated", "feed_overstated",
               "feed_median_difference_pct"]
    if pairs.empty:
        return pd.DataFrame(columns=columns)
    p = pairs.assign(platform=pairs["listing_id"].map(platform_of))
    p = p.assign(under=p["disagrees"] & (p["difference"] > 0), over=p["disagrees"] & (p["difference"] < 0),
                 bad_pct=p["difference_pct"].where(p["disagrees"]))
    g = p.groupby("platform")
    out = pd.DataFrame({
        "feed_pairs": g.size(),
        "feed_accuracy_pct": (1 - g["disagrees"].mean()) * 100,
        "feed_understated": g["under"].sum().astype(int),
        "feed_overstated": g["over"].sum().astype(int),
        "feed_median_difference_pct": g["bad_pct"].median(),
    }).reset_index()
    out["feed_accuracy_pct"] = out["feed_accuracy_pct"].round(1)
    out["feed_median_difference_pct"] = out["feed_median_difference_pct"].astype(float).round(1)
    return out.reindex(columns=columns)


__all__ = ["PAIR_COLUMNS", "feed_accuracy", "pair_observations"]
