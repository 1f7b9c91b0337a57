"""The detection pipeline, pure: observations + listings + emergencies → violation episodes and market index.

``observations``: listing_id, observed_at (UTC), price, unit_price, availability, currency, quantity_unit
(optional snapshot_sha256). ``listings``: indexed by listing_id with category, region (optional first_seen_at).
``emergencies``: id, jurisdiction, start, end (NaT = open), categories (list or None), rule, baseline_date (NaT or
the override date that sets the baseline instead of the declaration).

A listing is covered by the earliest-starting emergency whose jurisdiction is its region or a prefix of it
(``US`` covers ``US-CA``) and whose categories include its category (by default the protective-goods categories,
never ``other``). Covered listings are judged by the emergency's preset (``analysis.violations``) against their own
regular pre-emergency price (``analysis.regular``, ``analysis.baseline``), a legal cap (``analysis.caps``) or
like-for-like peers; protective-goods listings no emergency covers by the statistical monitor
(``analysis.detectors``). Every listing's outcome is reported (``analysis.coverage``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.baseline import BASELINE_COLUMNS, own_baselines
from analysis.caps import cap_baselines
from analysis.coverage import coverage_report
from analysis.detectors import MONITOR_RULE, market_levels, market_ratios, monitor
from analysis.market import index_from_ratios, index_ratios
from analysis.presets import Preset, severity
from analysis.regular import regular_prices
from analysis.series import daily_series
from analysis.severity import certainty, grade
from analysis.violations import EPISODE_COLUMNS, evaluate

MIN_OWN_DAYS = 3  # observed days before t0 for a full own baseline; one or two make a short one (``short_history``)


@dataclass
class Detection:
    episodes: pd.DataFrame      # analysis.violations.EPISODE_COLUMNS + emergency_id, baseline_* provenance
    index: pd.DataFrame         # category price index (analysis.market)
    baselines: pd.DataFrame     # own baselines actually used
    daily: pd.DataFrame         # the daily series (with regular prices, analysis.regular)
    coverage: pd.DataFrame = field(default_factory=pd.DataFrame)  # analysis.coverage.COVERAGE_COLUMNS per listing


def listing_meta(observations: pd.DataFrame, listings: pd.DataFrame) -> pd.DataFrame:
    """Listings with currency, unit (and quantity): given in ``listings``, or from the latest priced observation."""
    if {"currency", "unit"} <= set(listings.columns):
        meta = listings.copy()  # the caller already knows each listing's currency, unit (and quantity)
    else:
        priced = observations[observations["unit_price"].notna()].sort_values("observed_at")
        columns = ["currency", "quantity_unit"] + (["quantity"] if "quantity" in priced else [])
        last = priced.groupby("listing_id")[columns].last().rename(columns={"quantity_unit": "unit"})
        meta = listings.join(last, how="left")
    if "quantity" not in meta:
        meta["quantity"] = np.nan  # no pack sizes known: no size-class peers
    return meta


PROTECTIVE = ("mask.surgical", "mask.respirator", "mask.cloth", "disinfectant.alcohol", "disinfectant.chlorine",
              "disinfectant.wipes", "disinfectant.other", "hand_sanitizer", "hand_soap", "gloves",
              "protective_clothing", "goggles", "thermometer")
MIN_PRODUCT_PEERS = 2     # same product sold by at least two others with a baseline
MIN_SIZE_PEERS = 3        # else at least three listings of the same category × currency × unit × size class
SIZE_PEER_QUANTILE = 0.9  # … compared with the top of their normal range: a new seller there is not gouging
SIZE_FACTOR = 2.0         # size-class peers: packs within a factor of two of the listing's own


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
            settled = last["baseline"].reindex(own.index).to_numpy(dtype="float64")
            raised = settled > own["baseline"].to_numpy(dtype="float64")  # NaN compares False
            own["baseline"] = np.where(raised, settled, own["baseline"].to_numpy(dtype="float64"))
            own["method"] = np.where(raised, own["method"].astype(str) + "+last_before", own["method"].astype(str))
            own = own.reset_index()
        parts.append(own)
    if not parts:
        return pd.DataFrame(columns=[*BASELINE_COLUMNS, "rule", "short_history"])
    own = pd.concat(parts, ignore_index=True)
    own["short_history"] = own["n_days"] < MIN_OWN_DAYS
    return own


PEER_COLUMNS = ["baseline", "method", "peer_group", "peer_n", "peer_statistic", "window_start", "window_end", "n_obs"]


def _peer_targets(index_base: pd.DataFrame, meta: pd.DataFrame, wanted: pd.Index) -> pd.DataFrame:
    """Peer baselines for listings without their own (``wanted``): the same product elsewhere first, else the
    upper part of the normal range of listings of the same category × currency × unit and pack size.

    Peers are listings with their own pre-emergency baseline whose pack is within a factor of :data:`SIZE_FACTOR`
    of the listing's (a window around each listing, not fixed buckets: a 5 ml bottle never meets a 1 L one).
    Same product (same ``product_key``, at least :data:`MIN_PRODUCT_PEERS`): their median. Otherwise (at least
    :data:`MIN_SIZE_PEERS`): their :data:`SIZE_PEER_QUANTILE` quantile — a new seller at the top of the normal
    range is not gouging; never within ``other``. Returns, indexed by listing_id: baseline, method, peer_group,
    peer_n, peer_statistic, window_start, window_end, n_obs; listings for which neither group is large enough are
    absent.
    """
    frame, want = peer_frames(index_base, meta, wanted)
    return choose_peers(product_peers(frame, want), size_peers(frame, want))


def peer_frames(index_base: pd.DataFrame, meta: pd.DataFrame, wanted: pd.Index) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The candidate peers (listings of ``index_base`` with their own baseline, window, observation count and
    :data:`PEER_META` keys; packs > 0) and the listings that want peers (``wanted``, with their keys; packs > 0).
    Row by row, so the frames of a set of listings are the union of those of its parts."""
    columns = ["category", "currency", "unit", "quantity"] + (["product_key"] if "product_key" in meta else [])
    frame = index_base[["listing_id", "baseline", "window_start", "window_end", "n_obs"]].merge(
        meta[columns], left_on="listing_id", right_index=True)
    frame = frame[frame["quantity"] > 0]
    want = meta.loc[wanted, columns]
    return frame, want[want["quantity"] > 0]


