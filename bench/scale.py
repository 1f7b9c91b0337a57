"""Scale benchmark on PostgreSQL: ingest and detection at 100k, 300k, 1M listings × 60 days.

    python bench/scale.py                          # 100k and 300k listings (one observation a day)
    python bench/scale.py --listings 100000 300000 1000000
    python bench/scale.py --listings 100000 --keep # keep the database (pw_scale_100000) for another run

For each size: a generated market (the labelled scenario's behaviours, in chunks of 10,000 listings with their own
ids) is written as a feed file and ingested with ``pricewatch ingest`` (COPY into a staging table on PostgreSQL) —
rows per second; then ``pricewatch detect`` runs three ways in a child process each, on the same database with the
alerts cleared before each run so every run opens them all:

- ``plain``: everything in one process (skipped with ``--no-plain-above`` listings, where it would not fit);
- ``partitions``: ``--partitions N`` (N = about 25,000 listings a bucket), one bucket at a time in one process;
- ``cluster``: ``--cluster local:2``, the same buckets on a Dask LocalCluster of two worker processes.

Wall time, and peak RSS of every process of the run (the coordinator, each Dask worker and nanny) sampled every
0.2 s with psutil: the table shows the coordinator's peak and the largest worker's. The PostgreSQL server's own
memory is not counted (it is shared and bounded by its configuration). The same alert count in every mode is
checked (tests/test_detect_partitions.py proves the alerts identical on a smaller panel).

Goals (issue 13): peak RSS per worker < 2 GB whatever the total; time linear in observations (the 1M run within
1.2× of 10× the 100k run); partitioned within 1.3× of plain where both fit.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil
from sqlalchemy import create_engine, text

ADMIN = os.environ.get("PRICEWATCH_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
ROOT = Path(__file__).resolve().parent.parent
PRICEWATCH = [sys.executable, "-m", "pricewatch"]
START = "2020-01-01"  # the generated market's first day (UTC)


@dataclass
class Run:
    listings: int
    mode: str
    seconds: float = 0.0
    observations: int = 0
    alerts: int = 0
    coordinator_mb: float = 0.0
    worker_mb: float = 0.0
    workers: int = 0
    note: str = ""
    peaks: dict = field(default_factory=dict)


def _url(name: str) -> str:
    return ADMIN.rpartition("/")[0] + "/" + name


def create_database(name: str, *, fresh: bool) -> bool:
    """Create database ``name`` (dropped first when ``fresh``); True when it already existed and is kept."""
    admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar()
        if exists and fresh:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            exists = False
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return bool(exists)


def _exists(name: str) -> bool:
    admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        found = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar()
    admin.dispose()
    return bool(found)


def drop_database(name: str) -> None:
    admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def write_feed(path: Path, listings: int, days: int) -> int:
    """The generated market as one CSV feed (one observation per listing and day); returns its rows."""
    from pricewatch.simulate.scenario import build_scenario

    rows = 0
    step = 10_000
    with path.open("w", encoding="utf-8") as out:
        for k, start in enumerate(range(0, listings, step)):
            sc = build_scenario(n_listings=min(step, listings - start), days=days, emergency_day=days // 2,
                                seed=100 + k, obs_per_day=(1, 1), start=START)
            frame = sc.feed()
            frame["listing_id"] = frame["listing_id"] + f"-{k}"
            frame.to_csv(out, index=False, header=(k == 0))
            rows += len(frame)
    return rows


class PeakSampler:
    """Peak RSS of a process and all its descendants, per process, sampled every ``interval`` seconds."""

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        self.root = psutil.Process(pid)
        self.interval = interval
        self.peaks: dict[int, tuple[str, float]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                procs = [self.root, *self.root.children(recursive=True)]
            except psutil.Error:
                break
            for p in procs:
                try:
                    rss = p.memory_info().rss / 2**20
                    role = _role(p)
                except psutil.Error:
                    continue
                old = self.peaks.get(p.pid, (role, 0.0))
                self.peaks[p.pid] = (role, max(old[1], rss))
            self._stop.wait(self.interval)

    def stop(self) -> dict[int, tuple[str, float]]:
        self._stop.set()
        self._thread.join()
        return self.peaks


def _role(p: psutil.Process) -> str:
    cmd = " ".join(p.cmdline())
    if "pricewatch" in cmd and "detect" in cmd:
        return "coordinator"
    if "resource_tracker" in cmd:
        return "other"
    if "spawn_main" in cmd or "forkserver" in cmd:
        return "worker"
    return "other"


def detect(url: str, folder: Path, listings: int, mode: str, args: list[str]) -> Run:
    env = dict(os.environ, PRICEWATCH_DATABASE_URL=url)
    env.pop("PRICEWATCH_CONFIG", None)
    engine = create_engine(url)
    with engine.begin() as conn:  # every run opens every alert: same work for each mode
        conn.execute(text("TRUNCATE alert, webhook_delivery, detect_run RESTART IDENTITY CASCADE"))
    engine.dispose()
    t = time.perf_counter()
    proc = subprocess.Popen([*PRICEWATCH, "detect", *args], env=env, cwd=folder, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    sampler = PeakSampler(proc.pid)
    out, err = proc.communicate()
    seconds = time.perf_counter() - t
    peaks = sampler.stop()
    run = Run(listings=listings, mode=mode, seconds=seconds, peaks=peaks)
    if proc.returncode:
        run.note = f"failed (exit {proc.returncode}): {err.strip().splitlines()[-1] if err.strip() else ''}"
        return run
    m = re.search(r"([\d,]+) observations of ([\d,]+) listings → ([\d,]+) violation episodes", out)
    if m:
        run.observations = int(m.group(1).replace(",", ""))
    m = re.search(r"alerts (\d+) opened", out)
    run.alerts = int(m.group(1)) if m else 0
    run.coordinator_mb = max((mb for role, mb in peaks.values() if role == "coordinator"), default=0.0)
    workers = [mb for role, mb in peaks.values() if role == "worker"]
    run.worker_mb = max(workers, default=0.0)
    run.workers = len(workers)
    timing = re.search(r"\[(.*)\]\s*$", out.splitlines()[0]) if out else None
    run.note = timing.group(1) if timing else ""
    return run


def replicate(source: int, listings: int) -> None:
    """Database ``pw_scale_<listings>`` as ``listings / source`` copies of ``pw_scale_<source>``'s market (listing
    keys suffixed ``-rK``), made inside PostgreSQL: the same data as ingesting the copies, minutes instead of hours
    on a shared machine. Ingest speed is measured on the ``source`` size."""
    from pricewatch.store.models import Listing, PriceObservation

    name = f"pw_scale_{listings}"
    admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "pw_scale_{source}"'))
    admin.dispose()
    copies = listings // source
    listing_cols = [c.name for c in Listing.__table__.columns if c.name != "id"]
    obs_cols = [c.name for c in PriceObservation.__table__.columns if c.name not in ("id", "listing_id")]
    engine = create_engine(_url(name))
    t = time.perf_counter()
    with engine.begin() as conn:
        top = conn.execute(text("SELECT max(id) FROM listing")).scalar()
        for k in range(1, copies):
            conn.execute(text("DROP TABLE IF EXISTS copy_map"))
            conn.execute(text("CREATE TEMP TABLE copy_map AS SELECT id AS old_id, "
                              "nextval(pg_get_serial_sequence('listing', 'id')) AS new_id FROM listing "
                              f"WHERE id <= {top}"))
            select_cols = ", ".join(f"l.{c} || '-r{k}'" if c == "listing_key" else f"l.{c}" for c in listing_cols)
            conn.execute(text(f"INSERT INTO listing (id, {', '.join(listing_cols)}) SELECT m.new_id, {select_cols} "
                              "FROM listing l JOIN copy_map m ON m.old_id = l.id"))
            conn.execute(text(f"INSERT INTO price_observation (listing_id, {', '.join(obs_cols)}) "
                              f"SELECT m.new_id, {', '.join('o.' + c for c in obs_cols)} FROM price_observation o "
                              "JOIN copy_map m ON m.old_id = o.listing_id"))
            print(f"[{listings:,}] copy {k} of the {source:,}-listing market made ({time.perf_counter() - t:.0f}s)",
                  flush=True)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def bench_size(listings: int, days: int, keep: bool, plain_up_to: int, folder: Path,
               replicate_from: int | None = None, only: list[str] | None = None) -> tuple[float, list[Run]]:
    name = f"pw_scale_{listings}"
    url = _url(name)
    rate = float("nan")
    if replicate_from:
        if not (keep and _exists(name)):
            replicate(replicate_from, listings)
        kept = True
    else:
        kept = create_database(name, fresh=not keep)
    if not kept:
        feed = folder / f"scale-{listings}.csv"
        t = time.perf_counter()
        rows = write_feed(feed, listings, days)
        print(f"[{listings:,}] generated {rows:,} rows ({feed.stat().st_size / 1e6:,.0f} MB) in "
              f"{time.perf_counter() - t:.0f}s", flush=True)
        env = dict(os.environ, PRICEWATCH_DATABASE_URL=url)
        # the months of the market get their own partitions before loading, as a regulator loading history would
        # (docs/scale.md): rows go straight to their month, none through DEFAULT
        subprocess.run([*PRICEWATCH, "db", "partitions", "--since", START[:7]], env=env, cwd=folder, check=True,
                       capture_output=True)
        t = time.perf_counter()
        proc = subprocess.run([*PRICEWATCH, "ingest", str(feed), "--source", "scale"], env=env, cwd=folder,
                              capture_output=True, text=True)
        elapsed = time.perf_counter() - t
        if proc.returncode:
            sys.exit(f"ingest failed: {proc.stderr[-2000:]}")
        rate = rows / elapsed
        print(f"[{listings:,}] ingest: {rows:,} rows in {elapsed:.0f}s = {rate:,.0f} rows/s", flush=True)
        feed.unlink()
        from pricewatch.emergency import add_emergency
        from pricewatch.simulate.scenario import build_scenario
        from pricewatch.store import open_database

        db = open_database(url=url)
        for e in build_scenario(n_listings=10, days=days, emergency_day=days // 2, seed=100).emergency:
            add_emergency(db, name=e["name"], jurisdiction=e["jurisdiction"], start=e["start"].to_pydatetime(),
                          rules=e["rules"])
        db.engine.dispose()
        with create_engine(url, isolation_level="AUTOCOMMIT").connect() as conn:
            conn.execute(text("VACUUM ANALYZE"))
    partitions = max(1, -(-listings // 25_000))
    runs = []
    modes = [("partitions", ["--partitions", str(partitions)]), ("cluster local:2", ["--cluster", "local:2"])]
    if listings <= plain_up_to:
        modes.insert(0, ("plain", []))
    if only:
        modes = [(m, a) for m, a in modes if m.split()[0] in only]
    for mode, args in modes:
        run = detect(url, folder, listings, mode, args)
        runs.append(run)
        print(f"[{listings:,}] {mode}: {run.seconds:.1f}s, coordinator {run.coordinator_mb:,.0f} MB, "
              f"largest worker {run.worker_mb:,.0f} MB ({run.workers} worker processes), {run.alerts:,} alerts "
              f"— {run.note}", flush=True)
    if not keep:
        drop_database(name)
    return rate, runs


def table(results: dict[int, tuple[float, list[Run]]]) -> None:
    from rich.console import Console
    from rich.table import Table

    t = Table(title="bench/scale.py — PostgreSQL, generated market × 60 days, one observation a day")
    for column in ("listings", "observations", "ingest rows/s", "mode", "wall s", "s per M obs",
                   "coordinator MB", "largest worker MB", "alerts"):
        t.add_column(column, justify="left" if column == "mode" else "right")
    for listings, (rate, runs) in results.items():
        for i, r in enumerate(runs):
            per = r.seconds / (r.observations / 1e6) if r.observations else float("nan")
            t.add_row(f"{listings:,}" if i == 0 else "", f"{r.observations:,}" if i == 0 else "",
                      f"{rate:,.0f}" if i == 0 and rate == rate else "", r.mode, f"{r.seconds:.1f}",
                      f"{per:.1f}", f"{r.coordinator_mb:,.0f}", f"{r.worker_mb:,.0f}" if r.workers else "-",
                      f"{r.alerts:,}")
    Console(width=170).print(t)
    by = {(n, r.mode): r for n, (_, runs) in results.items() for r in runs}
    for n in results:
        plain, part = by.get((n, "plain")), by.get((n, "partitions"))
        if plain and part and plain.seconds:
            print(f"{n:,}: partitioned / plain = {part.seconds / plain.seconds:.2f} (goal ≤ 1.3)")
    sizes = sorted(results)
    for mode in ("partitions", "cluster local:2"):
        small, big = by.get((sizes[0], mode)), by.get((sizes[-1], mode))
        if small and big and small is not big and small.observations:
            factor = big.observations / small.observations
            print(f"{mode}: {sizes[-1]:,} vs {sizes[0]:,} listings: {big.seconds / small.seconds:.2f}× the time for "
                  f"{factor:.1f}× the observations (linear: {big.seconds / (small.seconds * factor):.2f}, goal ≤ 1.2)")
    workers = [r.worker_mb for _, runs in results.values() for r in runs if r.workers]
    if workers:
        print(f"largest worker peak RSS: {max(workers):,.0f} MB (goal < 2,048 MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--listings", type=int, nargs="+", default=[100_000, 300_000])
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--plain-up-to", type=int, default=300_000,
                        help="run the plain (one-process) detection only up to this many listings")
    parser.add_argument("--keep", action="store_true",
                        help="keep the databases pw_scale_<listings>, and reuse those a previous --keep run left")
    parser.add_argument("--replicate", action="store_true",
                        help="make the larger sizes as copies of the first one inside PostgreSQL (ingest measured "
                        "on the first size only)")
    parser.add_argument("--only", nargs="+", default=None,
                        help="detection modes to run (plain, partitions, cluster; none: only build the databases)")
    parser.add_argument("--folder", help="working folder for the feed files (default: a temporary one)")
    args = parser.parse_args()
    folder = Path(args.folder or tempfile.mkdtemp(prefix="pw-bench-scale-"))
    folder.mkdir(parents=True, exist_ok=True)
    results = {}
    first = args.listings[0]
    for n in args.listings:
        source = first if args.replicate and n != first and n % first == 0 else None
        results[n] = bench_size(n, args.days, args.keep or n == first and args.replicate, args.plain_up_to, folder,
                                replicate_from=source, only=args.only)
    table(results)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
