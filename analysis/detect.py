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

from analysis.baseline import BASELINE_COLUMNS, own_baselines
from analysis.detectors import MONITOR_RULE, monitor
from analysis.market import category_index
from analysis.presets import Preset, severity
from analysis.regular import regular_prices
from analysis.series import daily_series
from analysis.violations import EPISODE_COLUMNS, evaluate

MIN_OWN_DAYS = 3  # observed days before t0 for a full own baseline; one or two make a short one (``short_history``)


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


PROTECTIVE = ("mask.surgical", "mask.respirator", "mask.cloth", "disinfectant.alcohol", "disinfectant.chlorine",
              "disinfectant.wipes", "disinfectant.other", "hand_sanitizer", "hand_soap", "gloves",
              "protective_clothing", "goggles", "thermometer")
MIN_PRODUCT_PEERS = 2     # same product sold by at least two others with a baseline
MIN_SIZE_PEERS = 5        # else at least five listings of the same category × currency × unit × size class
SIZE_PEER_QUANTILE = 0.9  # … compared with the top of their normal range: a new seller there is not gouging


def coverage(meta: pd.DataFrame, emergencies: pd.DataFrame) -> pd.DataFrame:
    """Per listing, the emergency that covers it: emergency_id, start, end, rule, baseline_date, t0, override.

    An emergency without ``categories`` covers the protective-goods categories (:data:`PROTECTIVE`), never
    ``other``; listed categories widen or narrow that. ``t0`` is the reference instant of the baseline: the
    baseline-date override when the emergency has one (``override`` True), else the declaration. Evaluation starts
    at ``start`` whatever ``t0`` is: no violation is dated before the emergency starts.
    """
    best = pd.DataFrame(index=meta.index, columns=["emergency_id", "start", "end", "rule", "baseline_date"])
    best["start"] = pd.Series(pd.NaT, index=meta.index, dtype="datetime64[ns, UTC]")
    region = meta["region"].fillna("").str.upper()
    for e in emergencies.sort_values("start", ascending=False).itertuples(index=False):
        j = str(e.jurisdiction).upper()
        covered = (region == j) | region.str.startswith(j + "-")
        categories = list(e.categories) if e.categories is not None and len(e.categories) else list(PROTECTIVE)
        covered &= meta["category"].isin(categories)
        best.loc[covered, ["emergency_id", "end", "rule", "baseline_date"]] = [e.id, e.end, e.rule, e.baseline_date]
        best.loc[covered, "start"] = e.start
    best = best[best["emergency_id"].notna()].copy()
    best["override"] = best["baseline_date"].notna()
    best["t0"] = pd.to_datetime(best["baseline_date"].where(best["override"], best["start"]), utc=True)
    best["start"] = pd.to_datetime(best["start"], utc=True)
    best["end"] = pd.to_datetime(best["end"], utc=True)
    return best


def _own_baselines(daily: pd.DataFrame, cover: pd.DataFrame, presets: dict[str, Preset]) -> pd.DataFrame:
    """Own baselines under each listing's preset, with the preset's intent for prices set before the declaration.

    ``pre_declaration = "settled"`` (and no baseline-date override): the baseline is never below the price in
    force just before the declaration (``last_before``), so a price set days before and kept since is not an
    increase. Listings with one or two observed days before ``t0`` keep a short own baseline (``short_history``)
    instead of being treated as new sellers.
    """
    parts = []
    for rule, group in cover.groupby("rule"):
        p = presets[rule]
        own = own_baselines(daily, group["t0"], p.baseline, min_days=1).assign(rule=rule)
        if p.pre_declaration == "settled" and p.baseline != "last_before":
            settled_for = group.index[~group["override"].astype(bool)]
            last = own_baselines(daily, group.loc[settled_for, "t0"], "last_before").set_index("listing_id")
            own = own.set_index("listing_id")
            raised = last["baseline"].reindex(own.index) > own["baseline"]
            own.loc[raised, "baseline"] = last.loc[raised[raised].index, "baseline"]
            own.loc[raised, "method"] = own.loc[raised, "method"] + "+last_before"
            own = own.reset_index()
        parts.append(own)
    if not parts:
        return pd.DataFrame(columns=[*BASELINE_COLUMNS, "rule", "short_history"])
    own = pd.concat(parts, ignore_index=True)
    own["short_history"] = own["n_days"] < MIN_OWN_DAYS
    return own


