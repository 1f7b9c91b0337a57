"""Noise control: each of these must not raise an alert on its own — and real gouging must.

Each test builds a small market (the listing under test plus stable peers in its category) with pure DataFrames and
runs ``analysis.detect.detect`` under a declared emergency.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.detect import detect
from analysis.presets import load_presets

T0 = pd.Timestamp("2020-01-24", tz="UTC")  # the declaration
START = T0 - pd.Timedelta(days=40)
PRESETS = load_presets()


def observations(listing: str, prices, *, shipping=0.0, pack=50.0, availability=None, hours=(10,), start=START,
                 days=None):
    """One listing's observations: ``prices[i]`` on day i at each hour in ``hours`` (None = no observation)."""
    rows = []
    for i, price in enumerate(prices):
        if price is None or (days is not None and i not in days):
            continue
        for h in hours:
            ship = shipping[i] if isinstance(shipping, (list, np.ndarray)) else shipping
            qty = pack[i] if isinstance(pack, (list, np.ndarray)) else pack
            avail = availability[i] if availability is not None else "in_stock"
            rows.append({"listing_id": listing, "observed_at": start + pd.Timedelta(days=i, hours=h),
                         "price": float(price), "shipping": ship, "quantity": qty,
                         "unit_price": (price + ship) / qty, "availability": avail, "currency": "CNY",
                         "quantity_unit": "piece"})
    return rows


def market(rows_under_test, rule="cn-samr-2020", peers=8, days=80, seed=3):
    rng = np.random.default_rng(seed)
    rows = list(rows_under_test)
    for k in range(peers):
        rows += observations(f"peer{k}", 30 * rng.uniform(0.98, 1.02, days) * (1 + 0.02 * k))
    obs = pd.DataFrame(rows)
    ids = obs["listing_id"].unique()
    listings = pd.DataFrame({"category": "mask.surgical", "region": "CN"}, index=pd.Index(ids, name="listing_id"))
    emergencies = pd.DataFrame([{"id": 1, "jurisdiction": "CN", "start": T0, "end": pd.NaT, "categories": None,
                                 "rule": rule, "baseline_date": pd.NaT}])
    result = detect(obs, listings, emergencies, PRESETS, monitor_uncovered=False)
    return result.episodes[result.episodes["listing_id"] == "x"]


def steady(days=80, price=30.0, seed=1):
    return list(price * np.random.default_rng(seed).uniform(0.985, 1.015, days))


def test_a_stable_listing_raises_nothing():
    assert market(observations("x", steady())).empty


def test_sudden_gouging_is_flagged_with_its_start():
    prices = steady()
    prices[45:] = [p * 4 for p in prices[45:]]
    episodes = market(observations("x", prices))
    assert len(episodes) == 1
    e = episodes.iloc[0]
    assert e["first_violation_at"].date() == (START + pd.Timedelta(days=45)).date()
    assert e["increase_pct"] == pytest.approx(300, abs=10)
    assert e["severity"] == "severe" and e["baseline_kind"] == "own"    # +300 % sustained: severe (≥ 150, < 400)


def test_single_observation_glitch_is_not_a_violation():
    prices = steady()
    prices[50] = prices[50] * 10
    assert market(observations("x", prices)).empty


def test_glitch_among_several_observations_a_day_is_not_a_violation():
    rows = observations("x", steady(), hours=(3, 11, 19))
    rows[50 * 3 + 1]["unit_price"] *= 10  # one of three readings on one day
    rows[51 * 3 + 1]["unit_price"] *= 10  # and one the next day
    assert market(rows).empty


@pytest.mark.parametrize("placeholder", [999, 9999, 99999, 9999.99])
def test_out_of_stock_placeholder_prices_are_ignored(placeholder):
    prices = steady()
    availability = ["in_stock"] * 80
    for day in range(45, 52):
        prices[day] = placeholder
        availability[day] = "out_of_stock"
    assert market(observations("x", prices, availability=availability)).empty


def test_placeholder_price_without_out_of_stock_flag_is_ignored_too():
    prices = steady()
    for day in range(45, 52):
        prices[day] = 9999
    assert market(observations("x", prices)).empty


def test_pack_size_change_that_keeps_the_unit_price_is_not_gouging():
    prices = steady()
    packs = [50.0] * 80
    for day in range(45, 80):
        prices[day] *= 2
        packs[day] = 100.0
    assert market(observations("x", prices, pack=packs)).empty


def test_promotions_and_price_drops_are_not_violations():
    prices = steady()
    for day in range(80):
        if day % 7 in (5, 6):
            prices[day] *= 0.85  # weekend promotion
    prices[36:40] = [p * 0.75 for p in prices[36:40]]  # festival sale running into the declaration
    prices[60:] = [p * 0.8 for p in prices[60:]]  # lasting price drop
    assert market(observations("x", prices)).empty


