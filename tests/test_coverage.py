"""Every detect run records what it evaluated and what it could not, by reason, with example listings."""

from __future__ import annotations

import csv

import pandas as pd
from sqlalchemy import select

from pricewatch.store.models import DetectRun

START = pd.Timestamp("2020-03-01", tz="UTC")
T0_DAY = 30


def feed(path, listings: dict) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["platform", "listing_id", "observed_at", "price", "currency", "title", "region", "pack_size"])
        for lid, (title, days, price, currency, region, pack) in listings.items():
            for day in days:
                at = (START + pd.Timedelta(days=day, hours=8)).strftime("%Y-%m-%dT%H:%M:%SZ")
                w.writerow(["shop", lid, at, f"{price:.2f}", currency, title, region, pack])


ALL = range(0, 45)
KNOWN = {
    # evaluated: own history, and four peers for the new seller below
    **{f"gel{k}": ("Hand sanitizer gel 500 ml", ALL, 4.0 + 0.1 * k, "EUR", "FR", "") for k in range(4)},
    "new-gel": ("Hand sanitizer gel 400 ml", range(32, 45), 4.2, "EUR", "FR", ""),
    # outside any emergency: another country, and a category an emergency does not cover by default
    "elsewhere": ("Hand sanitizer gel 500 ml", ALL, 4.0, "EUR", "DE", ""),
    "perfume": ("Eau de parfum 100 ml", ALL, 30.0, "EUR", "FR", ""),
    # no quantity: nothing in the title or pack size says how much
    "no-qty": ("Hand sanitizer gel", ALL, 4.0, "EUR", "FR", ""),
    # options are not a quantity: the reason is kept as the detail
    "options": ("Hand sanitizer gel 50/100/500ml", ALL, 4.0, "EUR", "FR", ""),
    # too few days during the emergency (one)
    "one-day": ("Hand sanitizer gel 500 ml", list(range(0, 29)) + [31], 4.0, "EUR", "FR", ""),
    # no baseline: a new seller with no like-for-like peers (a 5 L canister among 500 ml bottles)
    "canister": ("Hand sanitizer gel 5 L", range(32, 45), 30.0, "EUR", "FR", ""),
    # no currency/unit match: the only USD listing
    "dollars": ("Hand sanitizer gel 500 ml", range(32, 45), 4.0, "USD", "FR", ""),
}
EXPECTED = {("evaluated", None): 5, ("not_evaluated", "outside_emergency"): 2,
            ("not_evaluated", "no_quantity"): 2, ("not_evaluated", "too_few_days"): 1,
            ("not_evaluated", "no_baseline"): 1, ("not_evaluated", "no_currency_unit_match"): 1}


def declare(run_cli, *extra):
    start = (START + pd.Timedelta(days=T0_DAY)).strftime("%Y-%m-%d")
    result = run_cli("emergency", "add", "--name", "t", "--jurisdiction", "FR", "--start", start, *extra)
    assert result.exit_code == 0, result.output


def test_coverage_counts_on_a_known_dataset(run_cli, workdir, db):
    feed(workdir / "known.csv", KNOWN)
    assert run_cli("ingest", "known.csv").exit_code == 0
    declare(run_cli)
    result = run_cli("detect", "--no-monitor")
    assert result.exit_code == 0, result.output
    with db.session() as s:
        run = s.scalars(select(DetectRun).order_by(DetectRun.id.desc())).first()
    counts = {(c["status"], c["reason"]): c["listings"] for c in run.coverage["counts"]}
    assert counts == EXPECTED
    assert run.listings == len(KNOWN) and run.evaluated == 5 and run.not_evaluated == 7
    examples = {r: {e["listing_key"] for e in rows} for r, rows in run.coverage["examples"].items()}
    assert examples["outside_emergency"] == {"elsewhere", "perfume"}
    assert examples["no_quantity"] == {"no-qty", "options"}
    details = {e["listing_key"]: e["detail"] for e in run.coverage["examples"]["no_quantity"]}
    assert details == {"no-qty": "no_quantity", "options": "ambiguous_options"}
    # the same report, read back later
    shown = run_cli("detect", "--coverage")
    assert shown.exit_code == 0, shown.output
    for key in ("shop/canister:", "shop/dollars:", "shop/one-day:", "ambiguous_options"):
        assert key in shown.output
    assert "WARNING" not in shown.output


def test_a_run_that_evaluated_nothing_says_so_loudly(run_cli, workdir):
    feed(workdir / "known.csv", {"perfume": ("Eau de parfum 100 ml", ALL, 30.0, "EUR", "FR", "")})
    assert run_cli("ingest", "known.csv").exit_code == 0
    declare(run_cli)
    result = run_cli("detect")
    assert result.exit_code == 0
    assert "WARNING: this run evaluated no listing under an emergency" in result.output


def test_an_emergency_covers_other_only_when_asked(run_cli, workdir, db):
    prices = {f"p{k}": ("Eau de parfum 100 ml", ALL, 30.0 + k, "EUR", "FR", "") for k in range(3)}
    feed(workdir / "known.csv", prices)
    assert run_cli("ingest", "known.csv").exit_code == 0
    declare(run_cli, "--categories", "other")
    assert run_cli("detect").exit_code == 0
    with db.session() as s:
        run = s.scalars(select(DetectRun).order_by(DetectRun.id.desc())).first()
    assert run.evaluated == 3
