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
        obs = s.scalar(select(func.count()).select_from(PriceObservation))
        alerts = s.scalar(select(func.count()).select_from(Alert))
    again = run_cli("demo", "--listings", "160", "--days", "60", "--folder", "out")
    assert again.exit_code == 0
    assert "0 accepted" in again.output and "0 opened" in again.output
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(PriceObservation)) == obs
        assert s.scalar(select(func.count()).select_from(Alert)) == alerts
        assert s.scalar(select(func.count()).select_from(Emergency)) == 2
    history = run_cli("history", "--category", "mask.surgical", "--daily", "--by", "platform", "--format", "csv")
    assert history.exit_code == 0 and history.output.count("\n") > 10
