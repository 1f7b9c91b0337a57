"""``pricewatch detect``: run all detectors over stored observations and open/update/close alerts. Idempotent.

Each run also records its coverage (a ``detect_run`` row, :mod:`analysis.coverage`): how many listings were
evaluated under an emergency, how many the early-warning monitor watched, and how many could not be evaluated, by
reason, with example listings — so a run that silently evaluated nothing cannot pass for a clean market.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.coverage import coverage_summary
from analysis.detect import Detection, detect
from analysis.explain import explain_all, price_components
from analysis.presets import load_presets
from pricewatch.alerts.store import SaveStats, save_episodes
from pricewatch.detect.load import load_evidence, load_listings, load_observations
from pricewatch.emergency import emergencies_frame
from pricewatch.store.engine import Database
from pricewatch.store.models import DetectRun, utcnow

EXAMPLES_PER_REASON = 5


@dataclass
class DetectStats:
    observations: int = 0
    listings: int = 0
    episodes: int = 0
    alerts: SaveStats = field(default_factory=SaveStats)
    by_rule: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    detection: Detection | None = None
    coverage: dict = field(default_factory=dict)   # as stored in detect_run.coverage
    run_id: int | None = None

    @property
    def evaluated(self) -> int:
        return sum(c["listings"] for c in self.coverage.get("counts", []) if c["status"] == "evaluated")

    @property
    def monitored(self) -> int:
        return sum(c["listings"] for c in self.coverage.get("counts", []) if c["status"] == "monitored")

    def summary(self) -> str:
        rules = ", ".join(f"{k}: {v}" for k, v in sorted(self.by_rule.items())) or "none"
        return (f"{self.observations:,} observations of {self.listings:,} listings → {self.episodes:,} violation "
                f"episodes ({rules}); alerts {self.alerts.summary()}")


def run_detection(db: Database, *, monitor_uncovered: bool = True) -> DetectStats:
    """Detect over everything stored; write alerts and the run's coverage. Returns counts and timings."""
    stats = DetectStats()
    started = utcnow()
    t = time.perf_counter()
    emergencies = emergencies_frame(db)
    presets = load_presets()
    # shipping is loaded with the rest: price caps compare the item price, and "what changed" splits item price,
    # shipping and pack from the observations already in memory (a second query per violating listing cost more)
    observations = load_observations(db, with_shipping=True)
    listings = load_listings(db)
    stats.seconds["load"] = time.perf_counter() - t
    stats.observations, stats.listings = len(observations), len(listings)
    if observations.empty:
        stats.coverage = {"counts": [], "examples": {}}
        _record_run(db, stats, started)
        return stats

    t = time.perf_counter()
    columns = ["category", "region", "currency", "unit", "quantity", "product_key", "quantity_source",
               "unnormalised_reason"]
    result = detect(observations, listings[columns], emergencies, presets, monitor_uncovered=monitor_uncovered)
    episodes = result.episodes
    stats.seconds["detect"] = time.perf_counter() - t
    stats.detection = result
    stats.episodes = len(episodes)
    stats.by_rule = episodes["rule"].value_counts().to_dict() if len(episodes) else {}
    stats.coverage = coverage_record(result.coverage, listings)

    t = time.perf_counter()
    if len(episodes):
        episodes = enrich_episodes(db, episodes, listings, observations, presets)
        stats.alerts = save_episodes(db, episodes)
    stats.seconds["store"] = time.perf_counter() - t
    _record_run(db, stats, started)
    return stats


