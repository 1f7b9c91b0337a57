"""``pricewatch detect``: run all detectors over stored observations and open/update/close alerts. Idempotent."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import pandas as pd

from analysis.detect import Detection, detect
from analysis.explain import explain
from analysis.presets import load_presets
from pricewatch.alerts.store import SaveStats, save_episodes
from pricewatch.detect.load import load_evidence, load_listings, load_observations
from pricewatch.emergency import emergencies_frame
from pricewatch.store.engine import Database


@dataclass
class DetectStats:
    observations: int = 0
    listings: int = 0
    episodes: int = 0
    alerts: SaveStats = field(default_factory=SaveStats)
    by_rule: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    detection: Detection | None = None

    def summary(self) -> str:
        rules = ", ".join(f"{k}: {v}" for k, v in sorted(self.by_rule.items())) or "none"
        return (f"{self.observations:,} observations of {self.listings:,} listings → {self.episodes:,} violation "
                f"episodes ({rules}); alerts {self.alerts.summary()}")


def run_detection(db: Database, *, monitor_uncovered: bool = True) -> DetectStats:
    """Detect over everything stored; write alerts. Returns counts and timings (load, detect, store)."""
    stats = DetectStats()
    t = time.perf_counter()
    observations = load_observations(db)
    listings = load_listings(db)
    emergencies = emergencies_frame(db)
    stats.seconds["load"] = time.perf_counter() - t
    stats.observations, stats.listings = len(observations), len(listings)
    if observations.empty:
        return stats

    t = time.perf_counter()
    presets = load_presets()
    result = detect(observations, listings[["category", "region", "currency", "unit", "quantity"]], emergencies, presets,
                    monitor_uncovered=monitor_uncovered)
    episodes = result.episodes
    stats.seconds["detect"] = time.perf_counter() - t
    stats.detection = result
    stats.episodes = len(episodes)
    stats.by_rule = episodes["rule"].value_counts().to_dict() if len(episodes) else {}

    t = time.perf_counter()
    if len(episodes):
        episodes = episodes.join(listings[["category", "currency", "unit"]], on="listing_id")
        episodes["evidence"] = _evidence(db, episodes)
        tz = db.settings.timezone
        episodes["explanation"] = [
            explain(row, presets.get(row["rule"]), currency=row["currency"], unit=row["unit"],
                    category=row["category"], tz=tz)
            for row in episodes.to_dict("records")
        ]
        episodes["flags"] = [
            sorted(set(presets[r].flags if r in presets else ()) | ({"new_seller"} if k == "peer" else set()))
            for r, k in zip(episodes["rule"], episodes["baseline_kind"])
        ]
        stats.alerts = save_episodes(db, episodes)
    stats.seconds["store"] = time.perf_counter() - t
    return stats


def _evidence(db: Database, episodes: pd.DataFrame) -> list[list[str]]:
    """Up to five evidence hashes per episode: snapshots of pages seen during the violation, newest last."""
    snaps = load_evidence(db, sorted(episodes["listing_id"].unique().tolist()))
    if snaps.empty:
        return [[] for _ in range(len(episodes))]
    by_listing = {lid: g.sort_values("observed_at") for lid, g in snaps.groupby("listing_id")}
    out = []
    for lid, first, last in zip(episodes["listing_id"], episodes["first_violation_at"], episodes["last_violation_at"]):
        g = by_listing.get(lid)
        if g is None:
            out.append([])
            continue
        during = g[(g["observed_at"] >= first.floor("s")) & (g["observed_at"] <= last.ceil("s"))]
        out.append(list(dict.fromkeys(during["snapshot_sha256"]))[-5:])
    return out