PRODUCT_PEER_KEYS = ["product_key", "currency", "unit"]
SIZE_PEER_KEYS = ["category", "currency", "unit"]


def product_peers(frame: pd.DataFrame, want: pd.DataFrame) -> pd.DataFrame:
    """Same-product peers (:data:`PRODUCT_PEER_KEYS`, pack within :data:`SIZE_FACTOR`): their median, for the
    listings of ``want`` with at least :data:`MIN_PRODUCT_PEERS`. Depends only on the rows with the listing's own
    keys, so it can be computed key by key."""
    if "product_key" not in frame:
        return pd.DataFrame()
    return _window_peers(frame.dropna(subset=["product_key"]), want.dropna(subset=["product_key"]),
                         PRODUCT_PEER_KEYS, None, MIN_PRODUCT_PEERS, "product")


def size_peers(frame: pd.DataFrame, want: pd.DataFrame) -> pd.DataFrame:
    """Size-class peers (:data:`SIZE_PEER_KEYS`, pack within :data:`SIZE_FACTOR`): their
    :data:`SIZE_PEER_QUANTILE` quantile, for the listings of ``want`` with at least :data:`MIN_SIZE_PEERS`; never
    within ``other``. Key by key, like :func:`product_peers`."""
    # size-class peers only within a real category: "other" holds cars, bread and perfume alike, so a size match
    # there says nothing about the product (only the same product, by key, can stand in for a missing history)
    return _window_peers(frame[frame["category"] != "other"], want[want["category"] != "other"],
                         SIZE_PEER_KEYS, SIZE_PEER_QUANTILE, MIN_SIZE_PEERS, "size")


def choose_peers(product: pd.DataFrame, size: pd.DataFrame) -> pd.DataFrame:
    """Each listing's peer baseline: the same product when it has one, else its size class (:data:`PEER_COLUMNS`,
    indexed by listing_id)."""
    if len(product) and len(size):
        size = size[~size.index.isin(product.index)]
    out = [o for o in (product, size) if len(o)]
    if not out:
        return pd.DataFrame(columns=PEER_COLUMNS)
    return pd.concat(out)


