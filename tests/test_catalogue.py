"""An ordinary supermarket catalogue with an emergency declared a third of the way in: only real new shelf prices
above the line raise alerts.

Shaped like the held-out real catalogue (cleaning, personal care, pharmacy, masks, gels, gloves; Spanish titles;
12 weeks, daily prices): steady prices, promotions that end (before, across and inside the baseline window),
a small repricing and one exactly on the 10 % line, a price set before the declaration and kept, new seasonal
products outside the protective categories, cosmetic "mascarilla" and "sin alcohol" products, a fair new seller —
and two real rises. Runs the real path: feed file → ``pricewatch ingest`` → ``emergency add`` → ``detect``.
"""

from __future__ import annotations

import csv
import json

import pandas as pd

DAYS, T0_DAY = 84, 28
START = pd.Timestamp("2020-02-01", tz="UTC")


def flat(price: float) -> list[float]:
    return [price] * DAYS


def steps(*spans: tuple[int, float]) -> list[float | None]:
    """(from_day, price) steps; None before the first step (not yet listed)."""
    out: list[float | None] = [None] * DAYS
    for (day, price), nxt in zip(spans, list(spans[1:]) + [(DAYS, None)]):
        out[day:nxt[0]] = [price] * (nxt[0] - day)
    return out


CATALOGUE = {
    # steady protective goods
    "gel500": ("Gel Hidroalcohólico Manos 500 ml", flat(3.95)),
    "gel100": ("Gel hidroalcohólico 100 ml", flat(1.50)),
    "lejia": ("Lejía con detergente 2 L", flat(1.20)),
    "nitrilo": ("Guantes de nitrilo 100 unidades", flat(6.99)),
    "toallitas40": ("Toallitas desinfectantes 40 unidades", flat(2.49)),
    "jabon": ("Jabón de manos 500 ml", flat(1.85)),
    "ffp2-10": ("Mascarilla FFP2 10 unidades", flat(5.00)),
    "quirurgica": ("Mascarilla quirúrgica 50 unidades", flat(4.50)),
    "alcohol": ("Alcohol 96 250 ml", flat(1.10)),
    "termometro": ("Termómetro digital", flat(8.95)),
    # promotions that end: before the window, across the declaration, over most of the 30-day window
    "promo-before": ("Jabón de manos aloe 500 ml", steps((0, 5.30), (3, 4.45), (17, 5.30))),
    "promo-across": ("Gel hidroalcohólico aloe 300 ml", steps((0, 5.30), (15, 4.45), (36, 5.30))),
    "promo-window": ("Desinfectante multiusos 750 ml", steps((0, 5.30), (4, 4.45), (26, 5.30))),
    # repricings: +7.5 % (under the line), exactly +10 % (on the line), and a real +30 %
    "vinilo": ("Guantes de vinilo 100 unidades", steps((0, 4.00), (40, 4.30))),
    "toallitas80": ("Toallitas desinfectantes 80 unidades", steps((0, 5.00), (50, 5.50))),
    "ffp2-20": ("Mascarilla FFP2 20 unidades", steps((0, 8.00), (45, 10.40))),
    # a price set 13 days before the declaration and kept
    "gel1l": ("Gel hidroalcohólico 1 L", steps((0, 9.90), (T0_DAY - 13, 12.50))),
    # outside the protective categories: seasonal newcomers, cosmetics, a mouthwash "sin alcohol"
    "solar": ("Protector solar SPF50 200 ml", steps((40, 14.95))),
    "regalo": ("Set regalo perfume 100 ml", steps((45, 29.90))),
    "capilar": ("Mascarilla capilar reparadora 300 ml", steps((0, 7.50), (50, 10.50))),
    "enjuague": ("Enjuague bucal sin alcohol 500 ml", steps((0, 3.20), (50, 3.85))),
    # a fair new seller of a gel, and a real gouge
    "gel500-new": ("Gel Hidroalcohólico Manos 500 ml", steps((35, 4.10))),
    "ffp2-5": ("Mascarilla FFP2 5 unidades", steps((0, 3.00), (30, 9.00))),
}
EXPECTED_ALERTS = {"ffp2-20", "ffp2-5"}
OUTSIDE = {"solar", "regalo", "capilar", "enjuague"}


def write_feed(path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["platform", "listing_id", "observed_at", "price", "currency", "title", "region", "seller_id"])
        for lid, (title, prices) in CATALOGUE.items():
            for day, price in enumerate(prices):
                if price is not None:
                    at = (START + pd.Timedelta(days=day, hours=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
                    w.writerow(["super", lid, at, f"{price:.2f}", "EUR", title, "ES", "super"])


def test_an_ordinary_catalogue_raises_only_the_real_rises(run_cli, workdir):
    write_feed(workdir / "catalogue.csv")
    assert run_cli("ingest", "catalogue.csv").exit_code == 0
    start = (START + pd.Timedelta(days=T0_DAY)).strftime("%Y-%m-%dT%H:%M:%SZ")
    result = run_cli("emergency", "add", "--name", "test", "--jurisdiction", "ES", "--start", start)
    assert result.exit_code == 0, result.output
    result = run_cli("detect")
    assert result.exit_code == 0, result.output
    assert run_cli("alerts", "export", "--format", "jsonl", "--output", "alerts.jsonl").exit_code == 0
    alerts = [json.loads(line) for line in (workdir / "alerts.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {a["listing_id"] for a in alerts} == EXPECTED_ALERTS
    by_id = {a["listing_id"]: a for a in alerts}
    assert round(by_id["ffp2-20"]["increase_pct"], 2) == 30.0
    assert round(by_id["ffp2-5"]["increase_pct"], 2) == 200.0
    assert all(a["first_violation_at"] >= start for a in alerts)
    # the explanation says what changed and where the quantity came from
    assert "What changed: item price rose from €8.00 to €10.40." in by_id["ffp2-20"]["explanation"]
    assert "Quantity: 20 pieces, read from the title (rule count)." in by_id["ffp2-20"]["explanation"]

    coverage = run_cli("detect", "--coverage")
    assert coverage.exit_code == 0, coverage.output
    assert "outside any emergency" in coverage.output
    # every outside listing is named among the examples, and only those are outside
    for lid in OUTSIDE:
        assert f"super/{lid}:" in coverage.output
    rows = [line for line in coverage.output.splitlines() if "outside any emergency" in line]
    assert rows and f" {len(OUTSIDE)} " in rows[0]