def _peer_targets(index_base: pd.DataFrame, meta: pd.DataFrame, wanted: pd.Index) -> pd.DataFrame:
    """Peer baselines for listings without their own (``wanted``): the same product elsewhere first, else the
    upper part of the normal range of listings of the same category × currency × unit × size class.

    Returns, indexed by listing_id: baseline, method, peer_group, peer_n, peer_statistic, window_start,
    window_end, n_obs. Listings for which neither group is large enough are absent.
    """
    keys = ["category", "currency", "unit", "size_class"]
    frame = index_base[["listing_id", "baseline", "window_start", "window_end", "n_obs"]].merge(
        meta[keys + (["product_key"] if "product_key" in meta else [])], left_on="listing_id", right_index=True)
    want = meta.loc[wanted, keys + (["product_key"] if "product_key" in meta else [])]
    out = []
    if "product_key" in meta and frame["product_key"].notna().any():
        pkeys = ["product_key", "currency", "unit", "size_class"]
        prod = frame.dropna(subset=["product_key"]).groupby(pkeys).agg(
            peer_baseline=("baseline", "median"), peer_n=("listing_id", "size"),
            window_start=("window_start", "min"), window_end=("window_end", "max"), n_obs=("n_obs", "sum"))
        prod = prod[prod["peer_n"] >= MIN_PRODUCT_PEERS].reset_index()
        hit = want.dropna(subset=["product_key"]).reset_index().merge(prod, on=pkeys).set_index("listing_id")
        if len(hit):
            out.append(pd.DataFrame({
                "baseline": hit["peer_baseline"], "method": "peer_median_30d",
                "peer_group": "product " + hit["product_key"].astype(str) + " · " + hit["currency"] + "/"
                + hit["unit"] + " · pack ~" + (2.0 ** hit["size_class"]).round().astype(int).astype(str),
                "peer_n": hit["peer_n"], "peer_statistic": "median", "window_start": hit["window_start"],
                "window_end": hit["window_end"], "n_obs": hit["n_obs"]}))
    size = frame[frame["size_class"] >= 0].groupby(keys).agg(
        peer_baseline=("baseline", lambda s: s.quantile(SIZE_PEER_QUANTILE)), peer_n=("listing_id", "size"),
        window_start=("window_start", "min"), window_end=("window_end", "max"), n_obs=("n_obs", "sum"))
    size = size[size["peer_n"] >= MIN_SIZE_PEERS].reset_index()
    hit = want.reset_index().merge(size, on=keys).set_index("listing_id")
    if out:
        hit = hit[~hit.index.isin(out[0].index)]
    if len(hit):
        out.append(pd.DataFrame({
            "baseline": hit["peer_baseline"], "method": f"peer_p{int(SIZE_PEER_QUANTILE * 100)}_30d",
            "peer_group": hit["category"] + " · " + hit["currency"] + "/" + hit["unit"] + " · pack ~"
            + (2.0 ** hit["size_class"]).round().astype(int).astype(str) + " " + hit["unit"],
            "peer_n": hit["peer_n"], "peer_statistic": f"p{int(SIZE_PEER_QUANTILE * 100)}",
            "window_start": hit["window_start"], "window_end": hit["window_end"], "n_obs": hit["n_obs"]}))
    if not out:
        return pd.DataFrame(columns=["baseline", "method", "peer_group", "peer_n", "peer_statistic", "window_start",
                                     "window_end", "n_obs"])
    return pd.concat(out)


def detect(observations: pd.DataFrame, listings: pd.DataFrame, emergencies: pd.DataFrame,
           presets: dict[str, Preset], monitor_uncovered: bool = True) -> Detection:
    daily = regular_prices(daily_series(observations))
    meta = listing_meta(observations, listings.rename_axis("listing_id"))
    cover = coverage(meta, emergencies) if not emergencies.empty else pd.DataFrame(
        columns=["emergency_id", "start", "end", "rule", "baseline_date", "override", "t0"])

    own = _own_baselines(daily, cover, presets)

    # market index from every covered listing's own 30-day median (one common yardstick for all presets)
    index_base = own_baselines(daily, cover["t0"], "median_30d") if len(cover) else own
    index = category_index(daily, index_base, meta) if len(index_base) else pd.DataFrame(
        columns=["category", "currency", "unit", "day", "index", "n_listings"])

    targets = cover.join(meta[["category", "currency", "unit"]])
    targets = targets.join(own.set_index("listing_id")[["baseline", "method", "window_start", "window_end", "n_days",
                                                        "n_obs", "noise", "short_history"]])
    targets["baseline_kind"] = np.where(targets["baseline"].notna(), "own", "peer")
    for column in ("peer_group", "peer_statistic"):
        targets[column] = pd.Series(None, index=targets.index, dtype=object)
    targets["peer_n"] = np.nan
    need_peer = targets["baseline"].isna()
    if need_peer.any() and len(index_base):
        peers = _peer_targets(index_base, meta, targets.index[need_peer])
        for column in ("baseline", "method", "window_start", "window_end", "n_obs", "peer_group", "peer_n",
                       "peer_statistic"):
            targets.loc[peers.index, column] = peers[column]
        targets.loc[need_peer, "n_days"] = np.nan
        targets.loc[need_peer, "noise"] = 0.0
    tail = targets["rule"].map({k: p.tail_days for k, p in presets.items()}).fillna(0).astype("float64")
    targets["end"] = pd.to_datetime(targets["end"], utc=True) + pd.to_timedelta(tail.to_numpy(), unit="D")

    episodes, _days = evaluate(daily, targets, presets, index)
    provenance = targets[["emergency_id", "method", "window_start", "window_end", "n_obs", "n_days", "start",
                          "short_history", "peer_group", "peer_n", "peer_statistic"]].rename(
        columns={"method": "baseline_method", "window_start": "baseline_window_start",
                 "window_end": "baseline_window_end", "n_obs": "baseline_n", "n_days": "baseline_days",
                 "start": "emergency_start"})
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
