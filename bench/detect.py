"""Detection benchmark: accuracy on a labelled panel, and speed at scale.

    python bench/detect.py                 # evaluation: 1,500 listings × 80 days, with the reference detectors
    python bench/detect.py --scale         # speed: 100,000 listings × 90 days (~9 M observations) in SQLite

Accuracy: runs ``pricewatch.evaluate`` (scenario → ingest → emergency → detect → export) and prints precision,
recall, F1 overall and per behaviour, false alarms per clean behaviour, the median detection delay, and in the same
run the naive rule "latest > 1.1 × first" and ADTK LevelShiftAD (re-implemented) on the same panel.

Speed: builds the database once (generation and ingestion are not timed), then times ``pricewatch detect`` end to
end in a child process (load + detect + store alerts) and reads its peak RSS; in the same run it times the same
detectors as a per-listing Python loop on a random sample of listings and extrapolates to all of them (running the
loop over 100,000 listings would take hours; the sample size is printed). Goals: < 60 s, < 4 GB, ≥ 20× the loop.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analysis.detect import detect  # noqa: E402
from analysis.presets import load_presets  # noqa: E402


def accuracy(args: argparse.Namespace) -> None:
    from pricewatch.evaluate import evaluate_panel, render
    from pricewatch.store import open_database

    folder = Path(tempfile.mkdtemp(prefix="pw-bench-detect-"))
    db = open_database(url=f"sqlite:///{folder / 'panel.db'}")
    ev = evaluate_panel(db, n_listings=args.listings, days=args.days, seed=args.seed, workdir=folder,
                        progress=lambda m: print(m, flush=True))
    print(render(ev))


def build_scale_db(folder: Path, listings: int, days: int) -> Path:
    from pricewatch.emergency import add_emergency
    from pricewatch.ingest import ingest_files
    from pricewatch.simulate.scenario import build_scenario
    from pricewatch.store import open_database

    feed = folder / "scale.csv"
    step = 10_000
    t = time.perf_counter()
    with feed.open("w", encoding="utf-8") as out:
        for k, start in enumerate(range(0, listings, step)):
            sc = build_scenario(n_listings=min(step, listings - start), days=days, emergency_day=days // 2,
                                seed=100 + k, obs_per_day=(1, 1))
            frame = sc.feed()
            frame["listing_id"] = frame["listing_id"] + f"-{k}"
            frame.to_csv(out, index=False, header=(k == 0))
            emergencies = sc.emergency
    print(f"generated {feed.stat().st_size / 1e6:,.0f} MB feed in {time.perf_counter() - t:.0f}s", flush=True)
    dbfile = folder / "scale.db"
    db = open_database(url=f"sqlite:///{dbfile}")
    t = time.perf_counter()
    stats = ingest_files(db, [feed], source="scale")
    print(f"ingested: {stats.summary()} in {time.perf_counter() - t:.0f}s", flush=True)
    for e in emergencies:
        add_emergency(db, name=e["name"], jurisdiction=e["jurisdiction"], start=e["start"].to_pydatetime(),
                      rules=e["rules"])
    feed.unlink()
    return dbfile


def per_listing_loop(dbfile: Path, sample: int, seed: int = 1) -> tuple[float, int, int]:
    """The same detectors, one listing at a time (own baseline, rules; no cross-listing market index)."""
    from pricewatch.detect.load import load_listings, load_observations
    from pricewatch.emergency import emergencies_frame
    from pricewatch.store import open_database

    db = open_database(url=f"sqlite:///{dbfile}")
    obs = load_observations(db)
    listings = load_listings(db)[["category", "region", "currency", "unit", "quantity"]]
    emergencies = emergencies_frame(db)
    presets = load_presets()
    ids = np.random.default_rng(seed).choice(listings.index.to_numpy(), size=min(sample, len(listings)), replace=False)
    groups = dict(tuple(obs[obs["listing_id"].isin(ids)].groupby("listing_id")))
    t = time.perf_counter()
    for lid in ids:
        detect(groups[lid], listings.loc[[lid]], emergencies, presets, monitor_uncovered=False)
    return time.perf_counter() - t, len(ids), len(listings)


def scale(args: argparse.Namespace) -> None:
    folder = Path(args.keep or tempfile.mkdtemp(prefix="pw-bench-scale-"))
    folder.mkdir(parents=True, exist_ok=True)
    dbfile = folder / "scale.db"
    if not dbfile.exists():
        dbfile = build_scale_db(folder, args.listings, args.days)
    env = dict(os.environ, PRICEWATCH_DATABASE_URL=f"sqlite:///{dbfile}")
    runs = []
    for attempt in range(2):  # first run opens the alerts, the second finds them all in place (idempotent)
        t = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "pricewatch", "detect", "--no-monitor"], env=env, cwd=folder,
                              capture_output=True, text=True)
        elapsed = time.perf_counter() - t
        if proc.returncode:
            sys.exit(proc.stderr)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        runs.append(elapsed)
        print(f"detect run {attempt + 1}: {elapsed:6.1f}s end to end, peak RSS so far {peak:,.0f} MB\n  "
              f"{proc.stdout.strip()}", flush=True)
    loop_s, n, total = per_listing_loop(dbfile, args.sample)
    projected = loop_s / n * total
    print(f"per-listing Python loop: {loop_s:.1f}s for {n:,} sampled listings → {projected:,.0f}s projected for "
          f"{total:,}")
    print(f"vectorised detect {runs[0]:.1f}s vs loop {projected:,.0f}s: {projected / runs[0]:.0f}× faster "
          f"(goals: < 60 s, < 4 GB, ≥ 20×)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", action="store_true", help="speed benchmark instead of accuracy")
    parser.add_argument("--listings", type=int, help="listings (default 1,500; 100,000 with --scale)")
    parser.add_argument("--days", type=int, help="days (default 80; 90 with --scale)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--sample", type=int, default=500, help="listings timed in the per-listing loop")
    parser.add_argument("--keep", help="--scale: keep (and reuse) the database in this folder")
    args = parser.parse_args()
    if args.scale:
        args.listings = args.listings or 100_000
        args.days = args.days or 90
        scale(args)
    else:
        args.listings = args.listings or 1500
        args.days = args.days or 80
        accuracy(args)


if __name__ == "__main__":
    pd.set_option("display.width", 160)
    main()