def _window_peers(peers: pd.DataFrame, want: pd.DataFrame, keys: list[str], quantile: float | None,
                  min_peers: int, kind: str) -> pd.DataFrame:
    """For each listing of ``want``, the peers of ``peers`` with the same ``keys`` and a pack within a factor of
    :data:`SIZE_FACTOR`: their median (``quantile`` None) or that quantile of their baselines. The loop runs over
    groups and over the listings that need peers (new sellers, a small minority), never over observations."""
    rows = []
    if want.empty or peers.empty:
        return pd.DataFrame()
    by_group = {k: g.sort_values("quantity") for k, g in peers.groupby(keys)}
    stat = "median" if quantile is None else f"p{int(quantile * 100)}"
    for k, group in want.groupby(keys):
        g = by_group.get(k)
        if g is None:
            continue
        # plain arrays: the loop below runs once per listing that needs peers, so it must not build frames
        qty = g["quantity"].to_numpy()
        base = g["baseline"].to_numpy(dtype="float64")
        # the peers' baseline windows: reported for the group (they share the emergency's reference date), and
        # observation counts by prefix sums — per-slice min/max over thousands of peers would dominate the cost
        start, end = g["window_start"].min(), g["window_end"].max()
        n_obs = np.concatenate([[0.0], np.cumsum(g["n_obs"].to_numpy(dtype="float64"))])
        wanted_qty = group["quantity"].to_numpy()
        lo = np.searchsorted(qty, wanted_qty / SIZE_FACTOR, side="left")
        hi = np.searchsorted(qty, wanted_qty * SIZE_FACTOR, side="right")
        what = f"product {k[0]}" if kind == "product" else k[0]
        # a listing that needs peers has no own baseline, so it is never among its own peers
        for lid, q, a, b in zip(group.index, wanted_qty, lo, hi):
            if b - a < min_peers:
                continue
            values = base[a:b]
            value = float(np.median(values)) if quantile is None else float(np.quantile(values, quantile))
            label = f"{what} · {k[1]}/{k[2]} · packs of {_qty(q / SIZE_FACTOR)}–{_qty(q * SIZE_FACTOR)} {k[2]}"
            rows.append((lid, value, int(b - a), label, start, end, n_obs[b] - n_obs[a]))
    if not rows:
        return pd.DataFrame()
    out = pd.DataFrame(rows, columns=["listing_id", "baseline", "peer_n", "peer_group", "window_start", "window_end",
                                      "n_obs"]).set_index("listing_id")
    return out.assign(method=f"peer_{stat}_30d", peer_statistic=stat)


def _qty(value: float) -> str:
    return f"{value:g}" if value >= 10 else f"{value:.3g}"


@dataclass
class Prepared:
    """A set of listings (all of them, or one bucket) made ready for judging: everything computed listing by
    listing. ``targets`` are the covered listings with own or cap baselines (peers not filled in yet);
    ``need_peer`` the covered listings that need a peer baseline; ``scope`` the listings the monitor watches."""
    daily: pd.DataFrame
    meta: pd.DataFrame
    cover: pd.DataFrame
    own: pd.DataFrame
    index_base: pd.DataFrame
    targets: pd.DataFrame
    need_peer: pd.Index
    scope: pd.Index


@dataclass
class MarketParts:
    """What a set of listings contributes to the figures that need all listings. Concatenating the parts of every
    bucket (:func:`combine_parts`) gives exactly the parts of all listings at once.

    ``index_ratios``: :func:`analysis.market.index_ratios` rows; ``market_ratios``: the monitor's
    :func:`analysis.detectors.market_ratios` rows; ``peer_base``: the listings with an own 30-day baseline
    (listing_id, baseline, window_start, window_end, n_obs) — the candidate peers; ``peer_meta``: category,
    currency, unit, quantity (product_key) of those listings and of ``wanted``; ``wanted``: listings needing peers.
    """
    index_ratios: pd.DataFrame
    market_ratios: pd.DataFrame
    peer_base: pd.DataFrame
    peer_meta: pd.DataFrame
    wanted: pd.Index


@dataclass
class MarketContext:
    """The figures that need all listings, computed once and handed to every bucket (small tables):
    the category ``index``, the monitor's market ``levels``, the ``comparable`` category × currency × unit
    combinations, the ``peers`` baselines of the listings that need them, and whether any listing has an own
    baseline at all (``any_baseline``)."""
    index: pd.DataFrame
    levels: pd.DataFrame
    comparable: pd.DataFrame
    peers: pd.DataFrame
    any_baseline: bool


PEER_META = ["category", "currency", "unit", "quantity", "product_key"]
INDEX_BASE_COLUMNS = ["listing_id", "baseline", "window_start", "window_end", "n_obs"]


def _watched(emergencies: pd.DataFrame) -> set[str]:
    # the monitor watches what an emergency would cover: the protective goods, plus any category an
    # emergency names explicitly — never the rest of a catalogue (perfume repricings are no one's case)
    watched = set(PROTECTIVE)
    for cats in (emergencies["categories"] if len(emergencies) else []):
        if cats is not None and len(cats):
            watched |= set(cats)
    return watched


