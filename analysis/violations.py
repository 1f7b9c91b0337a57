"""Rule evaluation: daily unit prices against baselines under a preset → violation episodes.

For each listing covered by an emergency (``targets``):

1. increase = unit price / baseline − 1, where the baseline is the listing's own regular pre-emergency price, or
   for a listing without history its like-for-like peers' (then the preset's ``new_seller_pct`` applies;
   ``analysis.detect``), or a legal cap (``analysis.caps``: item price, no market netting, line 0, at the cap
   allowed);
2. the market's own movement is taken out: the ratio is divided by the category index when the index is above 1
   (a listing that merely follows its market is not a violation; falls are not credited);
3. the threshold is the preset's (legal line or noise tolerance) but never below four times the listing's normal
   day-to-day wobble (median absolute deviation of log prices), so scrape noise cannot trip a no-increase rule.
   A line written in a statute is applied exactly: the increase is rounded to 0.01 % (half-even, on the ratio
   computed in float64) before it is compared, and the preset says whether the line itself is inside
   (``at_line = "violation"``: "10 % or more", PA's "20 % or more") or outside (``at_line = "allowed"``: CA's "more
   than 10 %"). €5.00 → €5.50 is exactly +10.00 %: allowed under CA, a violation under NYC's "10 % or more";
4. an *episode* is a run of consecutive observed days over the threshold; it needs two observed days (persistence):
   a single wild observation — or a single day — is never a violation on its own. Gaps in observation do not break
   a run.

Everything is vectorised over all listings at once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.presets import Preset, severity

TARGET_COLUMNS = ["t0", "start", "end", "rule", "baseline", "baseline_kind", "noise", "category", "currency", "unit"]
EPISODE_COLUMNS = ["listing_id", "rule", "baseline_kind", "baseline", "first_violation_at", "confirmed_at",
                   "last_violation_at", "n_days", "observed_unit_price", "increase_pct", "adjusted_increase_pct",
                   "peak_increase_pct", "sustained_increase_pct", "market_pct", "severity", "ongoing", "evidence"]
MIN_DAYS = 2
NOISE_FACTOR = 4.0
PEER_KINDS = ("peer",)


def exact_pct(increase_pct: np.ndarray) -> np.ndarray:
    """Increases in percent rounded to 0.01 % (half-even): the precision statutes and regulators work in.

    5.50 / 5.00 − 1 is 0.10000000000000009 in binary floating point; rounded it is exactly 10.00.
    """
    return np.round(np.asarray(increase_pct, dtype="float64"), 2)


def over_line(increase_pct: np.ndarray, legal_pct: np.ndarray, noise_pct: np.ndarray,
              inclusive: np.ndarray) -> np.ndarray:
    """True where an increase (percent) violates the line.

    ``legal_pct`` is the preset's line, ``inclusive`` says whether an increase exactly on it is a violation
    ("10 % or more") or not ("more than 10 %"). When the listing's normal wobble (``noise_pct``, already times the
    noise factor) is above the legal line, the wobble is the line and must be exceeded strictly.
    """
    pct = exact_pct(increase_pct)
    legal = exact_pct(legal_pct)
    at_legal = np.where(inclusive, pct >= legal, pct > legal)
    return np.where(noise_pct > legal, pct > noise_pct, at_legal)


def evaluate(daily: pd.DataFrame, targets: pd.DataFrame, presets: dict[str, Preset],
             index: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Evaluate rules; returns (episodes, flagged days).

    ``targets`` is indexed by listing_id with :data:`TARGET_COLUMNS` (``t0`` the declaration, ``end`` the last
    instant the rule applies or NaT). ``index`` is :func:`analysis.market.category_index` output (optional).
    The flagged-days frame has one row per evaluated day with ``increase``, ``adjusted``, ``threshold``, ``over``.
    """
    if targets.empty or daily.empty:
        return pd.DataFrame(columns=EPISODE_COLUMNS), pd.DataFrame()
    last_day = daily.groupby("listing_id")["day"].max().rename("listing_last_day")
    targets = targets if "start" in targets else targets.assign(start=targets["t0"])
    # the rule's line per listing, computed on the (small) targets and carried as numbers: mapping rule strings
    # over every daily row would cost more than the comparison itself
    peer_t = targets["baseline_kind"].isin(PEER_KINDS).to_numpy()
    capped_t = (targets["baseline_kind"] == "cap").to_numpy()
    line = targets["rule"].map({k: p.threshold_pct for k, p in presets.items()}).to_numpy(dtype="float64")
    seller_line = targets["rule"].map({k: p.new_seller_pct for k, p in presets.items()}).to_numpy(dtype="float64")
    at_line = targets["rule"].map({k: p.at_line == "violation" for k, p in presets.items()}).fillna(False)
    lines = pd.DataFrame({
        "legal_pct": np.where(peer_t, seller_line, np.where(capped_t, 0.0, line)),
        "inclusive": at_line.to_numpy(dtype=bool) & ~capped_t & ~peer_t,
        "capped": capped_t,
    }, index=targets.index)
    columns = [c for c in TARGET_COLUMNS if c not in ("rule", "baseline_kind")]
    frame = daily.merge(targets[columns].join(lines), left_on="listing_id", right_index=True, how="inner")
    # in force from the emergency's start (not from a baseline-date override) to its end (+ tail days)
    in_force = (frame["last_at"] >= frame["start"]) & (frame["end"].isna() | (frame["day"] <= frame["end"]))
    frame = frame[in_force & frame["baseline"].notna()].copy()
    if frame.empty:
        return pd.DataFrame(columns=EPISODE_COLUMNS), frame
    if index is not None and not index.empty:
        frame = frame.merge(index[["category", "currency", "unit", "day", "index"]],
                            on=["category", "currency", "unit", "day"], how="left")
        market = frame["index"].fillna(1.0).clip(lower=1.0)
        known = frame["index"].notna()
    else:
        market = pd.Series(1.0, index=frame.index)
        known = pd.Series(False, index=frame.index)
    capped = frame["capped"].to_numpy(dtype=bool)
    if capped.any():
        # a legal cap is absolute and applies to the item price without shipping (analysis.caps)
        market = pd.Series(np.where(capped, 1.0, market.to_numpy()), index=frame.index)
        if "item_unit_price" in frame:
            frame["unit_price"] = np.where(capped, frame["item_unit_price"], frame["unit_price"])
    frame["market"] = market.to_numpy()
    frame["market_known"] = known.to_numpy() & ~capped
    frame["increase"] = frame["unit_price"] / frame["baseline"] - 1.0
    frame["adjusted"] = (frame["unit_price"] / (frame["baseline"] * frame["market"])) - 1.0

    legal = frame["legal_pct"].to_numpy(dtype="float64")
    noise = NOISE_FACTOR * frame["noise"].fillna(0.0).to_numpy() * 100.0
    frame["threshold"] = np.maximum(legal, noise) / 100.0
    frame["over"] = over_line(frame["adjusted"].to_numpy() * 100.0, legal, noise, frame["inclusive"].to_numpy(bool))

    frame = frame.sort_values(["listing_id", "day"], kind="stable").reset_index(drop=True)
    change = (frame["over"] != frame["over"].shift()) | (frame["listing_id"] != frame["listing_id"].shift())
    frame["run"] = change.cumsum()
    over = frame[frame["over"]]
    if over.empty:
        return pd.DataFrame(columns=EPISODE_COLUMNS), frame
    grouped = over.groupby("run", sort=True)
    first = grouped.head(1).set_index("run")
    last = grouped.tail(1).set_index("run")
    second = grouped.nth(1).set_index("run") if len(over) else over
    episodes = pd.DataFrame({
        "listing_id": first["listing_id"],
        "rule": targets["rule"].reindex(first["listing_id"]).to_numpy(),
        "baseline_kind": targets["baseline_kind"].reindex(first["listing_id"]).to_numpy(),
        "baseline": first["baseline"],
        "first_violation_at": np.maximum(first["first_at"], first["start"]),
        "confirmed_at": second["first_at"].reindex(first.index),
        "last_violation_at": last["last_at"],
        "n_days": grouped.size(),
        "observed_unit_price": last["unit_price"],
        "increase_pct": last["increase"] * 100.0,
        "adjusted_increase_pct": last["adjusted"] * 100.0,
        "peak_increase_pct": grouped["adjusted"].max() * 100.0,
        "sustained_increase_pct": grouped["adjusted"].median() * 100.0,
        # NaN when no index could be computed that day (too few listings with a baseline): "no market index"
        "market_pct": np.where(last["market_known"], (last["market"] - 1.0) * 100.0, np.nan),
    })
    episodes = episodes[episodes["n_days"] >= MIN_DAYS].copy()
    # the generic review tier of the peak; analysis.detect replaces it with the graded severity (analysis.severity)
    episodes["severity"] = [severity(p) for p in episodes["peak_increase_pct"]]
    listing_last = last_day.reindex(episodes["listing_id"]).to_numpy()
    episodes["ongoing"] = last["day"].reindex(episodes.index).to_numpy() == listing_last
    if "snapshot_sha256" in over:
        evidence = grouped["snapshot_sha256"].agg(lambda s: [x for x in s.dropna().unique()[-5:]])
        episodes["evidence"] = evidence.reindex(episodes.index)
    else:
        episodes["evidence"] = [[] for _ in range(len(episodes))]
    return episodes.reset_index(drop=True)[EPISODE_COLUMNS], frame
