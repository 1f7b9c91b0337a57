"""An honest evaluation: a labelled scenario panel through the real pipeline, scored against ground truth.

Pipeline: build_scenario → feed v1 CSV → ``ingest`` → ``emergency add`` (one per variant, its preset) → ``detect``
→ ``alerts export`` → compare with the scenario's truth, per listing (a listing is flagged when it has an alert).

Printed: precision, recall and F1 overall and per gouging behaviour; the false-alarm rate of every clean behaviour;
the median detection delay (from the true start of the violation to the observation that confirmed it); the same
scores for two reference detectors run on the same panel (naive "latest > 1.1 × first", and ADTK LevelShiftAD
re-implemented); and the false-alarm rate of the statistical early-warning monitor on the clean series (run as if
no emergency had been declared).
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.detectors import level_shift_ad, monitor, naive_first_latest
from analysis.scoring import score
from analysis.series import daily_series
from pricewatch.alerts.export import export_alerts
from pricewatch.detect import run_detection
from pricewatch.emergency import add_emergency
from pricewatch.ingest import ingest_files
from pricewatch.simulate.scenario import CLEAN, GOUGING, build_scenario
from pricewatch.store.engine import Database


@dataclass
class Evaluation:
    table: pd.DataFrame          # per behaviour: listings, flagged, rate (recall or false-alarm rate)
    overall: dict                # precision, recall, f1, median_delay_days
    references: dict             # name → {precision, recall, f1}
    monitor_far: pd.DataFrame    # statistical monitor false-alarm rate per clean behaviour
    seconds: dict
    alerts_csv: Path | None = None


def evaluate_panel(db: Database, *, n_listings: int = 1500, days: int = 80, seed: int = 7,
                   workdir: Path | None = None, progress=None) -> Evaluation:  # noqa: ANN001
    """Run the evaluation into ``db`` (which should be empty). ``progress(str)`` receives stage messages."""
    say = progress or (lambda _msg: None)
    seconds: dict[str, float] = {}
    workdir = Path(workdir or tempfile.mkdtemp(prefix="pricewatch-eval-"))
    t = time.perf_counter()
    sc = build_scenario(n_listings=n_listings, days=days, emergency_day=days // 2, seed=seed)
    feed = workdir / "panel.csv"
    sc.feed().to_csv(feed, index=False)
    seconds["generate"] = time.perf_counter() - t
    say(f"scenario: {len(sc.listings):,} listings, {len(sc.prices):,} observations over {days} days")

    t = time.perf_counter()
    stats = ingest_files(db, [feed], source="scenario")
    seconds["ingest"] = time.perf_counter() - t
    say(f"ingest: {stats.summary()}")
    for e in sc.emergency:
        add_emergency(db, name=e["name"], jurisdiction=e["jurisdiction"], start=e["start"].to_pydatetime(),
                      rules=e["rules"])
    t = time.perf_counter()
    detected = run_detection(db, monitor_uncovered=False)
    seconds["detect"] = time.perf_counter() - t
    say(f"detect: {detected.summary()}")
    alerts_csv = workdir / "alerts.csv"
    export_alerts(db, alerts_csv, "csv")
    alerts = pd.read_csv(alerts_csv, dtype={"listing_id": str})

    truth = sc.truth.copy()
    truth["flagged"] = pd.MultiIndex.from_frame(truth[["platform", "listing_id"]]).isin(
        pd.MultiIndex.from_frame(alerts[["platform", "listing_id"]]))
    # detection delay: from the true start to the observation that confirmed the episode
    episodes = detected.detection.episodes if detected.detection is not None else pd.DataFrame()
    from pricewatch.detect.load import load_listings

    listing_table = load_listings(db)
    keys = listing_table[["platform", "listing_key"]]
    if len(episodes):
        confirmed = episodes.join(keys, on="listing_id").groupby(["platform", "listing_key"])["confirmed_at"].min()
        truth = truth.join(confirmed.rename("confirmed_at"), on=["platform", "listing_id"])
    else:
        truth["confirmed_at"] = pd.NaT
    delay = (truth["confirmed_at"] - truth["violation_start"]).dt.total_seconds() / 86400
    truth["delay_days"] = delay.where(truth["gouging"] & truth["flagged"])

    table, overall = score(truth, "flagged")
    overall["median_delay_days"] = float(truth["delay_days"].median())

    # reference detectors on the same panel (same observations, as the database holds them)
    from pricewatch.detect.load import load_observations

    obs = load_observations(db)
    obs = obs.join(keys, on="listing_id")
    obs["key"] = obs["platform"] + "/" + obs["listing_key"]
    truth_key = truth["platform"] + "/" + truth["listing_id"]
    daily = daily_series(obs.assign(listing_id=obs["key"]))
    references = {}
    naive = naive_first_latest(obs.assign(listing_id=obs["key"]))
    references["naive latest > 1.1 × first"] = score(truth.assign(ref=truth_key.map(naive).fillna(False)), "ref")[1]
    adtk = level_shift_ad(daily)
    references["ADTK LevelShiftAD (re-implemented)"] = score(truth.assign(ref=truth_key.map(adtk).fillna(False)),
                                                             "ref")[1]
    # early-warning monitor, as if no emergency were declared: false alarms on clean series
    t = time.perf_counter()
    meta = listing_table[["category", "currency", "unit"]].set_index(
        listing_table["platform"] + "/" + listing_table["listing_key"])
    clean = truth["behaviour"].isin(CLEAN)
    far_parts = []
    for method, label in (("stl", "STL level test"), ("rlm", "robust change-point test"), ("both", "monitor")):
        shifts = monitor(daily, listings=meta, method=method)
        column = f"monitor_{method}"
        truth[column] = truth_key.isin(shifts["listing_id"])
        rates = truth[clean].groupby("behaviour")[column].agg(listings="size", flagged="sum")
        rates["rate"] = rates["flagged"] / rates["listings"]
        far_parts.append(rates.assign(detector=label))
        references[f"statistical {label} (no emergency)"] = score(truth, column)[1]
    seconds["monitor"] = time.perf_counter() - t
    far = pd.concat(far_parts)
    return Evaluation(table=table, overall=overall, references=references, monitor_far=far.reset_index(),
                      seconds=seconds, alerts_csv=alerts_csv)


def render(ev: Evaluation) -> str:
    """The evaluation as a plain-text report."""
    lines = ["behaviour              kind      listings  flagged   rate"]
    for r in ev.table.itertuples(index=False):
        kind = "gouging" if r.behaviour in GOUGING else "clean"
        label = "recall" if kind == "gouging" else "false alarms"
        lines.append(f"{r.behaviour:<22} {kind:<8} {r.listings:>9} {r.flagged:>8}  {r.rate:6.1%} {label}")
    o = ev.overall
    lines.append("")
    lines.append(f"pricewatch: precision {o['precision']:.3f}  recall {o['recall']:.3f}  F1 {o['f1']:.3f}  "
                 f"median detection delay {o['median_delay_days']:.2f} days")
    for name, r in ev.references.items():
        lines.append(f"{name}: precision {r['precision']:.3f}  recall {r['recall']:.3f}  F1 {r['f1']:.3f}")
    worst = ev.table[ev.table["behaviour"].isin(CLEAN)]["rate"].max()
    lines.append(f"highest false-alarm rate of a clean behaviour: {worst:.1%} (goal ≤ 2%)")
    for detector, rows in ev.monitor_far.groupby("detector", sort=False):
        lines.append(f"{detector} false-alarm rate on clean series (no emergency): " + ", ".join(
            f"{r.behaviour} {r.rate:.1%}" for r in rows.itertuples(index=False)))
    lines.append("time: " + ", ".join(f"{k} {v:.1f}s" for k, v in ev.seconds.items()))
    return "\n".join(lines)
