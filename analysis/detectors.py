"""Statistical detectors for early warning when no emergency is declared, and the two reference detectors.

``monitor`` — a robust level shift on log unit price, with weekly/festival promotions taken out (two statsmodels
tests after a cheap screen; by default both must confirm):

1. a cheap vectorised screen over all listings: each day's unit price against the median of the listing's previous
   28 observed days (a rolling robust baseline); days more than ``screen_pct`` above it, two observed days in a
   row, make a listing a candidate. Most listings are cleared here;
2. for candidates only, statsmodels STL (period 7, robust) decomposes the log daily series into trend + weekly
   season + residual; the level shift is the change of the de-seasonalised level (trend + residual) between the
   28 days before the candidate day and the days from it on. It must exceed ``screen_pct`` and four robust standard
   deviations of the pre-period residuals. A weekly promotion lives in the seasonal part and a one-day spike in the
   residual of one day, so neither shifts the level;
3. a robust change-point test (statsmodels RLM, Huber): a step regressor at the candidate day on log price; the step
   must exceed ``screen_pct`` with a t-statistic above 4, and outliers weigh little in the fit.

Reference detectors (scored by ``pricewatch evaluate`` for comparison, never used for alerts):

- ``naive_first_latest``: latest price > 1.1 × first price (what a spreadsheet would do);
- ``level_shift_ad``: a faithful re-implementation of ADTK 0.6.2's ``LevelShiftAD(c=6.0, side='positive',
  window=5)``: the difference between the median of the ``window`` points after and the median of the ``window``
  points before each point (ADTK's DoubleRollingAggregate, agg="median", diff="diff"), flagged when above
  Q3 + c·IQR of that difference series (ADTK's InterQuartileRangeAD). ADTK itself fails under pandas 3
  (``TypeError: Invalid value 'nan' for dtype 'bool'``), hence the re-implementation.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from statsmodels.tools.sm_exceptions import ConvergenceWarning

from analysis.baseline import rolling_baselines

MONITOR_RULE = "monitor-level-shift"


def screen(daily: pd.DataFrame, screen_pct: float = 25.0, window: int = 28) -> pd.DataFrame:
    """Candidate (listing, day) pairs: two observed days in a row above the rolling baseline by ``screen_pct``."""
    daily = daily.sort_values(["listing_id", "day"]).reset_index(drop=True)
    base = rolling_baselines(daily, window=window, min_days=7)
    over = (daily["unit_price"] / base - 1.0) * 100.0 > screen_pct
    prev = over.groupby(daily["listing_id"]).shift(1, fill_value=False)
    hit = over & prev
    out = daily.loc[hit, ["listing_id", "day"]].copy()
    out["baseline"] = base[hit]
    # the candidate's start: the first of the two days
    return out.groupby("listing_id", as_index=False).first()


def stl_level_shift(series: pd.Series, at: pd.Timestamp, min_pct: float = 25.0) -> tuple[bool, float]:
    """Confirm a level shift in a daily unit-price series (indexed by day) starting at ``at``.

    Returns (confirmed, shift in percent). Needs ≥ 21 days before ``at``; calendar gaps are interpolated in log
    space for the decomposition only.
    """
    from statsmodels.tsa.seasonal import STL

    s = np.log(series.astype("float64"))
    full = s.reindex(pd.date_range(s.index.min(), s.index.max(), freq="D")).interpolate(limit_direction="both")
    before = full[full.index < at]
    if len(before) < 21 or (full.index >= at).sum() < 2:
        return False, 0.0
    fit = STL(full, period=7, robust=True).fit()
    level = fit.trend + fit.resid
    pre = level[(level.index < at) & (level.index >= at - pd.Timedelta(days=28))]
    post = level[level.index >= at]
    shift = float(post.median() - pre.median())
    spread = 1.4826 * float(np.median(np.abs(fit.resid[level.index < at] - np.median(fit.resid[level.index < at]))))
    confirmed = shift > np.log1p(min_pct / 100.0) and shift > 4.0 * max(spread, 1e-3)
    return confirmed, (np.exp(shift) - 1.0) * 100.0


MARKET_KEYS = ["category", "currency", "unit"]
MIN_MARKET_LISTINGS = 5


def market_ratios(daily: pd.DataFrame, listings: pd.DataFrame) -> pd.DataFrame:
    """Per daily row: category, currency, unit, day and ``relative`` (unit price / the listing's own median unit
    price). Listing by listing, so a set of listings' ratios is the union of its parts' (partitioned detection)."""
    frame = daily[["listing_id", "day", "unit_price"]].merge(listings[MARKET_KEYS], left_on="listing_id",
                                                             right_index=True, how="left")
    relative = frame["unit_price"] / frame.groupby("listing_id")["unit_price"].transform("median")
    return pd.DataFrame({**{k: frame[k].to_numpy() for k in MARKET_KEYS}, "day": frame["day"].to_numpy(),
                         "relative": relative.to_numpy()})


def market_levels(ratios: pd.DataFrame, keys: list[str] | None = None) -> pd.DataFrame:
    """Market level per category, currency, unit (or other ``keys``) and day: the median of :func:`market_ratios`
    ``relative`` with at least :data:`MIN_MARKET_LISTINGS` listings, else 1. Missing keys form their own group
    (never dropped)."""
    keys = MARKET_KEYS if keys is None else keys
    grouped = ratios.groupby([*keys, "day"], dropna=False, sort=False)["relative"]
    out = grouped.agg(level="median", n="size").reset_index()
    out["level"] = out["level"].where(out["n"] >= MIN_MARKET_LISTINGS, 1.0)
    return out.drop(columns="n")


def net_of_market(daily: pd.DataFrame, listings: pd.DataFrame,
                  levels: pd.DataFrame | None = None) -> pd.DataFrame:
    """Divide each listing's daily unit price by its category's market level that day.

    Market level = median over the category's listings (same currency and unit) of unit price / the listing's own
    median, with at least five listings (else 1). A category that moves up together leaves its listings flat.
    ``levels`` (:func:`market_levels`) are computed from ``daily`` itself when not given; partitioned detection
    passes the levels of all listings to each bucket.
    """
    if levels is None:
        levels = market_levels(market_ratios(daily, listings))
    frame = daily[["listing_id", "day"]].merge(listings[MARKET_KEYS], left_on="listing_id", right_index=True,
                                               how="left")
    # pandas merge matches missing keys with missing keys, as the groupby above grouped them
    level = frame.merge(levels, on=[*MARKET_KEYS, "day"], how="left")["level"]
    out = daily.copy()
    divisor = level.clip(lower=1.0).fillna(1.0).to_numpy()
    out["unit_price"] = daily["unit_price"].to_numpy() / divisor
    if "regular_price" in daily:
        out["regular_price"] = daily["regular_price"].to_numpy() / divisor
    return out


def rlm_level_shift(series: pd.Series, at: pd.Timestamp, min_pct: float = 25.0) -> tuple[bool, float]:
    """Robust change-point test: a step at ``at`` in log unit price, fitted by statsmodels' robust linear model
    (Huber M-estimator, so single wild observations weigh little): log p = a + b·[t ≥ at]. Confirmed when the step
    is above ``min_pct`` and its t-statistic above 4. Returns (confirmed, step in percent)."""
    import statsmodels.api as sm

    s = np.log(series.astype("float64"))
    before = s[s.index < at]
    after = s[s.index >= at]
    if len(before) < 14 or len(after) < 2:
        return False, 0.0
    if float(np.ptp(before.to_numpy())) == 0.0:
        # a flat pre-period: Huber's scale estimate is zero and the fit degenerates (statsmodels warns about
        # convergence); the step is then simply the level change, measured exactly
        coef = float(np.median(after) - before.iloc[0])
        return bool(coef > np.log1p(min_pct / 100.0)), (np.exp(coef) - 1.0) * 100.0
    step = (s.index >= at).astype(float)
    with warnings.catch_warnings():
        # near-flat series still trip statsmodels' iteration warnings; the t-statistic below is the verdict
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        fit = sm.RLM(s.to_numpy(), sm.add_constant(step), M=sm.robust.norms.HuberT()).fit()
    coef, t = float(fit.params[1]), float(fit.tvalues[1])
    return bool(coef > np.log1p(min_pct / 100.0) and t > 4.0), (np.exp(coef) - 1.0) * 100.0


TESTS = {"stl": stl_level_shift, "rlm": rlm_level_shift}


def monitor(daily: pd.DataFrame, screen_pct: float = 25.0, listings: pd.DataFrame | None = None,
            method: str = "both", levels: pd.DataFrame | None = None) -> pd.DataFrame:
    """Level-shift episodes for listings without an emergency (see module docstring).

    ``method``: ``"stl"`` (the STL residual/level test), ``"rlm"`` (the robust change-point test) or ``"both"``
    (both must confirm: the default, for the fewest false alarms). With ``listings`` (indexed by listing_id:
    category, currency, unit) prices are first taken net of market-wide movement (:func:`net_of_market`; ``levels``
    when the market's levels were computed over more listings than ``daily`` holds). Returns
    listing_id, first_violation_at (the candidate day), baseline (rolling median), shift_pct.
    """
    tests = list(TESTS.values()) if method == "both" else [TESTS[method]]
    if listings is not None:
        daily = net_of_market(daily, listings, levels)
    candidates = screen(daily, screen_pct=screen_pct)
    rows = []
    by_listing = {lid: g for lid, g in daily[daily["listing_id"].isin(candidates["listing_id"])].groupby("listing_id")}
    for cand in candidates.itertuples(index=False):  # statsmodels per candidate only (few after the screen)
        g = by_listing[cand.listing_id]
        series = g.set_index("day")["unit_price"]
        results = [test(series, cand.day, screen_pct) for test in tests]
        if all(ok for ok, _ in results):
            rows.append((cand.listing_id, cand.day, cand.baseline, results[0][1]))
    return pd.DataFrame(rows, columns=["listing_id", "first_violation_at", "baseline", "shift_pct"])


def naive_first_latest(obs: pd.DataFrame) -> pd.Series:
    """Reference: listing flagged when its latest observed price > 1.1 × its first (raw prices, all observations)."""
    ordered = obs.sort_values("observed_at")
    g = ordered.groupby("listing_id")["price"]
    return (g.last() > 1.1 * g.first()).rename("flagged")


def level_shift_ad(daily: pd.DataFrame, window: int = 5, c: float = 6.0) -> pd.Series:
    """Reference: ADTK LevelShiftAD(c, side='positive', window) re-implemented; True per listing if any point fires."""
    def one(s: pd.Series) -> bool:
        v = s.to_numpy(dtype="float64")
        if len(v) < 2 * window + 1:
            return False
        after = pd.Series(v[::-1]).rolling(window).median().to_numpy()[::-1]       # points t .. t+w-1
        before = pd.Series(v).rolling(window).median().shift(1).to_numpy()         # points t-w .. t-1
        diff = after - before
        valid = diff[~np.isnan(diff)]
        if len(valid) == 0:
            return False
        q1, q3 = np.percentile(valid, [25, 75])
        return bool(np.nanmax(diff) > q3 + c * (q3 - q1))

    return daily.sort_values("day").groupby("listing_id")["unit_price"].apply(one).rename("flagged")
