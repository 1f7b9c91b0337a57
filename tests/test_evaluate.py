"""`pricewatch evaluate` on a small panel: the real pipeline beats both reference detectors."""

from __future__ import annotations

from pricewatch.evaluate import evaluate_panel, render
from pricewatch.simulate.scenario import CLEAN, GOUGING


def test_evaluation_scores_the_pipeline_and_the_references(db, tmp_path):
    ev = evaluate_panel(db, n_listings=240, days=60, seed=5, workdir=tmp_path)
    assert set(ev.table["behaviour"]) <= set(CLEAN) | set(GOUGING)
    assert ev.overall["f1"] >= 0.95
    clean = ev.table[ev.table["behaviour"].isin(CLEAN)]
    assert clean["rate"].max() <= 0.05
    for name, ref in ev.references.items():
        if not name.startswith("statistical"):  # early-warning detectors, not references
            assert ev.overall["f1"] - ref["f1"] >= 0.2, name
    assert 0 < ev.overall["median_delay_days"] < 3
    report = render(ev)
    assert "pricewatch: precision" in report and "ADTK LevelShiftAD" in report
    assert ev.alerts_csv.exists()


def test_evaluate_command_prints_the_table(run_cli, tmp_path):
    result = run_cli("evaluate", "--listings", "120", "--days", "50", "--keep", str(tmp_path / "ev"))
    assert result.exit_code == 0, result.output
    assert "recall" in result.output and "false alarms" in result.output
    assert (tmp_path / "ev" / "alerts.csv").exists()
