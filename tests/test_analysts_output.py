"""Charts with gaps shown as gaps, the digest of a past day on back-filled data, observations partitioned by day,
and normal runs that print no warnings and no library log lines."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import httpx
import pandas as pd
import pytest
from sqlalchemy import select

from pricewatch.api.serve import serve_api
from pricewatch.charts.draw import daily_with_gaps
from pricewatch.detect import run_detection
from pricewatch.digest import build_digest
from pricewatch.emergency import add_emergency
from pricewatch.ingest import ingest_frame
from pricewatch.keys import create_key
from pricewatch.simulate.scenario import build_scenario
from pricewatch.store.models import Alert

PRICEWATCH = str(Path(sys.executable).with_name("pricewatch"))


@pytest.fixture
def gappy(db):
    """One listing seen on days 1–10 and 31–40 of March 2020 (nothing in between), another seen every day."""
    rows = []
    for day in [*range(1, 11), *range(31, 41)]:
        when = pd.Timestamp("2020-02-29T02:00:00Z") + pd.Timedelta(days=day)
        rows.append(("jd", "gap", when.strftime("%Y-%m-%dT%H:%M:%SZ"), "29.90" if day < 20 else "45.00"))
    for day in range(1, 41):
        when = pd.Timestamp("2020-02-29T03:00:00Z") + pd.Timedelta(days=day)
        rows.append(("jd", "daily", when.strftime("%Y-%m-%dT%H:%M:%SZ"), "31.00"))
    frame = pd.DataFrame(rows, columns=["platform", "listing_id", "observed_at", "price"])
    ingest_frame(db, frame.assign(currency="CNY", title="医用外科口罩 50只/盒", seller_id="s1"))
    return db


def _median_path(svg: str) -> str:
    """The path of the daily-median line (drawn in #c0392b) in a matplotlib SVG."""
    paths = re.findall(r'<path d="([^"]+)"[^>]*style="[^"]*stroke: #c0392b', svg)
    assert paths, "no daily-median line in the chart"
    return paths[0]


def test_a_listing_chart_breaks_the_line_over_a_gap(gappy, run_cli, workdir):
    result = run_cli("chart", "--platform", "jd", "--listing", "gap", "-o", "gap.svg")
    assert result.exit_code == 0, result.output
    svg = (workdir / "gap.svg").read_text(encoding="utf-8")
    # one segment before the gap, one after: the line starts twice (two "M" commands), never one straight run
    assert _median_path(svg).count("M ") == 2
    assert "no observations" in svg  # the gap is shaded and named in the legend (matplotlib keeps text as comments)
    whole = run_cli("chart", "--platform", "jd", "--listing", "daily", "-o", "daily.svg")
    assert whole.exit_code == 0
    assert _median_path((workdir / "daily.svg").read_text(encoding="utf-8")).count("M ") == 1
    assert "no observations" not in (workdir / "daily.svg").read_text(encoding="utf-8")
    png = run_cli("chart", "--platform", "jd", "--listing", "gap", "-o", "gap.png")
    assert png.exit_code == 0 and (workdir / "gap.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_daily_series_behind_a_chart_has_empty_days_not_interpolated_ones(gappy):
    from pricewatch import history

    days = daily_with_gaps(history.query(gappy, listings="gap"), "Asia/Shanghai")
    assert len(days) == 40 and int(days["median"].isna().sum()) == 20
    assert days["median"].dropna().round(3).unique().tolist() == [0.598, 0.9]


def test_selection_charts_from_the_command_and_the_api(gappy, run_cli, workdir):
    result = run_cli("chart", "--category", "mask.surgical", "-o", "masks.svg")
    assert result.exit_code == 0, result.output
    svg = (workdir / "masks.svg").read_text(encoding="utf-8")
    assert "daily min–max" in svg and "2 listings" in svg
    assert run_cli("chart", "--seller", "s1", "-o", "seller.txt").exit_code == 2  # .png or .svg only
    assert run_cli("chart", "--category", "gloves", "-o", "none.png").exit_code == 1  # nothing matches: a message
    with serve_api(gappy) as base:
        key = create_key(gappy, role="analyst")[1]
        headers = {"Authorization": f"Bearer {key}"}
        png = httpx.get(f"{base}/v1/listings/jd/gap/chart", headers=headers)
        assert png.status_code == 200 and png.headers["content-type"] == "image/png"
        assert png.content[:4] == b"\x89PNG"
        svg = httpx.get(f"{base}/v1/chart", params={"seller": "s1", "format": "svg"}, headers=headers)
        assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
        assert httpx.get(f"{base}/v1/listings/jd/nope/chart", headers=headers).status_code == 404
        assert httpx.get(f"{base}/v1/chart", params={"format": "gif", "seller": "s1"},
                         headers=headers).status_code == 422


def test_a_violation_chart_draws_its_baseline_and_threshold(gappy):
    from pricewatch.charts import listing_chart

    with gappy.session() as s:
        from pricewatch.store.models import Listing

        listing = s.scalar(select(Listing).where(Listing.listing_key == "gap"))
        alert = Alert(listing_id=listing.id, rule="us-ca-pc396", severity="severe",
                      first_violation_at=pd.Timestamp("2020-03-31T02:00:00Z").to_pydatetime(),
                      baseline_unit_price=0.598, observed_unit_price=0.9, unit="piece", currency="CNY",
                      increase_pct=50.5, status="open", history=[])
        s.add(alert)
        s.commit()
        alert_id = alert.id
    svg = listing_chart(gappy, alert_id, "svg").decode()
    # us-ca-pc396 flags increases above 10 %: the threshold is 0.598 × 1.10
    assert "baseline 0.598" in svg and "threshold 0.6578" in svg and f"alert #{alert_id}" in svg
    assert listing_chart(gappy, alert_id, "svg") == listing_chart(gappy, ("jd", "gap"), "svg")  # deterministic


@pytest.fixture(scope="module")
def backfilled_scenario():
    return build_scenario(n_listings=80, days=50, emergency_day=25, seed=21)


@pytest.fixture
def backfilled(db, backfilled_scenario):
    """2020's prices ingested and detected today: every alert's detection time is today, its violations in 2020."""
    sc = backfilled_scenario
    ingest_frame(db, sc.feed())
    for e in sc.emergency:
        add_emergency(db, name=e["name"], jurisdiction=e["jurisdiction"], start=e["start"].to_pydatetime(),
                      rules=e["rules"])
    run_detection(db)
    return db, sc


def test_digest_of_a_past_day_on_backfilled_data(backfilled, run_cli, workdir):
    db, sc = backfilled
    tz = db.settings.timezone
    day = (sc.start + pd.Timedelta(days=35)).tz_convert(tz).date()  # ten days into the emergency
    lo = pd.Timestamp(day, tz=tz)
    hi = lo + pd.Timedelta(days=1)
    with db.session() as s:
        alerts = s.scalars(select(Alert)).all()
        violating = {a.id for a in alerts
                     if pd.Timestamp(a.first_violation_at) < hi
                     and (a.status not in ("closed", "dismissed") or pd.Timestamp(a.last_violation_at) >= lo)}
    assert violating, "the scenario should have alerts violating ten days into the emergency"
    digest = build_digest(db, day)
    assert set(digest.alerts["alert_id"]) == violating
    started_that_day = sum(1 for a in alerts if lo <= pd.Timestamp(a.first_violation_at) < hi)
    assert digest.counts["new"] == started_that_day
    assert digest.counts["new"] + digest.counts["continuing"] + digest.counts["closed"] >= len(violating)
    assert f"Alerts whose violations fall on {day}" in digest.html
    before = build_digest(db, (sc.start + pd.Timedelta(days=5)).tz_convert(tz).date())
    assert before.alerts.empty and before.counts == {"new": 0, "continuing": 0, "closed": 0}
    result = run_cli("digest", "--date", day.isoformat(), "--output-dir", "out")
    assert result.exit_code == 0, result.output
    assert (workdir / "out" / f"digest-{day}.html").exists()
    assert f"digest {day}: {digest.counts['new']} new, {digest.counts['continuing']} continuing" in result.output


def test_observations_partitioned_by_day_read_in_duckdb_and_polars(gappy, run_cli, workdir):
    import duckdb
    import polars as pl

    result = run_cli("history", "--format", "parquet", "--partition-by-day", "-o", "obs")
    assert result.exit_code == 0, result.output
    days = sorted(p.name for p in (workdir / "obs").iterdir())
    assert len(days) == 40 and days[0] == "day=2020-03-01"
    # the README's query
    rows = duckdb.sql("SELECT day, listing_id, median(unit_price) AS median FROM read_parquet('obs/**/*.parquet', "
                      "hive_partitioning = true) WHERE listing_id = 'gap' GROUP BY ALL ORDER BY day").fetchall()
    assert len(rows) == 20 and str(rows[0][0]) == "2020-03-01" and str(rows[0][2]).rstrip("0") == "0.598"
    frame = (pl.scan_parquet(workdir / "obs" / "**" / "*.parquet", hive_partitioning=True)
             .filter(pl.col("day") == date(2020, 3, 15)).collect())
    assert frame["listing_id"].to_list() == ["daily"]  # the gap listing has no partition row that day
    assert run_cli("history", "--partition-by-day", "-o", "x.csv").exit_code == 2


def _env(workdir: Path, database_url: str) -> dict:
    env = {**os.environ, "PRICEWATCH_DATABASE_URL": database_url}
    env.pop("PYTHONWARNINGS", None)  # the user's normal environment
    return env


def test_a_normal_detect_prints_no_warnings_and_no_library_log_lines(backfilled, workdir, database_url):
    done = subprocess.run([PRICEWATCH, "detect"], cwd=workdir, env=_env(workdir, database_url), capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no Alembic INFO, no statsmodels/pandas warnings, no log lines at all
    assert "alerts" in done.stdout
    verbose = subprocess.run([PRICEWATCH, "--verbose", "detect"], cwd=workdir, env=_env(workdir, database_url),
                             capture_output=True, text=True, timeout=600)
    assert verbose.returncode == 0  # --verbose lets the libraries speak (and may be empty when they have nothing)


def test_the_service_logs_only_what_it_did(db, workdir, database_url):
    (workdir / "pricewatch.toml").write_text(
        '[schedule]\ndispatch = "every 1s"\ndetect = "off"\nrecheck = "off"\ndigest = "off"\npartitions = "off"\n',
        encoding="utf-8")
    env = {**_env(workdir, database_url), "PRICEWATCH_CONFIG": str(workdir / "pricewatch.toml")}
    proc = subprocess.Popen([PRICEWATCH, "run"], cwd=workdir, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        from pricewatch.store.models import JobRun

        while time.monotonic() < deadline:  # until the idle dispatcher has run a few times
            with db.session() as s:
                if len(s.scalars(select(JobRun).where(JobRun.job == "dispatch")).all()) >= 3:
                    break
            time.sleep(0.5)
        else:
            pytest.fail("the dispatcher did not run three times within 60 s")
    finally:
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=60)
    lines = err.splitlines()
    assert any("scheduler lease taken" in line for line in lines), err
    assert not [line for line in lines if "job dispatch" in line], err  # "0 sent" every second is not news
    assert not [line for line in lines if re.search(r"alembic|apscheduler|Warning|INFO (?!pricewatch)", line)], err
