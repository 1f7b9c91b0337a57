"""The detection pipeline, pure: observations + listings + emergencies → violation episodes and market index.

``observations``: listing_id, observed_at (UTC), price, unit_price, availability, currency, quantity_unit
(optional snapshot_sha256). ``listings``: indexed by listing_id with category, region (optional first_seen_at).
``emergencies``: id, jurisdiction, start, end (NaT = open), categories (list or None), rule, baseline_date (NaT or
the override date that sets the baseline instead of the declaration).

A listing is covered by the earliest-starting emergency whose jurisdiction is its region or a prefix of it
(``US`` covers ``US-CA``) and whose categories include its category. Covered listings are judged by the
emergency's preset (``analysis.violations``); the others by the statistical monitor (``analysis.detectors``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.baseline import own_baselines, peer_baselines
from analysis.detectors import MONITOR_RULE, monitor
from analysis.market import category_index
from analysis.presets import Preset, severity
from analysis.series import daily_series
from analysis.violations import EPISODE_COLUMNS, evaluate


@dataclass
class Detection:
    episodes: pd.DataFrame      # analysis.violations.EPISODE_COLUMNS + emergency_id, baseline_* provenance
    index: pd.DataFrame         # category price index (analysis.market)
    baselines: pd.DataFrame     # own baselines actually used
    daily: pd.DataFrame         # the daily series


def listing_meta(observations: pd.DataFrame, listings: pd.DataFrame) -> pd.DataFrame:
    """Listings with currency, unit (and quantity): given in ``listings``, or from the latest priced observation."""
    if {"currency", "unit"} <= set(listings.columns):
        meta = listings.copy()  # the caller already knows each listing's currency, unit (and quantity)
    else:
        priced = observations[observations["unit_price"].notna()].sort_values("observed_at")
        columns = ["currency", "quantity_unit"] + (["quantity"] if "quantity" in priced else [])
        last = priced.groupby("listing_id")[columns].last().rename(columns={"quantity_unit": "unit"})
        meta = listings.join(last, how="left")
    # size class: packs within a factor of two of each other (bulk packs sell cheaper per unit)
    quantity = meta["quantity"] if "quantity" in meta else pd.Series(np.nan, index=meta.index)
    meta["size_class"] = np.round(np.log2(quantity.where(quantity > 0))).fillna(-1).astype(int)
    return meta


def coverage(meta: pd.DataFrame, emergencies: pd.DataFrame) -> pd.DataFrame:
    """Per listing, the emergency that covers it: emergency_id, t0, end, rule, baseline_date."""
    best = pd.DataFrame(index=meta.index, columns=["emergency_id", "start", "end", "rule", "baseline_date"])
    best["start"] = pd.Series(pd.NaT, index=meta.index, dtype="datetime64[ns, UTC]")
    region = meta["region"].fillna("").str.upper()
    for e in emergencies.sort_values("start", ascending=False).itertuples(index=False):
        j = str(e.jurisdiction).upper()
        covered = (region == j) | region.str.startswith(j + "-")
        if e.categories is not None and len(e.categories):
            covered &= meta["category"].isin(list(e.categories))
        best.loc[covered, ["emergency_id", "end", "rule", "baseline_date"]] = [e.id, e.end, e.rule, e.baseline_date]
        best.loc[covered, "start"] = e.start
    best = best[best["emergency_id"].notna()].copy()
    best["t0"] = pd.to_datetime(best["baseline_date"].where(best["baseline_date"].notna(), best["start"]), utc=True)
    best["start"] = pd.to_datetime(best["start"], utc=True)
    best["end"] = pd.to_datetime(best["end"], utc=True)
    return best


def detect(observations: pd.DataFrame, listings: pd.DataFrame, emergencies: pd.DataFrame,
           presets: dict[str, Preset], monitor_uncovered: bool = True) -> Detection:
    daily = daily_series(observations)
    meta = listing_meta(observations, listings.rename_axis("listing_id"))
    cover = coverage(meta, emergencies) if not emergencies.empty else pd.DataFrame(
        columns=["emergency_id", "start", "end", "rule", "baseline_date", "t0"])

    own_parts = []
    for rule, group in cover.groupby("rule"):
        p = presets[rule]
        own_parts.append(own_baselines(daily, group["t0"], p.baseline).assign(rule=rule))
    own = pd.concat(own_parts, ignore_index=True) if own_parts else pd.DataFrame(
        columns=["listing_id", "baseline", "method", "window_start", "window_end", "n_days", "n_obs", "noise", "rule"])

    # market index from every covered listing's own 30-day median (one common yardstick for all presets)
    index_base = own_baselines(daily, cover["t0"], "median_30d") if len(cover) else own
    index = category_index(daily, index_base, meta) if len(index_base) else pd.DataFrame(
        columns=["category", "currency", "unit", "day", "index", "n_listings"])

    targets = cover.join(meta[["category", "currency", "unit"]])
    targets = targets.join(own.set_index("listing_id")[["baseline", "method", "window_start", "window_end", "n_days",
                                                        "n_obs", "noise"]])
    targets["baseline_kind"] = np.where(targets["baseline"].notna(), "own", "peer")
    need_peer = targets["baseline"].isna()
    if need_peer.any() and len(index_base):
        # peers of the same size class first; the whole category where that class has too few listings
        keys = ["category", "currency", "unit"]
        sized = peer_baselines(index_base, meta, keys=(*keys, "size_class"))
        broad = peer_baselines(index_base, meta)
        wanted = targets.loc[need_peer, keys].join(meta["size_class"]).reset_index()
        filled = wanted.merge(sized, on=[*keys, "size_class"], how="left").set_index("listing_id")
        fallback = wanted.merge(broad, on=keys, how="left").set_index("listing_id")
        filled = filled.combine_first(fallback) if len(filled) else fallback
        filled = filled.reindex(targets.index[need_peer])
        targets.loc[need_peer, "baseline"] = filled["peer_baseline"]
        targets.loc[need_peer, "method"] = "peer_median_30d"
        targets.loc[need_peer, "window_start"] = filled["window_start"]
        targets.loc[need_peer, "window_end"] = filled["window_end"]
        targets.loc[need_peer, "n_days"] = np.nan
        targets.loc[need_peer, "n_obs"] = filled["n_obs"]
        targets.loc[need_peer, "noise"] = 0.0
    tail = targets["rule"].map({k: p.tail_days for k, p in presets.items()}).fillna(0).astype("float64")
    targets["end"] = pd.to_datetime(targets["end"], utc=True) + pd.to_timedelta(tail.to_numpy(), unit="D")

    episodes, _days = evaluate(daily, targets, presets, index)
    provenance = targets[["emergency_id", "method", "window_start", "window_end", "n_obs", "start"]].rename(
        columns={"method": "baseline_method", "window_start": "baseline_window_start",
                 "window_end": "baseline_window_end", "n_obs": "baseline_n", "start": "emergency_start"})
    episodes = episodes.join(provenance, on="listing_id")

    if monitor_uncovered:
        uncovered = daily[~daily["listing_id"].isin(cover.index)]
        shifts = monitor(uncovered, listings=meta) if not uncovered.empty else pd.DataFrame()
        if not shifts.empty:
            last = uncovered.sort_values("day").groupby("listing_id").tail(1).set_index("listing_id")
            mon = pd.DataFrame({
                "listing_id": shifts["listing_id"], "rule": MONITOR_RULE, "baseline_kind": "own",
                "baseline": shifts["baseline"].to_numpy(),
                "first_violation_at": pd.to_datetime(shifts["first_violation_at"], utc=True),
                "confirmed_at": pd.to_datetime(shifts["first_violation_at"], utc=True) + pd.Timedelta(days=1),
                "last_violation_at": last["last_at"].reindex(shifts["listing_id"]).to_numpy(),
                "n_days": 2, "observed_unit_price": last["unit_price"].reindex(shifts["listing_id"]).to_numpy(),
            })
            mon["increase_pct"] = (mon["observed_unit_price"] / mon["baseline"] - 1) * 100
            mon["adjusted_increase_pct"] = mon["increase_pct"]
            mon["peak_increase_pct"] = shifts["shift_pct"].to_numpy()
            mon["market_pct"] = 0.0
            mon["severity"] = [severity(p) for p in mon["peak_increase_pct"]]
            mon["ongoing"] = True
            mon["evidence"] = [[] for _ in range(len(mon))]
            mon["baseline_method"] = "rolling_median_28d"
            episodes = pd.concat([episodes, mon[EPISODE_COLUMNS + ["baseline_method"]]], ignore_index=True)
    return Detection(episodes=episodes, index=index, baselines=own, daily=daily)