def prepare(observations: pd.DataFrame, listings: pd.DataFrame, emergencies: pd.DataFrame,
            presets: dict[str, Preset]) -> Prepared:
    """Daily series, coverage, own and cap baselines of ``listings`` (see :class:`Prepared`)."""
    capped = any(presets[r].capped for r in emergencies["rule"] if r in presets) if len(emergencies) else False
    daily = regular_prices(daily_series(observations, item_prices=capped))
    meta = listing_meta(observations, listings.rename_axis("listing_id"))
    cover = coverage(meta, emergencies) if not emergencies.empty else pd.DataFrame(
        columns=["emergency_id", "start", "end", "rule", "baseline_date", "override", "t0"])

    own = _own_baselines(daily, cover, presets)
    # market index from every covered listing's own 30-day median (one common yardstick for all presets)
    index_base = own_baselines(daily, cover["t0"], "median_30d") if len(cover) else own

    targets = cover.join(meta[["category", "currency", "unit"]])
    targets = targets.join(own.set_index("listing_id")[["baseline", "method", "window_start", "window_end", "n_days",
                                                        "n_obs", "noise", "short_history"]])
    targets["baseline_kind"] = np.where(targets["baseline"].notna(), "own", "peer")
    capped_rules = [r for r in targets["rule"].dropna().unique() if presets[r].capped]
    for rule in capped_rules:
        # an absolute cap replaces the baseline: no own history or peers are needed (analysis.caps)
        ids = targets.index[targets["rule"] == rule]
        caps = cap_baselines(meta, ids, presets[rule])
        targets.loc[ids, ["baseline", "method", "window_start", "window_end", "n_obs", "n_days"]] = np.nan
        targets.loc[ids, "baseline_kind"] = "cap"
        targets.loc[caps.index, "baseline"] = caps["baseline"]
        targets.loc[caps.index, "method"] = caps["method"]
        targets.loc[ids, "noise"] = 0.0
        targets.loc[ids, "short_history"] = False
    for column in ("peer_group", "peer_statistic"):
        targets[column] = pd.Series(None, index=targets.index, dtype=object)
    targets["peer_n"] = np.nan
    need_peer = targets.index[targets["baseline"].isna() & (targets["baseline_kind"] != "cap")]
    scope = meta.index[meta["category"].isin(_watched(emergencies))]
    return Prepared(daily=daily, meta=meta, cover=cover, own=own, index_base=index_base, targets=targets,
                    need_peer=need_peer, scope=scope)


def market_parts(prep: Prepared, monitor_uncovered: bool = True) -> MarketParts:
    """What ``prep``'s listings contribute to the index, the monitor's market levels and the peer baselines."""
    index_base = prep.index_base
    ratios = index_ratios(prep.daily, index_base, prep.meta) if len(index_base) else pd.DataFrame(
        columns=["category", "currency", "unit", "day", "ratio"])
    if monitor_uncovered:
        uncovered = _uncovered(prep)
        market = market_ratios(uncovered, prep.meta)
    else:
        market = pd.DataFrame(columns=["category", "currency", "unit", "day", "relative"])
    columns = [c for c in PEER_META if c in prep.meta]
    wanted = prep.need_peer
    ids = pd.Index(index_base["listing_id"]).union(wanted) if len(index_base) else wanted
    return MarketParts(index_ratios=ratios, market_ratios=market,
                       peer_base=index_base[INDEX_BASE_COLUMNS] if len(index_base) else
                       pd.DataFrame(columns=INDEX_BASE_COLUMNS),
                       peer_meta=prep.meta.loc[ids, columns], wanted=wanted)


def combine_parts(parts: list[MarketParts]) -> MarketParts:
    """The parts of several disjoint sets of listings as one (rows of every part; listings in id order)."""
    def cat(frames: list[pd.DataFrame]) -> pd.DataFrame:
        kept = [f for f in frames if len(f)]
        return pd.concat(kept, ignore_index=True) if kept else frames[0].iloc[0:0]

    peer_meta = [p.peer_meta for p in parts if len(p.peer_meta)]
    return MarketParts(
        index_ratios=cat([p.index_ratios for p in parts]),
        market_ratios=cat([p.market_ratios for p in parts]),
        # in listing id order, as one pass over all listings produces them
        peer_base=cat([p.peer_base for p in parts]).sort_values("listing_id", kind="stable").reset_index(drop=True),
        peer_meta=pd.concat(peer_meta).sort_index() if peer_meta else parts[0].peer_meta,
        wanted=pd.Index(np.sort(np.concatenate([p.wanted.to_numpy() for p in parts]))) if parts else pd.Index([]),
    )