def test_decimal_typo_is_not_a_violation():
    prices = steady()
    prices[30] = prices[30] / 100  # before the emergency: must not drag the baseline down
    prices[55] = prices[55] / 100
    assert market(observations("x", prices)).empty


def test_gaps_of_several_days_are_not_violations():
    days = set(range(80)) - set(range(42, 48)) - set(range(55, 61))
    assert market(observations("x", steady(), days=days)).empty


def test_irregular_times_and_zones_do_not_matter():
    rows = observations("x", steady(), hours=(1, 7, 23))
    for r in rows:  # the same instants written with a +08:00 offset are the same UTC instants
        r["observed_at"] = r["observed_at"].tz_convert("Asia/Shanghai")
    obs = pd.DataFrame(rows)
    obs["observed_at"] = obs["observed_at"].dt.tz_convert("UTC")
    assert market(obs.to_dict("records")).empty


def test_shipping_fee_hike_on_a_flat_item_price_is_gouging():
    prices = steady()
    shipping = [0.0] * 45 + [120.0] * 35  # item price flat, shipping 4x the item price
    episodes = market(observations("x", prices, shipping=shipping))
    assert len(episodes) == 1 and episodes.iloc[0]["increase_pct"] > 300


def test_following_a_market_wide_increase_is_not_a_violation():
    rng = np.random.default_rng(9)
    rows = []
    for k in range(10):  # the whole category rises 30 % after the declaration
        prices = list(30 * rng.uniform(0.99, 1.01, 80))
        prices[45:] = [p * 1.3 for p in prices[45:]]
        rows += observations("x" if k == 0 else f"m{k}", prices)
    obs = pd.DataFrame(rows)
    listings = pd.DataFrame({"category": "gloves", "region": "CN"},
                            index=pd.Index(obs["listing_id"].unique(), name="listing_id"))
    emergencies = pd.DataFrame([{"id": 1, "jurisdiction": "CN", "start": T0, "end": pd.NaT, "categories": None,
                                 "rule": "cn-samr-2020", "baseline_date": pd.NaT}])
    result = detect(obs, listings, emergencies, PRESETS, monitor_uncovered=False)
    assert result.episodes.empty
    index = result.index[result.index["category"] == "gloves"]
    assert index["index"].iloc[-1] == pytest.approx(1.3, abs=0.03)


def test_gouging_on_top_of_a_market_increase_is_still_flagged():
    rng = np.random.default_rng(9)
    rows = []
    for k in range(10):
        prices = list(30 * rng.uniform(0.99, 1.01, 80))
        prices[45:] = [p * (1.3 if k else 3.0) for p in prices[45:]]
        rows += observations("x" if k == 0 else f"m{k}", prices)
    obs = pd.DataFrame(rows)
    listings = pd.DataFrame({"category": "gloves", "region": "CN"},
                            index=pd.Index(obs["listing_id"].unique(), name="listing_id"))
    emergencies = pd.DataFrame([{"id": 1, "jurisdiction": "CN", "start": T0, "end": pd.NaT, "categories": None,
                                 "rule": "cn-samr-2020", "baseline_date": pd.NaT}])
    episodes = detect(obs, listings, emergencies, PRESETS, monitor_uncovered=False).episodes
    assert episodes["listing_id"].tolist() == ["x"]
    e = episodes.iloc[0]
    assert e["market_pct"] == pytest.approx(30, abs=3)
    assert e["adjusted_increase_pct"] == pytest.approx(130, abs=10)  # 3.0 / 1.3 − 1


def test_new_seller_after_the_emergency_is_judged_against_the_market():
    late = [None] * 45 + [30 * 3.0] * 35  # no history before the declaration; 3x the market
    episodes = market(observations("x", late))
    assert len(episodes) == 1
    assert episodes.iloc[0]["baseline_kind"] == "peer"
    fair = [None] * 45 + [31.0] * 35
    assert market(observations("x", fair)).empty


def test_temporary_gouging_is_one_episode_that_ends():
    prices = steady()
    prices[50:55] = [p * 3 for p in prices[50:55]]
    episodes = market(observations("x", prices))
    assert len(episodes) == 1
    assert episodes.iloc[0]["n_days"] == 5 and not episodes.iloc[0]["ongoing"]


def test_small_rise_is_a_violation_under_a_no_increase_rule_but_not_under_california():
    prices = steady()
    prices[45:] = [p * 1.08 for p in prices[45:]]
    assert len(market(observations("x", prices), rule="cn-samr-2020")) == 1   # any increase beyond tolerance
    assert market(observations("x", prices), rule="us-ca-pc396").empty        # under the 10 % line
