"""Partitioned detection: the same alerts as one pass over everything, computed bucket by bucket in bounded memory.

Listings are split into N hash buckets (:mod:`pricewatch.detect.buckets`). Detection then makes two passes:

1. **market pass** — each bucket's observations are streamed from the database and reduced to what the figures
   that need *all* listings are made of (:func:`analysis.detect.market_parts`): the category index's daily ratios,
   the monitor's market ratios, and the candidate peers' baselines. These are a few numbers per listing-day
   (16 bytes, against ~360 bytes per observation for a whole detection), gathered once into the
   :class:`analysis.detect.MarketContext`: the category index, the monitor's market levels, the comparable
   category × currency × unit combinations and the peer baselines of the listings that need them;
2. **judging pass** — each bucket is loaded again and judged against that context (:func:`analysis.detect.judge`),
   its episodes explained and their evidence attached, and its alerts and outbox rows written in one transaction
   per bucket (:func:`pricewatch.alerts.store.save_episodes`).

A median over all listings is the same number whichever bucket each value came from, and everything else is
computed listing by listing, so the alerts are exactly those of a plain ``pricewatch detect``
(tests/test_detect_partitions.py). Peak memory is that of one bucket plus the context.

Buckets run one after another in this process, or on a Dask cluster (:mod:`pricewatch.detect.cluster`): the two
task functions, :func:`bucket_parts` and :func:`bucket_detection`, open the database themselves and return plain
DataFrames, so a worker needs only the database URL.
"""

from __future__ import annotations

import pickle
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.coverage import combine_summaries, coverage_summary
from analysis.detect import (
    MarketContext,
    MarketParts,
    combine_parts,
    judge,
    market_context,
    market_parts,
    prepare,
)
from analysis.detectors import MARKET_KEYS, market_levels
from analysis.market import index_from_ratios
from analysis.presets import Preset, load_presets
from pricewatch.alerts.store import SaveStats, save_episodes
from pricewatch.config import Settings
from pricewatch.detect.buckets import Bucket, buckets
from pricewatch.detect.load import load_listings, load_observations
from pricewatch.detect.run import DetectStats, _record_run, coverage_examples, coverage_json, enrich_episodes
from pricewatch.emergency import emergencies_frame
from pricewatch.store.engine import Database, open_database
from pricewatch.store.models import utcnow

LISTING_COLUMNS = ["category", "region", "currency", "unit", "quantity", "product_key", "quantity_source",
                   "unnormalised_reason"]
DAY_NS = 86_400_000_000_000
#: progress callback: (pass name, buckets done, buckets in all)
Progress = Callable[[str, int, int], None]


# --- what travels between the coordinator and the buckets ---------------------------------------------------------

