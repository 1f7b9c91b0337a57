"""``pricewatch demo``: a simulated crisis through the real pipeline, on the configured database.

What runs (all real code, nothing mocked): a seeded scenario of Chinese and US listings over 80 days with an
emergency declared half-way → platform feed files (feed v1, gzip CSV, one per platform) → ``ingest`` →
``emergency add`` (CN under cn-samr-2020, US-CA under us-ca-pc396) → ``detect`` → ``alerts export``. The summary
compares what was flagged with the scenario's ground truth. The database stays behind for ``pricewatch history``.

Not yet part of the demo: crawling the demo storefronts, signed webhooks and the platforms' answers, the digest
(see the open issues on collection, enforcement and the running service).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import select

from analysis.market import movement
from pricewatch.alerts.export import alerts_frame, export_alerts
from pricewatch.detect import run_detection
from pricewatch.emergency import add_emergency
from pricewatch.ingest import IngestStats, ingest_files
from pricewatch.simulate.scenario import build_scenario
from pricewatch.store.engine import Database
from pricewatch.store.models import Emergency


@dataclass
class DemoResult:
    summary: str
    alerts_csv: Path
    seconds: float


def run_demo(db: Database, folder: Path, *, listings: int = 600, days: int = 80, seed: int = 2020,
             say: Callable[[str], None] = print) -> DemoResult:
    started = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    feeds = folder / "feeds"
    feeds.mkdir(exist_ok=True)
    say(f"1/5 building a market of {listings} listings over {days} days (emergency on day {days // 2})")
    sc = build_scenario(n_listings=listings, days=days, emergency_day=days // 2, seed=seed)
    feed = sc.feed()
    paths = []
    for platform, rows in feed.groupby("platform"):
        path = feeds / f"{platform}.csv.gz"
        rows.to_csv(path, index=False, compression="gzip")
        paths.append(path)
    say(f"2/5 ingesting {len(feed):,} observations from {len(paths)} platform feeds")
    stats: IngestStats = ingest_files(db, paths, source="demo-feed")
    say(f"    {stats.summary()}")

    with db.session() as s:
        known = {(e.name, e.jurisdiction) for e in s.scalars(select(Emergency))}
    for e in sc.emergency:
        if (e["name"], e["jurisdiction"]) not in known:
            add_emergency(db, name=e["name"], jurisdiction=e["jurisdiction"], start=e["start"].to_pydatetime(),
                          rules=e["rules"])
    say("3/5 emergencies declared: " + "; ".join(f"{e['jurisdiction']} from {e['start']:%Y-%m-%d} under {e['rules']}"
                                                 for e in sc.emergency))
    say("4/5 detecting")
    detected = run_detection(db)
    say(f"    {detected.summary()}")
    alerts_csv = folder / "alerts.csv"
    n = export_alerts(db, alerts_csv, "csv")
    say(f"5/5 exported {n:,} alerts to {alerts_csv}")

    alerts = alerts_frame(db)
    truth = sc.truth
    keys = pd.MultiIndex.from_frame(truth[["platform", "listing_id"]])
    flagged = keys.isin(pd.MultiIndex.from_frame(alerts[["platform", "listing_id"]])) if len(alerts) else False
    truth = truth.assign(flagged=flagged)
    caught = int((truth["flagged"] & truth["gouging"]).sum())
    gougers = int(truth["gouging"].sum())
    false_alarms = int((truth["flagged"] & ~truth["gouging"]).sum())
    lines = [
        "",
        f"listings {len(sc.listings):,}   observations {stats.accepted + stats.duplicate:,}   alerts {len(alerts):,}",
        "alerts by rule and severity:",
    ]
    if len(alerts):
        table = alerts.groupby(["rule", "severity"]).size().unstack(fill_value=0)
        for rule, row in table.iterrows():
            lines.append(f"  {rule:<16} " + "  ".join(f"{sev} {row[sev]}" for sev in table.columns))
    lines.append(f"ground truth: {caught} of {gougers} gouging listings flagged, {false_alarms} false alarms "
                 f"among {len(truth) - gougers} clean listings")
    if detected.detection is not None and len(detected.detection.index):
        start = min(e["start"] for e in sc.emergency)
        moves = movement(detected.detection.index, start)
        moved = moves[moves["change_pct"].abs() >= 5]
        if len(moved):
            lines.append("market movement since the declaration (category index, not gouging): " + ", ".join(
                f"{r.category} ({r.currency}) {r.change_pct:+.0f}%" for r in moved.itertuples(index=False)))
    if len(alerts):
        lines.append("most severe:")
        for a in alerts.head(3).itertuples(index=False):
            lines.append(f"  #{a.alert_id} {a.platform}/{a.listing_id} [{a.severity}] {a.explanation}")
    lines.append(f"alerts: {alerts_csv}")
    lines.append("explore: pricewatch alerts list | pricewatch history --category mask.surgical --daily --by platform")
    seconds = time.perf_counter() - started
    lines.append(f"demo finished in {seconds:.0f}s")
    return DemoResult(summary="\n".join(lines), alerts_csv=alerts_csv, seconds=seconds)
