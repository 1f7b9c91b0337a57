"""`pricewatch demo` runs the real pipeline end to end and its summary matches the scenario's ground truth."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from pricewatch.store.models import Alert, Emergency, PriceObservation


def test_demo_end_to_end_and_rerun_adds_nothing(run_cli, db, workdir):
    result = run_cli("demo", "--listings", "160", "--days", "60", "--folder", "out")
    assert result.exit_code == 0, result.output
    m = re.search(r"ground truth: (\d+) of (\d+) gouging listings flagged, (\d+) false alarms", result.output)
    assert m, result.output
    caught, gougers, false_alarms = map(int, m.groups())
    assert gougers > 0 and caught >= 0.95 * gougers and false_alarms <= 2
    assert (workdir / "out" / "alerts.csv").exists()
    assert len(list((workdir / "out" / "feeds").glob("*.csv.gz"))) == 4
    with db.session() as s:
        obs = s.scalar(select(func.count()).select_from(PriceObservation).where(PriceObservation.source == "demo-feed"))
        alerts = s.scalar(select(func.count()).select_from(Alert))
    again = run_cli("demo", "--listings", "160", "--days", "60", "--folder", "out")
    assert again.exit_code == 0
    assert "0 accepted" in again.output and "0 opened" in again.output
    with db.session() as s:
        # the feeds add nothing the second time (the re-check's "next feed" rows are new by design)
        assert s.scalar(select(func.count()).select_from(PriceObservation)
                        .where(PriceObservation.source == "demo-feed")) == obs
        assert s.scalar(select(func.count()).select_from(Alert)) == alerts
        assert s.scalar(select(func.count()).select_from(Emergency)) == 2
    history = run_cli("history", "--category", "mask.surgical", "--daily", "--by", "platform", "--format", "csv")
    assert history.exit_code == 0 and history.output.count("\n") > 10


def test_demo_closes_the_loop_with_the_platforms(run_cli, db):
    result = run_cli("demo", "--listings", "120", "--days", "60", "--folder", "out")
    assert result.exit_code == 0, result.output
    assert "signatures verified by the receiver: 0 rejected" in result.output
    import re

    received = dict((k, int(v)) for k, v in re.findall(r"(violation\.opened|seller\.flagged) (\d+)", result.output))
    from pricewatch.store.models import Alert

    with db.session() as s:
        alerts = s.scalar(select(func.count()).select_from(Alert))
        delisted = s.scalar(select(func.count()).select_from(Alert).where(Alert.status == "delisted"))
    assert received["violation.opened"] == alerts
    assert delisted > 0
    assert "pledge compliance three days on" in result.output
    overdue = [int(line.split()[7]) for line in result.output.splitlines()
               if re.match(r"\s+(jd|tmall|shopus|carefeed)\s+\d+h", line)]
    assert len(overdue) == 4 and sum(overdue) > 0  # the ignored violations are overdue once deadlines pass
