"""`pricewatch demo` runs the real pipeline end to end — feeds, crawls of the demo marketplace, detection, signed
webhooks answered through the API, re-check, compliance, digest — and its numbers match the scenario's truth."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from pricewatch.store.models import Alert, Emergency, PriceObservation, Snapshot


def test_demo_end_to_end_and_rerun_adds_nothing(run_cli, db, workdir):
    result = run_cli("demo", "--listings", "120", "--days", "60", "--folder", "out")
    assert result.exit_code == 0, result.output
    out = result.output
    # it reads as a report: steps numbered 1, 2, 3… in order, no Python reprs, no library log lines or warnings
    steps = [int(n) for n in re.findall(r"^\s*(\d+)\. ", out, flags=re.M)]
    assert steps == list(range(1, len(steps) + 1)) and len(steps) >= 9, steps
    assert "{'" not in out and "2b" not in out
    assert not re.search(r"Warning|alembic|INFO|DEBUG", out), out
    # the digest carries the scenario's date (its data are from 2020), not today's
    digest_day = re.search(r"daily digest for (\d{4}-\d{2}-\d{2})", out).group(1)
    assert digest_day.startswith("2020-") and (workdir / "out" / "digests" / f"digest-{digest_day}.html").exists()
    m = re.search(r"ground truth: (\d+) of (\d+) gouging listings flagged, (\d+) false alarms", out)
    assert m, out
    caught, gougers, false_alarms = map(int, m.groups())
    assert gougers > 0 and caught >= 0.95 * gougers and false_alarms <= 2
    assert (workdir / "out" / "alerts.csv").exists() and list((workdir / "out" / "digests").glob("digest-*.html"))
    assert len(list((workdir / "out" / "feeds").glob("*.csv.gz"))) == 3  # the storefronts' history files

    # crawls: both storefront styles and the cooperating feed, pages kept as evidence
    crawled = int(re.search(r"crawled ([\d,]+) pages", out).group(1).replace(",", ""))
    assert crawled > 100 and "refused by robots.txt" in out
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Snapshot)) > 50
        sources = set(s.scalars(select(PriceObservation.source).distinct()))
    assert {"demo-feed", "spider:search", "spider:feed"} <= sources

    # the enforcement loop
    assert "signatures verified by the receiver: 0 rejected" in out
    received = {k: int(v) for k, v in re.findall(r"(violation\.opened|seller\.flagged) (\d+)", out)}
    with db.session() as s:
        alerts = s.scalar(select(func.count()).select_from(Alert))
        delisted = s.scalar(select(func.count()).select_from(Alert).where(Alert.status == "delisted"))
        with_evidence = s.scalar(select(func.count()).select_from(Alert).where(Alert.evidence.is_not(None)))
    assert received["violation.opened"] == alerts and delisted > 0 and with_evidence > 0
    overdue = [int(line.split()[7]) for line in out.splitlines()
               if re.match(r"\s+(jd|tmall|shopus|carefeed)\s+\d+h", line)]
    assert len(overdue) == 4 and sum(overdue) > 0  # the ignored violations are overdue once deadlines pass

    with db.session() as s:
        feed_obs = s.scalar(select(func.count()).select_from(PriceObservation).where(PriceObservation.source == "demo-feed"))
        total_alerts = alerts
    again = run_cli("demo", "--listings", "120", "--days", "60", "--folder", "out")
    assert again.exit_code == 0
    # the feeds and the crawls add nothing the second time (the re-check's "next feed" rows from the first run are
    # the only new data the second detection sees)
    assert "0 accepted" in again.output and "crawled" in again.output and ": 0 new observations" in again.output
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(PriceObservation)
                        .where(PriceObservation.source == "demo-feed")) == feed_obs
        assert total_alerts <= s.scalar(select(func.count()).select_from(Alert)) <= total_alerts + 2
        assert s.scalar(select(func.count()).select_from(Emergency)) == 2
    history = run_cli("history", "--category", "mask.surgical", "--daily", "--by", "platform", "--format", "csv")
    assert history.exit_code == 0 and history.output.count("\n") > 10
