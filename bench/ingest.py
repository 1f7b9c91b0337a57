"""Ingestion benchmark: `pricewatch ingest` end to end vs the raw SQLite insert floor, in one run.

    python bench/ingest.py [--rows 1000000] [--listings 20000] [--keep DIR]

1. Generates a feed v1 CSV (``--rows`` rows over ``--listings`` listings, Chinese and English titles, some
   shipping, a few bad rows) — not timed.
2. Times ``pricewatch ingest FILE`` in a child process on a fresh SQLite file (parsing, validation,
   normalisation, listing upserts, quarantine, commit) and reads the child's peak RSS.
3. Times it again on the same file (re-ingest: every row a duplicate).
4. Times the floor: plain ``sqlite3`` ``executemany`` of ``INSERT … ON CONFLICT DO NOTHING`` of the same rows,
   already parsed into tuples, into a table with the same unique index.

Prints rows/s for each and the ratio to the floor. Goals (issue 2): end to end ≥ 0.5 × floor, peak memory
< 1 GB, re-ingest at least as fast as the first ingest.
"""

from __future__ import annotations

import argparse
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

TITLES = [
    ("医用外科口罩 50只/盒", 29.9), ("KN95 口罩 10只/袋×5袋", 89.0), ("75%酒精消毒液 500ml*2瓶", 39.9),
    ("84消毒液 5L", 49.0), ("免洗洗手液 500ml", 25.0), ("丁腈手套 100只/盒", 45.0),
    ("Disposable Face Masks 50 Count (Pack of 2)", 19.99), ("Hand Sanitizer 16 fl oz", 6.99),
    ("Disinfecting Wipes 75 ct, 3 Pack", 12.49), ("N95 Respirator 20 PCS", 39.0),
]


def generate(path: Path, rows: int, listings: int, seed: int = 1) -> None:
    rng = np.random.default_rng(seed)
    per = rows // listings
    # day-major, as a daily platform feed arrives: every listing's observation for day 0, then day 1…
    lid = np.tile(np.arange(listings), per)
    day = np.repeat(np.arange(per), listings)
    kind = lid % len(TITLES)
    cn = kind < 6
    base = np.array([p for _, p in TITLES])[kind] * rng.uniform(0.8, 1.2, listings)[lid]
    price = np.round(base * rng.uniform(0.97, 1.03, len(lid)), 2)
    start = np.datetime64("2020-01-01T02:00:00")
    ts = start + day.astype("timedelta64[D]") + (lid % 600).astype("timedelta64[m]")
    frame = pd.DataFrame({
        "platform": np.where(cn, "jd", "shopus"),
        "listing_id": (lid + 100000).astype(str),
        "observed_at": pd.Series(ts).dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "price": price.astype(str),
        "currency": np.where(cn, "CNY", "USD"),
        "seller_id": (lid // 7).astype(str),
        "title": np.array([t for t, _ in TITLES], dtype=object)[kind],
        "shipping": np.where(lid % 5 == 0, "5.00", ""),
        "availability": "in_stock",
        "region": np.where(cn, "CN", "US"),
    })
    frame.loc[frame.index[::50_000], "price"] = "n/a"  # a few bad rows go to quarantine
    frame.to_csv(path, index=False)


def run_ingest(path: Path, workdir: Path) -> tuple[float, float, str]:
    env = dict(os.environ, PRICEWATCH_DATABASE_URL=f"sqlite:///{workdir / 'bench.db'}")
    env.pop("PRICEWATCH_CONFIG", None)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "pricewatch", "ingest", "--no-progress", str(path)],
                          cwd=workdir, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    peak_mb = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before) / 1024
    if proc.returncode != 0:
        sys.exit(f"ingest failed: {proc.stderr}")
    return elapsed, peak_mb, proc.stdout.strip()


def floor(path: Path, workdir: Path) -> tuple[float, int]:
    """Raw sqlite3 executemany of already-parsed rows into a table with the same unique index."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame = frame[frame["price"] != "n/a"]
    ids = pd.factorize(frame["platform"] + "/" + frame["listing_id"])[0] + 1
    ts = pd.to_datetime(frame["observed_at"], utc=True).dt.strftime("%Y-%m-%d %H:%M:%S.%f")
    price = frame["price"].astype(float)
    shipping = pd.to_numeric(frame["shipping"], errors="coerce")
    n = len(frame)
    # the same 12 columns as price_observation, already computed
    rows = list(zip(ids.tolist(), ts.tolist(), price.tolist(), shipping.tolist(), frame["currency"].tolist(),
                    frame["availability"].tolist(), [50.0] * n, ["piece"] * n, (price / 50).tolist(),
                    [None] * n, ["feed"] * n, [None] * n))
    con = sqlite3.connect(workdir / "floor.db")
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute("CREATE TABLE obs (id INTEGER PRIMARY KEY, listing_id INTEGER, observed_at DATETIME, "
                "price NUMERIC, shipping NUMERIC, currency VARCHAR(3), availability VARCHAR(16), quantity FLOAT, "
                "quantity_unit VARCHAR(8), unit_price FLOAT, list_price NUMERIC, source VARCHAR(128), "
                "snapshot_sha256 VARCHAR(64), UNIQUE (listing_id, observed_at, source))")
    con.execute("CREATE INDEX obs_time ON obs (observed_at)")  # price_observation has this index too
    t0 = time.perf_counter()
    con.executemany("INSERT INTO obs (listing_id, observed_at, price, shipping, currency, availability, quantity, "
                    "quantity_unit, unit_price, list_price, source, snapshot_sha256) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING", rows)
    con.commit()
    elapsed = time.perf_counter() - t0
    con.close()
    return elapsed, len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--listings", type=int, default=20_000)
    parser.add_argument("--keep", type=Path, help="keep the generated files in this folder")
    args = parser.parse_args()
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="pw-bench-ingest-"))
    workdir.mkdir(parents=True, exist_ok=True)
    for stale in workdir.glob("*.db*"):
        stale.unlink()
    feed = workdir / "feed.csv"
    t0 = time.perf_counter()
    generate(feed, args.rows, args.listings)
    print(f"generated {args.rows:,} rows / {args.listings:,} listings in {time.perf_counter() - t0:.1f}s "
          f"({feed.stat().st_size / 1e6:.0f} MB) at {feed}")

    first, peak, summary = run_ingest(feed, workdir)
    print(f"ingest     : {first:6.2f}s  {args.rows / first:10,.0f} rows/s  peak RSS {peak:,.0f} MB   [{summary}]")
    again, peak2, summary2 = run_ingest(feed, workdir)
    print(f"re-ingest  : {again:6.2f}s  {args.rows / again:10,.0f} rows/s  peak RSS {peak2:,.0f} MB   [{summary2}]")
    raw, n = floor(feed, workdir)
    print(f"raw floor  : {raw:6.2f}s  {n / raw:10,.0f} rows/s  (sqlite3 executemany, parsed rows, unique index)")
    ratio = (args.rows / first) / (n / raw)
    print(f"ratio ingest/floor = {ratio:.2f} (goal >= 0.5); re-ingest/ingest speed = {first / again:.2f} "
          f"(goal >= 1.0); peak memory {max(peak, peak2):,.0f} MB (goal < 1024)")


if __name__ == "__main__":
    main()
