"""Baselines: the listing's own pre-emergency price, the market's, and the rolling one — each with its provenance.

Pure DataFrames through ``analysis.series`` and ``analysis.baseline`` (no database).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.baseline import BASELINE_COLUMNS, own_baselines, peer_baselines, rolling_baselines
from analysis.detect import detect
from analysis.market import category_index, movement
from analysis.presets import load_presets
from analysis.series import daily_series

T0 = pd.Timestamp("2020-01-24", tz="UTC")
DAY = pd.Timedelta(days=1)


def obs(listing, day_offsets, prices, *, hour=9, availability="in_stock", quantity=10.0):
    """Observations of one listing at ``T0 + offset days + hour`` (offsets negative before the declaration)."""
    prices = np.broadcast_to(np.asarray(prices, dtype="float64"), (len(day_offsets),))
    avail = [availability] * len(day_offsets) if isinstance(availability, str) else list(availability)
    return pd.DataFrame({
        "listing_id": listing,
        "observed_at": [T0 + d * DAY + pd.Timedelta(hours=hour) for d in day_offsets],
        "price": prices * quantity,
        "unit_price": prices,
        "availability": avail,
    })


def baseline_of(frame, method="median_30d", t0=T0):
    daily = daily_series(frame)
    out = own_baselines(daily, pd.Series({lid: t0 for lid in daily["listing_id"].unique()}), method)
    return out.set_index("listing_id")


def test_own_baseline_is_the_median_of_the_thirty_days_before_the_declaration():
    days = list(range(-45, 5))
    prices = [9.0 if d < -30 else (1.0 if d < 0 else 7.0) for d in days]   # older and later prices must not count
    prices[-10] = 1.2                                                         # one odd day inside the window
    b = baseline_of(obs("a", days, prices)).loc["a"]
    assert b["baseline"] == 1.0
    assert b["method"] == "median_30d"
    assert b["window_start"] == T0 - 30 * DAY and b["window_end"] == T0 - DAY
    assert b["n_days"] == 30 and b["n_obs"] == 30
    assert list(baseline_of(obs("a", days, prices)).reset_index().columns) == BASELINE_COLUMNS


def test_out_of_stock_observations_and_placeholder_prices_stay_out_of_the_baseline():
    days = list(range(-20, 0))
    prices = np.where(np.arange(20) % 4 == 0, 99.99, 1.0)          # every 4th day a placeholder 999.9 total price
    frame = obs("a", days, prices, availability=["out_of_stock" if i % 5 == 1 else "in_stock" for i in range(20)])
    frame.loc[np.arange(20) % 4 == 0, "price"] = 9999.0              # sold-out placeholder listed without the flag
    b = baseline_of(frame).loc["a"]
    assert b["baseline"] == 1.0
    kept = sum(1 for i in range(20) if i % 4 != 0 and i % 5 != 1)
    assert b["n_days"] == kept


def test_several_observations_on_one_day_count_as_one_day_towards_the_minimum():
    # six observations, but on two distinct days only: fewer than the three days a baseline needs
    frame = pd.concat([obs("a", [-3, -2], [1.0, 1.1], hour=h) for h in (1, 9, 17)], ignore_index=True)
    assert baseline_of(frame).empty
    frame = pd.concat([frame, obs("a", [-1], [1.05])], ignore_index=True)
    b = baseline_of(frame).loc["a"]
    assert b["n_days"] == 3 and b["n_obs"] == 7


def test_trimmed_mean_for_average_statutes_drops_an_outlying_day():
    days = list(range(-30, 0))
    prices = [1.0 + 0.01 * (i % 5) for i in range(30)]
    prices[7] = 40.0
    b = baseline_of(obs("a", days, prices), "mean_30d").loc["a"]
    assert b["baseline"] == pytest.approx(np.mean([p for p in prices if p < 40]), rel=0.01)


def test_wisconsin_takes_the_highest_price_of_sixty_days_and_nyc_skips_the_last_thirty():
    days = list(range(-70, 0))
    prices = [1.5 if d == -50 else (1.0 if d < -30 else 0.8) for d in days]
    frame = obs("a", days, prices)
    wi = baseline_of(frame, "max_60d").loc["a"]
    assert wi["baseline"] == 1.5 and wi["window_start"] == T0 - 60 * DAY
    nyc = baseline_of(frame, "median_30_60d").loc["a"]
    assert nyc["baseline"] == 1.0
    assert nyc["window_start"] == T0 - 60 * DAY and nyc["window_end"] == T0 - 30 * DAY


def test_price_immediately_before_is_the_recent_level_not_one_last_reading():
    days = list(range(-30, 0))
    prices = [1.0] * 29 + [1.6]                       # the very last reading is odd
    b = baseline_of(obs("a", days, prices), "last_before").loc["a"]
    assert b["baseline"] == 1.0


def test_a_baseline_date_override_moves_the_window():
    days = list(range(-60, 0))
    prices = [1.0 if d < -30 else 2.0 for d in days]
    b = baseline_of(obs("a", days, prices), t0=T0 - 30 * DAY).loc["a"]
    assert b["baseline"] == 1.0 and b["window_end"] == T0 - 31 * DAY


def _own(values: dict[str, float]) -> pd.DataFrame:
    return pd.DataFrame({"listing_id": list(values), "baseline": list(values.values()),
                         "window_start": T0 - 30 * DAY, "window_end": T0 - DAY, "n_obs": 30})


def test_peer_baseline_is_the_market_median_within_category_currency_and_unit():
    own = _own({"a": 1.0, "b": 1.2, "c": 0.9, "d": 50.0, "u1": 0.2, "u2": 0.25})
    listings = pd.DataFrame({
        "category": ["mask.surgical"] * 4 + ["mask.surgical"] * 2,
        "currency": ["CNY"] * 4 + ["USD"] * 2,
        "unit": "piece",
    }, index=["a", "b", "c", "d", "u1", "u2"])
    peers = peer_baselines(own, listings).set_index("currency")
    assert peers.loc["CNY", "peer_baseline"] == pytest.approx(1.1)   # one outlier seller does not drag it
    assert peers.loc["CNY", "peer_n"] == 4
    assert "USD" not in peers.index                                   # two listings are too few for a market


def test_rolling_baseline_only_looks_back():
    daily = pd.DataFrame({"listing_id": "a", "day": pd.date_range("2020-01-01", periods=12, tz="UTC"),
                          "unit_price": [1.0] * 10 + [5.0, 5.0]})
    rolled = rolling_baselines(daily, window=28, min_days=7)
    assert rolled.iloc[:7].isna().all()                  # fewer than seven earlier days
    assert rolled.iloc[7] == 1.0
    assert rolled.iloc[10] == 1.0                         # the day itself does not enter its own baseline
    assert rolled.iloc[11] == 1.0


def test_daily_series_takes_the_median_of_the_day_in_utc():
    frame = pd.concat([obs("a", [0], [1.0], hour=1), obs("a", [0], [1.2], hour=12), obs("a", [0], [30.0], hour=23)])
    daily = daily_series(frame)
    assert len(daily) == 1
    row = daily.iloc[0]
    assert row["unit_price"] == 1.2 and row["n_obs"] == 3 and row["day"] == T0


def test_market_index_moves_when_the_whole_category_moves_and_not_for_one_seller():
    frames = []
    for k in range(8):
        after = 1.3 if k < 7 else 6.0                     # seven listings +30 %, one gouger ×6
        frames.append(obs(f"l{k}", list(range(-30, 10)), [1.0] * 30 + [after] * 10))
    daily = daily_series(pd.concat(frames, ignore_index=True))
    t0 = pd.Series({f"l{k}": T0 for k in range(8)})
    base = own_baselines(daily, t0)
    listings = pd.DataFrame({"category": "gloves", "currency": "CNY", "unit": "piece"},
                            index=[f"l{k}" for k in range(8)])
    index = category_index(daily, base, listings)
    after = index[index["day"] >= T0 + DAY]
    assert after["index"].round(2).eq(1.3).all()
    assert index[index["day"] < T0]["index"].round(2).eq(1.0).all()
    moved = movement(index, T0 - 10 * DAY).iloc[0]
    assert moved["change_pct"] == pytest.approx(30.0, abs=0.5)


def test_every_alert_episode_records_how_its_baseline_was_made():
    frames = [obs(f"p{k}", list(range(-40, 20)), 1.0 + 0.01 * k) for k in range(6)]
    frames.append(obs("x", list(range(-40, 20)), [1.0] * 43 + [3.0] * 17))
    frames.append(obs("new", list(range(5, 20)), 4.0))              # a new seller: no history of its own
    frame = pd.concat(frames, ignore_index=True)
    frame["currency"], frame["quantity_unit"], frame["quantity"] = "CNY", "piece", 10.0
    ids = frame["listing_id"].unique()
    listings = pd.DataFrame({"category": "mask.surgical", "region": "CN-11"}, index=pd.Index(ids, name="listing_id"))
    emergencies = pd.DataFrame([{"id": 1, "jurisdiction": "CN", "start": T0, "end": pd.NaT, "categories": None,
                                 "rule": "cn-samr-2020", "baseline_date": pd.NaT}])
    episodes = detect(frame, listings, emergencies, load_presets(), monitor_uncovered=False).episodes
    episodes = episodes.set_index("listing_id")
    assert set(episodes.index) == {"x", "new"}
    own = episodes.loc["x"]
    assert own["baseline_kind"] == "own" and own["baseline_method"] == "last_before"
    assert own["baseline"] == pytest.approx(1.0) and own["baseline_n"] == 7
    assert own["baseline_window_end"] == T0 - DAY
    peer = episodes.loc["new"]
    # no product key: the size-class peers' 90th percentile of pre-emergency unit prices
    assert peer["baseline_kind"] == "peer" and peer["baseline_method"] == "peer_p90_30d"
    prices = sorted([1.0] + [1.0 + 0.01 * k for k in range(6)])   # x's own baseline is one of the peers
    assert peer["baseline"] == pytest.approx(np.quantile(prices, 0.9), abs=1e-9)
    assert peer["peer_n"] == 7 and peer["peer_statistic"] == "p90"
    assert peer["peer_group"] == "mask.surgical · CNY/piece · packs of 5–20 piece"
    assert peer["increase_pct"] == pytest.approx((4.0 / np.quantile(prices, 0.9) - 1) * 100, abs=0.01)