@dataclass
class Ratios:
    """Per listing-day ratios in compact form: a group code (into ``groups``: the key columns), the day (days since
    1970-01-01 UTC) and the value. 16 bytes a row instead of three object columns and a timestamp."""
    groups: pd.DataFrame      # one row per group: the key columns
    group: np.ndarray         # int32
    day: np.ndarray           # int32
    value: np.ndarray         # float64

    @classmethod
    def pack(cls, frame: pd.DataFrame, keys: list[str], value: str) -> Ratios:
        grouped = frame.groupby(keys, dropna=False, sort=True)
        codes = grouped.ngroup().to_numpy(dtype="int32")
        groups = grouped.size().index.to_frame(index=False)[keys] if len(frame) else pd.DataFrame(columns=keys)
        days = (pd.to_datetime(frame["day"], utc=True).to_numpy(dtype="datetime64[ns]").view("int64") // DAY_NS)
        return cls(groups=groups, group=codes, day=days.astype("int32"), value=frame[value].to_numpy("float64"))

    @staticmethod
    def concat(parts: list[Ratios], keys: list[str]) -> Ratios:
        """One set of ratios with group codes common to all parts."""
        parts = [p for p in parts if len(p.group)]
        if not parts:
            return Ratios(pd.DataFrame(columns=keys), np.empty(0, "int32"), np.empty(0, "int32"), np.empty(0))
        table = pd.concat([p.groups for p in parts], ignore_index=True).drop_duplicates().reset_index(drop=True)
        table["_code"] = np.arange(len(table), dtype="int32")
        codes = []
        for p in parts:
            # merge matches missing keys with missing keys, as the groupby that made the codes grouped them
            mapping = p.groups.merge(table, on=keys, how="left")["_code"].to_numpy(dtype="int32")
            codes.append(mapping[p.group])
        return Ratios(groups=table.drop(columns="_code"), group=np.concatenate(codes),
                      day=np.concatenate([p.day for p in parts]), value=np.concatenate([p.value for p in parts]))

    def frame(self, value: str) -> pd.DataFrame:
        return pd.DataFrame({"group": self.group, "day": self.day, value: self.value})

    def decode(self, result: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
        """``result`` grouped by group code and day back to the key columns and UTC days, sorted by them."""
        out = self.groups.iloc[result["group"].to_numpy()].reset_index(drop=True)
        out["day"] = pd.to_datetime(result["day"].to_numpy(dtype="int64") * DAY_NS, utc=True)
        for column in result.columns.drop(["group", "day"]):
            out[column] = result[column].to_numpy()
        return out.sort_values([*keys, "day"], kind="stable", na_position="last").reset_index(drop=True)


@dataclass
class BucketParts:
    """What one bucket contributes to the market context (the compact form of :class:`MarketParts`)."""
    index_ratios: Ratios
    market_ratios: Ratios
    peer_base: pd.DataFrame
    peer_meta: pd.DataFrame
    wanted: pd.Index
    observations: int
    listings: int


@dataclass
class BucketResult:
    """One judged bucket: its explained episodes (ready for the alert store), coverage counts and examples."""
    bucket: Bucket
    episodes: pd.DataFrame
    coverage: pd.DataFrame    # analysis.coverage.coverage_summary
    examples: pd.DataFrame    # run.coverage_examples
    observations: int
    listings: int
    seconds: float


# --- the two bucket tasks (run here or on a Dask worker) ----------------------------------------------------------

_DATABASES: dict[str, Database] = {}


def worker_settings(db: Database) -> Settings:
    """The settings a bucket task needs (the database's URL and the display zone): nothing else of the
    configuration — no webhook secrets or mail passwords — travels to the workers."""
    return Settings(database_url=db.engine.url.render_as_string(hide_password=False), timezone=db.settings.timezone)


def _database(settings: Settings | Database) -> Database:
    """The coordinator's own database when the bucket runs in its process; on a worker, one engine per process and
    database, reused by every bucket the process runs."""
    if isinstance(settings, Database):
        return settings
    db = _DATABASES.get(settings.database_url)
    if db is None:
        db = _DATABASES[settings.database_url] = open_database(settings, auto_upgrade=False)
    return db


def _capped(emergencies: pd.DataFrame, presets: dict[str, Preset]) -> bool:
    return any(presets[r].capped for r in emergencies["rule"] if r in presets) if len(emergencies) else False


def _spill_path(spill: str | None, bucket: Bucket) -> Path | None:
    return Path(spill) / f"bucket-{bucket.index}-of-{bucket.count}.pickle" if spill else None


def _load_bucket(db: Database, bucket: Bucket) -> tuple[pd.DataFrame, pd.DataFrame]:
    return load_observations(db, with_shipping=True, bucket=bucket), load_listings(db, bucket=bucket)


def bucket_parts(bucket: Bucket, settings: Settings | Database, emergencies: pd.DataFrame, presets: dict[str, Preset],
                 monitor_uncovered: bool = True, spill: str | None = None) -> BucketParts:
    """Market pass over one bucket: read its observations and listings from the database, return its parts.

    With ``spill`` (a folder on this machine) the bucket's loaded and prepared frames are kept there for the
    judging pass, which then neither reads the database again nor recomputes the daily series and baselines —
    and judges exactly the data the market context was computed from, whatever was ingested meanwhile."""
    db = _database(settings)
    observations, listings = _load_bucket(db, bucket)
    prep = prepare(observations, listings[LISTING_COLUMNS], emergencies, presets)
    n_obs, n_listings = len(observations), len(listings)
    path = _spill_path(spill, bucket)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as out:  # pickle protocol 5: numpy columns written as they are, no conversion
            pickle.dump((observations, listings, prep), out, protocol=5)
    del observations, listings
    parts = market_parts(prep, monitor_uncovered)
    # the index leaves out listings with a missing key (its groupby drops them); the monitor's levels keep them
    index_ratios = parts.index_ratios.dropna(subset=MARKET_KEYS)
    return BucketParts(index_ratios=Ratios.pack(index_ratios, MARKET_KEYS, "ratio"),
                       market_ratios=Ratios.pack(parts.market_ratios, MARKET_KEYS, "relative"),
                       peer_base=parts.peer_base, peer_meta=parts.peer_meta, wanted=parts.wanted,
                       observations=n_obs, listings=n_listings)


def bucket_detection(bucket: Bucket, settings: Settings | Database, context: MarketContext, emergencies: pd.DataFrame,
                     presets: dict[str, Preset], monitor_uncovered: bool = True,
                     spill: str | None = None) -> BucketResult:
    """Judging pass over one bucket: its episodes explained, with evidence, and its coverage (nothing written).
    Uses the market pass's spilled frames when this machine has them (then deletes them), else reads the bucket
    from the database again."""
    t = time.perf_counter()
    db = _database(settings)
    path = _spill_path(spill, bucket)
    if path is not None and path.exists():
        with path.open("rb") as f:
            observations, listings, prep = pickle.load(f)  # written by bucket_parts of this run, on this machine
        path.unlink()
    else:
        observations, listings = _load_bucket(db, bucket)
        prep = prepare(observations, listings[LISTING_COLUMNS], emergencies, presets)
    result = judge(prep, context, presets, monitor_uncovered)
    episodes = result.episodes
    if len(episodes):
        episodes = enrich_episodes(db, episodes, listings, observations, presets)
    return BucketResult(bucket=bucket, episodes=episodes, coverage=coverage_summary(result.coverage),
                        examples=coverage_examples(result.coverage, listings), observations=len(observations),
                        listings=len(listings), seconds=time.perf_counter() - t)


# --- the coordinator ----------------------------------------------------------------------------------------------

class InProcess:
    """Runs bucket tasks one after another in this process (peak memory: one bucket)."""

    def map(self, function: Callable, items: Iterable, *args, **kwargs) -> Iterator:
        for item in items:
            yield function(item, *args, **kwargs)

    def share(self, value):  # noqa: ANN001, ANN201 — nothing to ship in-process
        return value

    def database(self, db: Database) -> Database:
        return db  # the buckets use the coordinator's own engine

    def cleanup(self, folder: str) -> None:
        shutil.rmtree(folder, ignore_errors=True)


def context_from(parts: list[BucketParts]) -> MarketContext:
    """The market context from every bucket's parts (exactly that of one pass over all listings)."""
    index_ratios = Ratios.concat([p.index_ratios for p in parts], MARKET_KEYS)
    market = Ratios.concat([p.market_ratios for p in parts], MARKET_KEYS)
    combined = combine_parts([MarketParts(index_ratios=pd.DataFrame(), market_ratios=pd.DataFrame(),
                                          peer_base=p.peer_base, peer_meta=p.peer_meta, wanted=p.wanted)
                              for p in parts])
    # the peers, comparable combinations and flags come from the plain function; the two medians from the compact
    # ratios (grouped by code, then decoded: the same numbers as grouping by the key columns)
    context = market_context(MarketParts(index_ratios=pd.DataFrame(), market_ratios=pd.DataFrame(),
                                         peer_base=combined.peer_base, peer_meta=combined.peer_meta,
                                         wanted=combined.wanted))
    if len(index_ratios.group):
        index = index_from_ratios(index_ratios.frame("ratio"), keys=["group"])
        context.index = index_ratios.decode(index, MARKET_KEYS)[[*MARKET_KEYS, "day", "index", "n_listings"]]
    if len(market.group):
        levels = market_levels(market.frame("relative"), keys=["group"])
        context.levels = market.decode(levels, MARKET_KEYS)[[*MARKET_KEYS, "day", "level"]]
    return context


def default_partitions(db: Database, workers: int = 1, listings_per_bucket: int = 25_000) -> int:
    """Buckets for a run: about ``listings_per_bucket`` listings each (≈ 2 M observations at 90 days, well under a
    gigabyte of working memory), and at least two per worker so a slow bucket does not leave workers idle."""
    from sqlalchemy import func, select

    from pricewatch.store.models import Listing

    with db.session() as s:
        n = s.scalar(select(func.count()).select_from(Listing)) or 0
    return max(2 * workers if workers > 1 else 1, -(-n // listings_per_bucket))


def run_partitioned(db: Database, partitions: int, *, monitor_uncovered: bool = True, runner=None,  # noqa: ANN001
                    progress: Progress | None = None, keep_frames: bool = True) -> DetectStats:
    """Detect in ``partitions`` listing buckets (see the module docstring) with ``runner`` (:class:`InProcess`
    by default, or :class:`pricewatch.detect.cluster.DaskRunner`). Writes alerts and outbox rows in one
    transaction per bucket as buckets finish, and the run's coverage; returns the same counts as a plain run.

    ``keep_frames``: each bucket's loaded and prepared frames wait on local disk between the two passes (about 100
    bytes per observation, deleted as each bucket is judged) instead of being read from the database and prepared
    again; a bucket judged on another machine than the one that made its market pass reads the database."""
    runner = runner or InProcess()
    stats = DetectStats()
    started = utcnow()
    emergencies = emergencies_frame(db)
    presets = load_presets()
    settings = runner.database(db)
    every = buckets(partitions)

    # each machine keeps its buckets' frames between the passes in a folder of its own temporary directory
    spill = str(Path(tempfile.gettempdir()) / f"pricewatch-buckets-{uuid.uuid4().hex[:12]}") if keep_frames else None
    try:
        return _run(db, runner, stats, started, every, settings, emergencies, presets, monitor_uncovered, spill,
                    progress)
    finally:
        if spill is not None:
            runner.cleanup(spill)


def _run(db, runner, stats, started, every, settings, emergencies, presets, monitor_uncovered, spill,  # noqa: ANN001
         progress) -> DetectStats:  # noqa: ANN001
    partitions = len(every)
    t = time.perf_counter()
    parts = []
    for done, part in enumerate(runner.map(bucket_parts, every, settings, emergencies, presets,
                                           monitor_uncovered, spill), 1):
        parts.append(part)
        if progress:
            progress("market", done, partitions)
    stats.observations = sum(p.observations for p in parts)
    stats.listings = sum(p.listings for p in parts)
    context = context_from(parts)
    del parts
    stats.seconds["market"] = time.perf_counter() - t

    t = time.perf_counter()
    stored = 0.0
    summaries, examples, rules = [], [], []
    shared = runner.share(context)
    for done, result in enumerate(runner.map(bucket_detection, every, settings, shared, emergencies, presets,
                                             monitor_uncovered, spill), 1):
        episodes = result.episodes
        if len(episodes):
            s = time.perf_counter()
            saved = save_episodes(db, episodes)  # alerts and outbox rows of this bucket: one transaction
            stored += time.perf_counter() - s
            _add(stats.alerts, saved)
            rules.append(episodes["rule"])
        stats.episodes += len(episodes)
        summaries.append(result.coverage)
        examples.append(result.examples)
        if progress:
            progress("detect", done, partitions)
    stats.seconds["detect"] = time.perf_counter() - t - stored
    stats.seconds["store"] = stored
    stats.by_rule = pd.concat(rules).value_counts().to_dict() if rules else {}
    stats.coverage = _coverage(summaries, examples) if stats.observations else {"counts": [], "examples": {}}
    _record_run(db, stats, started)
    return stats


def _add(total: SaveStats, part: SaveStats) -> None:
    for name in ("opened", "updated", "closed", "unchanged"):
        setattr(total, name, getattr(total, name) + getattr(part, name))


def _coverage(summaries: list[pd.DataFrame], examples: list[pd.DataFrame]) -> dict:
    """The run's ``detect_run.coverage``: counts added up; examples the first listings per reason by id, as one
    pass over the listings in id order picks them."""
    from pricewatch.detect.run import EXAMPLES_PER_REASON

    kept = [e for e in examples if len(e)]
    rows = pd.concat(kept, ignore_index=True).sort_values("listing_id", kind="stable") if kept else \
        pd.DataFrame(columns=["listing_id", "reason", "detail", "platform", "listing_key", "title"])
    rows = rows.groupby("reason", sort=False).head(EXAMPLES_PER_REASON) if len(rows) else rows
    return coverage_json(combine_summaries(summaries), rows)


__all__ = ["Bucket", "BucketParts", "BucketResult", "InProcess", "bucket_detection", "bucket_parts",
           "context_from", "default_partitions", "run_partitioned"]
