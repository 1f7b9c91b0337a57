"""Like-for-like peers: a listing without its own history is compared with the same product elsewhere, else with
the top of the normal range of listings of its size — never with a category median across pack sizes."""

from __future__ import annotations

import pytest
from market_builder import Market

PURELL = "hand_sanitizer|purell|"


def test_a_new_listing_at_the_top_of_the_normal_spread_is_not_an_alert():
    m = Market().steady(10, 5.0, spread=0.2)               # normal range €4.00 … €6.00 a bottle
    m.add("new", [None] * 40 + [6.0] * 10)                 # a new seller at the top of it
    assert "new" not in m.episodes("cn-samr-2020").index
    assert "new" not in m.episodes("generic").index


def test_a_new_listing_at_three_times_the_same_product_elsewhere_is_an_alert():
    m = Market().steady(10, 5.0, spread=0.3)               # other products, all sizes alike
    for k in range(3):                                      # the same product sold by three others at ~€4
        m.add(f"purell{k}", [4.0 + 0.1 * k] * 50, product_key=PURELL)
    m.add("new", [None] * 40 + [12.3] * 10, product_key=PURELL)
    e = m.episodes("generic").loc["new"]
    assert e["baseline_kind"] == "peer" and e["baseline_method"] == "peer_median_30d"
    assert e["peer_statistic"] == "median" and e["peer_n"] == 3
    assert e["baseline"] == pytest.approx(4.1 / 500)
    assert e["peer_group"] == "product hand_sanitizer|purell| · EUR/ml · packs of 250–1000 ml"
    assert e["increase_pct"] == pytest.approx((12.3 / 4.1 - 1) * 100)


def test_a_five_ml_bottle_is_not_compared_with_litre_bottles():
    m = Market()
    m.steady(8, 8.0, quantity=1000.0)                       # €8 a litre: €0.008 per ml
    m.add("travel", [None] * 40 + [1.50] * 10, quantity=5.0)  # €0.30 per ml: 37× per ml, yet an ordinary price
    result = m.detect("generic")
    assert "travel" not in set(result.episodes["listing_id"])
    row = result.coverage.set_index("listing_id").loc["travel"]
    assert row["status"] == "not_evaluated" and row["reason"] == "no_baseline"
    # with travel bottles of its own size on the market it is compared with them
    m.steady(4, 1.40, prefix="mini", quantity=6.0)
    result = m.detect("generic")
    assert "travel" not in set(result.episodes["listing_id"])
    assert result.coverage.set_index("listing_id").loc["travel", "status"] == "evaluated"


def test_peers_in_another_currency_or_unit_are_no_match():
    m = Market().steady(6, 5.0)
    m.add("usd", [None] * 40 + [5.0] * 10, currency="USD")
    row = m.detect("generic").coverage.set_index("listing_id").loc["usd"]
    assert row["reason"] == "no_currency_unit_match"


def test_a_listing_with_two_days_of_history_is_judged_on_its_own_price():
    m = Market().steady(6, 5.0)
    m.add("short", [None] * 38 + [9.0, 9.0] + [9.0] * 10)  # two observed days before the declaration, unchanged
    assert "short" not in m.episodes("generic").index
    m = Market().steady(6, 5.0)
    m.add("short", [None] * 38 + [5.0, 5.0] + [9.0] * 10)
    e = m.episodes("generic").loc["short"]
    assert e["baseline_kind"] == "own" and bool(e["short_history"]) and e["baseline_days"] == 2