def enrich_episodes(db: Database, episodes: pd.DataFrame, listings: pd.DataFrame, observations: pd.DataFrame,
                    presets: dict) -> pd.DataFrame:
    """Episodes as alerts store them: with the listing's category, currency, unit, quantity and its source,
    evidence hashes, the plain-language explanation and flags. ``observations``: at least the episodes' listings'
    (with shipping); ``listings``: as :func:`pricewatch.detect.load.load_listings` returns them."""
    episodes = episodes.drop(columns=[c for c in ("quantity_source",) if c in episodes])
    episodes = episodes.join(listings[["category", "currency", "unit", "quantity", "quantity_source"]],
                             on="listing_id")
    episodes["evidence"] = _evidence(db, episodes)
    components = price_components(_with_quantity(observations, episodes["listing_id"]), episodes)
    episodes["explanation"] = explain_all(episodes, presets, components, tz=db.settings.timezone)
    episodes["flags"] = [
        sorted(set(presets[r].flags if r in presets else ()) | ({"new_seller"} if k == "peer" else set()))
        for r, k in zip(episodes["rule"], episodes["baseline_kind"])
    ]
    from pricewatch.reports.signals import apply_signals

    return apply_signals(db, episodes, presets)  # confirmed public reports escalate; formal warnings hold back


def coverage_examples(report: pd.DataFrame, listings: pd.DataFrame) -> pd.DataFrame:
    """The first :data:`EXAMPLES_PER_REASON` listings of ``report`` per reason (lowest ids first, whatever order the
    database returned the listings in), with platform, listing_key, title."""
    missing = report[report["reason"].notna()].sort_values("listing_id", kind="stable")
    rows = missing.groupby("reason", sort=False).head(EXAMPLES_PER_REASON)
    return rows.join(listings[["platform", "listing_key", "title"]], on="listing_id")


def coverage_record(report: pd.DataFrame, listings: pd.DataFrame) -> dict:
    """The JSON stored in ``detect_run.coverage``: counts by status and reason, and example listings per reason."""
    return coverage_json(coverage_summary(report), coverage_examples(report, listings))


def coverage_json(counts: pd.DataFrame, examples_frame: pd.DataFrame) -> dict:
    """``detect_run.coverage`` from counts (:func:`analysis.coverage.coverage_summary`) and example rows
    (:func:`coverage_examples`)."""
    examples: dict[str, list[dict]] = {}
    for reason, rows in examples_frame.groupby("reason", sort=False):
        examples[str(reason)] = [
            {"listing_id": int(r.listing_id), "platform": r.platform, "listing_key": r.listing_key,
             "title": r.title, "detail": None if pd.isna(r.detail) else str(r.detail)}
            for r in rows.itertuples(index=False)
        ]
    return {
        "counts": [{"status": r.status, "reason": None if pd.isna(r.reason) else str(r.reason),
                    "listings": int(r.listings)}
                   for r in counts.itertuples(index=False)],
        "examples": examples,
    }


def _record_run(db: Database, stats: DetectStats, started) -> None:
    counts = stats.coverage.get("counts", [])
    with db.session() as s:
        run = DetectRun(started_at=started, finished_at=utcnow(), observations=stats.observations,
                        listings=stats.listings, evaluated=stats.evaluated, monitored=stats.monitored,
                        not_evaluated=sum(c["listings"] for c in counts if c["status"] == "not_evaluated"),
                        episodes=stats.episodes, coverage=stats.coverage)
        s.add(run)
        s.commit()
        stats.run_id = run.id


def last_run(db: Database) -> DetectRun | None:
    """The most recent ``detect_run`` (None before the first run)."""
    from sqlalchemy import select

    with db.session() as s:
        return s.scalars(select(DetectRun).order_by(DetectRun.id.desc()).limit(1)).first()


def _with_quantity(observations: pd.DataFrame, listing_ids: pd.Series) -> pd.DataFrame:
    """The violating listings' observations with their pack quantity, (price + shipping) / unit price."""
    sub = observations[observations["listing_id"].isin(listing_ids.unique())]
    with np.errstate(divide="ignore", invalid="ignore"):
        quantity = (sub["price"] + sub["shipping"]) / sub["unit_price"].where(sub["unit_price"] > 0)
    return sub.assign(quantity=quantity.round(6))


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
