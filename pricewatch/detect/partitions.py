"""Partitioned detection: the same alerts as one pass over everything, computed bucket by bucket in bounded memory.

Listings are split into N buckets of contiguous listing ids (:mod:`pricewatch.detect.buckets`). Detection then makes two passes:

1. **market pass** — each bucket's observations are streamed from the database and reduced to what the figures
   that need *all* listings are made of (:func:`analysis.detect.market_parts`): the category index's daily ratios,
   the monitor's market ratios, and the candidate and wanting peers. These are split by key into shards, and each
   shard is reduced on its own (:mod:`pricewatch.detect.market_pass`) to its part of the
   :class:`analysis.detect.MarketContext`: the category index, the monitor's market levels, the comparable
   category × currency × unit combinations and the peer baselines of the listings that need them. No process
   holds all listings' ratios or peers: the coordinator gets the shards' results (keys × days, and one row per
   listing that needs peers);
2. **judging pass** — each bucket is loaded again and judged against that context (:func:`analysis.detect.judge`),
   its episodes explained and their evidence attached, and its alerts and outbox rows written in one transaction
   per bucket (:func:`pricewatch.alerts.store.save_episodes`).

A median over all listings is the same number whichever bucket each value came from, and everything else is
computed listing by listing (or key by key), so the alerts are exactly those of a plain ``pricewatch detect``
(tests/test_detect_partitions.py). Peak memory is that of one bucket (or one shard) plus the context.

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

import pandas as pd

from analysis.coverage import combine_summaries, coverage_summary
from analysis.detect import MarketContext, judge, market_parts, prepare
from analysis.presets import Preset, load_presets
from pricewatch.alerts.store import SaveStats, save_episodes
from pricewatch.config import Settings
from pricewatch.detect.buckets import Bucket, listing_ranges
from pricewatch.detect.load import load_listings, load_observations
from pricewatch.detect.market_pass import BucketSummary, ShardPiece, context_from, reduce_shard, split_parts
from pricewatch.detect.run import DetectStats, _record_run, coverage_examples, coverage_json, enrich_episodes
from pricewatch.emergency import emergencies_frame
from pricewatch.store.engine import Database, open_database
from pricewatch.store.models import utcnow

LISTING_COLUMNS = ["category", "region", "currency", "unit", "quantity", "product_key", "quantity_source",
                   "unnormalised_reason"]
#: progress callback: (pass name, buckets done, buckets in all)
Progress = Callable[[str, int, int], None]


# --- what travels between the coordinator and the buckets ---------------------------------------------------------

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
                 monitor_uncovered: bool = True, spill: str | None = None, shards: int = 1,
                 ) -> tuple[BucketSummary, list[ShardPiece]]:
    """Market pass over one bucket: read its observations and listings from the database, return its summary and
    its parts split into ``shards`` pieces (:func:`pricewatch.detect.market_pass.split_parts`).

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
    return split_parts(market_parts(prep, monitor_uncovered), shards, n_obs, n_listings)


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

    def map_reduce(self, mapper: Callable, items: Iterable, args: tuple, shards: int, reducer: Callable,
                   folder: str, progress: Callable[[int], None] | None = None) -> tuple[list, list]:
        """``mapper(item, *args)`` returns (summary, one piece per shard); ``reducer(pieces of one shard from every
        item)`` its result. Pieces wait in one file per shard under ``folder`` (appended to as items finish), so
        memory holds one item, then one shard, at a time. Returns the summaries (in item order) and the results
        (in shard order)."""
        files = [Path(folder) / f"shard-{k}-of-{shards}.pickle" for k in range(shards)]
        Path(folder).mkdir(parents=True, exist_ok=True)
        summaries = []
        for done, item in enumerate(items, 1):
            summary, pieces = mapper(item, *args)
            for path, piece in zip(files, pieces):
                with path.open("ab") as out:
                    pickle.dump(piece, out, protocol=5)
            summaries.append(summary)
            del pieces
            if progress:
                progress(done)
        results = []
        for path in files:
            results.append(reducer(list(_pickles(path))) if path.exists() else reducer([]))
            path.unlink(missing_ok=True)
        return summaries, results

    def share(self, value):  # noqa: ANN001, ANN201 — nothing to ship in-process
        return value

    def database(self, db: Database) -> Database:
        return db  # the buckets use the coordinator's own engine

    def cleanup(self, folder: str) -> None:
        shutil.rmtree(folder, ignore_errors=True)


def _pickles(path: Path) -> Iterator:
    """Every object pickled one after another into ``path`` (by :meth:`InProcess.map_reduce` of this run)."""
    with path.open("rb") as f:
        while True:
            try:
                yield pickle.load(f)
            except EOFError:
                return


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
    every = listing_ranges(db, partitions)

    # each machine keeps its buckets' frames between the passes in a folder of its own temporary directory
    # (and the market pass's shards, in one process)
    work = str(Path(tempfile.gettempdir()) / f"pricewatch-buckets-{uuid.uuid4().hex[:12]}")
    try:
        return _run(db, runner, stats, started, every, settings, emergencies, presets, monitor_uncovered,
                    work if keep_frames else None, str(Path(work) / "market"), progress)
    finally:
        runner.cleanup(work)


def _run(db, runner, stats, started, every, settings, emergencies, presets, monitor_uncovered, spill,  # noqa: ANN001
         shuffle, progress) -> DetectStats:  # noqa: ANN001
    partitions = len(every)
    t = time.perf_counter()
    # as many shards as buckets: a shard holds about what one bucket sent, whatever the total
    summaries, results = runner.map_reduce(
        bucket_parts, every, (settings, emergencies, presets, monitor_uncovered, spill, partitions), partitions,
        reduce_shard, shuffle,
        (lambda done: progress("market", done, partitions)) if progress else None)
    stats.observations = sum(s.observations for s in summaries)
    stats.listings = sum(s.listings for s in summaries)
    context = context_from(summaries, results)
    del summaries, results
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


__all__ = ["Bucket", "BucketResult", "InProcess", "bucket_detection", "bucket_parts", "default_partitions",
           "run_partitioned"]
