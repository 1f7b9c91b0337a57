"""Regular prices and prices set before the declaration: what the law compares with, preset by preset.

RULES.md: the normal price is the regular price "excluding temporary discounts"; a price set before the declaration
and kept since is the pre-emergency price for statutes that look at the price "immediately prior" — but not for
statutes that name a window statistic, nor when a baseline-date override ends the window earlier.
"""

from __future__ import annotations

import pandas as pd
import pytest
from market_builder import DAY, T0, Market

from analysis.regular import MIN_CUT, regular_prices
from analysis.series import daily_series

REGULAR, PROMO = 5.30, 4.45


def market() -> Market:
    return Market().steady(8, 5.0, spread=0.1)


def test_a_promotion_inside_the_window_does_not_lower_the_baseline():
    # 40 days before the declaration: 12 at the regular price, 20 on promotion, then back for 8 days
    prices = [REGULAR] * 12 + [PROMO] * 20 + [REGULAR] * 8 + [REGULAR] * 10
    episodes = market().add("x", prices).episodes("generic")
    assert "x" not in episodes.index


def test_a_return_from_a_promotion_running_at_the_declaration_is_not_an_increase():
    prices = [REGULAR] * 25 + [PROMO] * 15 + [REGULAR] * 10
    for rule in ("generic", "us-ca-pc396", "cn-samr-2020"):
        assert "x" not in market().add("x", prices).episodes(rule).index, rule


def test_a_rise_above_the_regular_price_after_a_promotion_is_measured_from_the_regular_price():
    prices = [REGULAR] * 25 + [PROMO] * 15 + [6.50] * 10
    e = market().add("x", prices).episodes("us-ca-pc396").loc["x"]
    assert e["baseline"] == pytest.approx(REGULAR / 500)      # per ml of a 500 ml bottle
    assert e["increase_pct"] == pytest.approx((6.50 / REGULAR - 1) * 100)


def test_a_long_price_cut_is_a_repricing_and_returning_from_it_is_an_increase():
    # 5.30 long ago, then 4.45 for the whole 50 days before the declaration, then 5.30 again: +19 %
    m = Market(start=T0 - 80 * DAY).steady(8, 5.0, spread=0.1, days=90)
    e = m.add("x", [REGULAR] * 30 + [PROMO] * 50 + [REGULAR] * 10).episodes("generic")
    assert e.loc["x", "increase_pct"] == pytest.approx((REGULAR / PROMO - 1) * 100)


def test_the_regular_price_fills_a_v_shaped_cut_only():
    days = pd.date_range("2020-01-01", periods=60, tz="UTC")
    frame = pd.DataFrame({"listing_id": "a", "observed_at": days + pd.Timedelta(hours=9),
                          "price": [REGULAR] * 20 + [PROMO] * 14 + [REGULAR] * 26, "availability": "in_stock"})
    frame["unit_price"] = frame["price"]
    daily = regular_prices(daily_series(frame))
    assert daily["regular_price"].eq(REGULAR).all() and daily["in_cut"].sum() == 14
    # ordinary wobble (below the 5 % minimum cut) is never filled
    wobble = frame.assign(unit_price=[5.0 * (1 + (MIN_CUT - 0.01) * (i % 2)) for i in range(60)])
    assert not regular_prices(daily_series(wobble))["in_cut"].any()
    # a cut that has not ended yet is not known to be temporary
    ongoing = frame.assign(unit_price=[REGULAR] * 40 + [PROMO] * 20)
    assert not regular_prices(daily_series(ongoing))["in_cut"].any()


def test_the_monitor_measures_against_the_regular_price_too():
    # no emergency covers the listing (declared elsewhere): a roll-on back from a 30-day promotion is not a shift
    def monitored(prices) -> bool:
        m = Market(start=T0 - 60 * DAY)
        for k in range(6):
            m.add(f"peer{k}", [3.00 + 0.05 * k] * 90, quantity=50.0)
        m.add("x", prices, quantity=50.0)
        return "x" in set(m.detect("generic", jurisdiction="DE", monitor=True).episodes["listing_id"])

    assert not monitored([3.30] * 40 + [2.25] * 30 + [3.30] * 20)
    assert monitored([2.25] * 70 + [3.30] * 20)     # the same +47 % from a price that was never a promotion


RISE_DAYS = 13  # the price was raised 13 days before the declaration and kept


def _pre_declaration_rise(rule: str, **kw) -> pd.DataFrame:
    prices = [1.20] * (40 - RISE_DAYS) + [1.90] * RISE_DAYS + [1.90] * 10
    return market().add("x", [p * 4 for p in prices]).episodes(rule, **kw)


@pytest.mark.parametrize("rule", ["generic", "us-ca-pc396", "us-nj", "cn-samr-2020", "us-tx"])
def test_a_price_set_before_the_declaration_and_kept_is_the_pre_emergency_price(rule):
    assert "x" not in _pre_declaration_rise(rule).index


@pytest.mark.parametrize("rule", ["us-al", "nyc-2020"])
def test_statutes_that_name_a_window_still_count_a_rise_inside_it(rule):
    # Alabama: "25 % or more over the average price in the 30 days before"; NYC: the 30–60 days before
    assert "x" in _pre_declaration_rise(rule).index


def test_a_baseline_date_override_ends_the_window_before_the_rise():
    # California EO N-44-20 used Feb 4 prices: a rise after the override date is an increase
    override = T0 - pd.Timedelta(days=20)
    episodes = _pre_declaration_rise("us-ca-pc396", baseline_date=override)
    e = episodes.loc["x"]
    assert e["baseline"] == pytest.approx(4 * 1.20 / 500)
    assert e["first_violation_at"] >= T0           # no violation is dated before the emergency starts
    assert e["baseline_window_end"] < override


def test_no_violation_is_dated_before_the_emergency_starts():
    # the rise happens after the override date but before the declaration: flagged from the declaration on
    prices = [5.0] * 30 + [8.0] * 20
    m = market().add("x", prices)
    e = m.episodes("us-ca-pc396", baseline_date=T0 - 15 * DAY).loc["x"]
    assert e["first_violation_at"] == T0 + pd.Timedelta(hours=10)   # the first observation after the start
    assert e["n_days"] == 10