def market_context(parts: MarketParts) -> MarketContext:
    """The figures that need all listings (:class:`MarketContext`) from the parts of all listings."""
    base = parts.peer_base
    index = index_from_ratios(parts.index_ratios) if len(parts.index_ratios) else pd.DataFrame(
        columns=["category", "currency", "unit", "day", "index", "n_listings"])
    levels = market_levels(parts.market_ratios) if len(parts.market_ratios) else pd.DataFrame(
        columns=["category", "currency", "unit", "day", "level"])
    comparable = (base[["listing_id"]].join(parts.peer_meta[["category", "currency", "unit"]], on="listing_id")
                  .drop_duplicates(["category", "currency", "unit"])[["category", "currency", "unit"]]
                  if len(base) else pd.DataFrame(columns=["category", "currency", "unit"]))
    peers = (_peer_targets(base, parts.peer_meta, parts.wanted) if len(parts.wanted) and len(base)
             else pd.DataFrame(columns=PEER_COLUMNS))
    return MarketContext(index=index, levels=levels, comparable=comparable.reset_index(drop=True), peers=peers,
                         any_baseline=bool(len(base)))


def _uncovered(prep: Prepared) -> pd.DataFrame:
    daily = prep.daily
    return daily[~daily["listing_id"].isin(prep.cover.index) & daily["listing_id"].isin(prep.scope)]


def judge(prep: Prepared, context: MarketContext, presets: dict[str, Preset],
          monitor_uncovered: bool = True) -> Detection:
    """Episodes and coverage of ``prep``'s listings, given the figures of all listings (``context``)."""
    daily, meta, targets = prep.daily, prep.meta, prep.targets.copy()
    need_peer = targets.index.isin(prep.need_peer)
    if need_peer.any() and context.any_baseline:
        peers = context.peers[context.peers.index.isin(prep.need_peer)]
        for column in ("baseline", "method", "window_start", "window_end", "n_obs", "peer_group", "peer_n",
                       "peer_statistic"):
            targets.loc[peers.index, column] = peers[column]
        targets.loc[need_peer, "n_days"] = np.nan
        targets.loc[need_peer, "noise"] = 0.0
    tail = targets["rule"].map({k: p.tail_days for k, p in presets.items()}).fillna(0).astype("float64")
    targets["end"] = pd.to_datetime(targets["end"], utc=True) + pd.to_timedelta(tail.to_numpy(), unit="D")

    episodes, _days = evaluate(daily, targets, presets, context.index)
    provenance = targets[["emergency_id", "method", "window_start", "window_end", "n_obs", "n_days", "start",
                          "short_history", "peer_group", "peer_n", "peer_statistic"]].rename(
        columns={"method": "baseline_method", "window_start": "baseline_window_start",
                 "window_end": "baseline_window_end", "n_obs": "baseline_n", "n_days": "baseline_days",
                 "start": "emergency_start"})
    episodes = episodes.join(provenance, on="listing_id")
    if len(episodes):
        if "quantity_source" in meta:
            episodes = episodes.join(meta["quantity_source"], on="listing_id")
        episodes["severity"] = grade(episodes["sustained_increase_pct"], certainty(episodes)).to_numpy()

    if monitor_uncovered:
        uncovered = _uncovered(prep)
        shifts = monitor(uncovered, listings=meta, levels=context.levels) if not uncovered.empty else pd.DataFrame()
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
            mon["sustained_increase_pct"] = shifts["shift_pct"].to_numpy()
            mon["market_pct"] = np.nan
            mon["severity"] = [severity(p) for p in mon["peak_increase_pct"]]
            mon["ongoing"] = True
            mon["evidence"] = [[] for _ in range(len(mon))]
            mon["baseline_method"] = "rolling_median_28d"
            episodes = pd.concat([episodes, mon[EPISODE_COLUMNS + ["baseline_method"]]], ignore_index=True)
    report = coverage_report(daily, meta, targets, context.comparable,
                             monitored=prep.scope if monitor_uncovered else pd.Index([]))
    return Detection(episodes=episodes, index=context.index, baselines=prep.own, daily=daily, coverage=report)


def detect(observations: pd.DataFrame, listings: pd.DataFrame, emergencies: pd.DataFrame,
           presets: dict[str, Preset], monitor_uncovered: bool = True) -> Detection:
    """Violation episodes of all ``listings`` (see the module docstring): :func:`prepare`, the figures that need
    all listings (:func:`market_parts`, :func:`market_context`), then :func:`judge`. Partitioned detection runs
    the same steps bucket by bucket, with the context computed once from every bucket's parts."""
    prep = prepare(observations, listings, emergencies, presets)
    context = market_context(market_parts(prep, monitor_uncovered))
    return judge(prep, context, presets, monitor_uncovered)
