"""Rule presets are data with citations; emergencies pick them by --rules or jurisdiction."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.baseline import own_baselines
from analysis.presets import load_presets, preset_for_jurisdiction, presets_version, severity

REQUIRED = ["generic", "us-ca-pc396", "us-nj", "us-pa", "us-al", "us-ks", "us-wi", "us-wv", "us-ok", "us-ar", "us-dc",
            "nyc-2020", "us-ny", "us-fl", "us-tx", "us-ma", "us-va", "cn-samr-2020", "cn-platform-pledge",
            "cn-hainan-2020", "cn-hunan-2020", "de-wucher"]


def test_every_required_preset_exists_with_source_and_review_date():
    presets = load_presets()
    assert presets_version()
    for pid in REQUIRED:
        p = presets[pid]
        assert p.source and len(p.source) > 20, pid
        assert pd.Timestamp(p.last_reviewed) <= pd.Timestamp.now(), pid
        assert p.baseline


def test_thresholds_follow_the_statutes():
    p = load_presets()
    assert p["us-ca-pc396"].flag_pct == 10 and p["us-ca-pc396"].baseline == "last_before"
    assert p["us-pa"].flag_pct == 20 and p["us-pa"].baseline == "mean_7d"
    assert p["us-wi"].flag_pct == 15 and p["us-wi"].baseline == "max_60d"
    assert p["nyc-2020"].baseline == "median_30_60d"
    assert p["cn-samr-2020"].flag_pct == 0 and "needs_cost_evidence" in p["cn-samr-2020"].flags
    assert p["generic"].threshold_pct == 10


@pytest.mark.parametrize(("code", "preset"), [("CN", "cn-samr-2020"), ("CN-46", "cn-hainan-2020"),
                                               ("US-CA", "us-ca-pc396"), ("US-NY-NYC", "nyc-2020"),
                                               ("US-NY", "us-ny"), ("FR", "generic"), ("us-pa", "us-pa")])
def test_jurisdiction_picks_its_preset(code, preset):
    assert preset_for_jurisdiction(code) == preset


@pytest.mark.parametrize(("pct", "tier"), [(5, "watch"), (10, "watch"), (25, "alert"), (49, "alert"), (50, "severe"),
                                           (100, "egregious"), (560, "egregious")])
def test_generic_severity_tiers(pct, tier):
    assert severity(pct) == tier


def _daily(values, start="2020-01-01"):
    days = pd.date_range(start, periods=len(values), freq="D", tz="UTC")
    return pd.DataFrame({"listing_id": "a", "day": days, "unit_price": values, "n_obs": 1})


def test_baseline_methods_use_the_window_before_the_declaration():
    values = [1.0] * 30 + [2.0] * 20 + [5.0] * 10   # the declaration is on day 60
    daily = _daily(values)
    t0 = pd.Series({"a": pd.Timestamp("2020-03-01", tz="UTC")})
    median = own_baselines(daily, t0, "median_30d").iloc[0]
    assert median["baseline"] == 2.0 and median["n_days"] == 30
    assert median["window_end"] == pd.Timestamp("2020-02-29", tz="UTC")
    highest = own_baselines(daily, t0, "max_60d").iloc[0]
    assert highest["baseline"] == 5.0
    last = own_baselines(daily, t0, "last_before").iloc[0]
    assert last["baseline"] == 5.0 and last["n_days"] == 7
    week = own_baselines(daily, t0, "mean_7d").iloc[0]
    assert week["baseline"] == 5.0
    nyc = own_baselines(daily, t0, "median_30_60d").iloc[0]
    assert nyc["baseline"] == pytest.approx(1.0) and nyc["window_end"] == pd.Timestamp("2020-01-31", tz="UTC")


def test_too_little_history_gives_no_own_baseline():
    daily = _daily([1.0, 1.0], start="2020-02-27")
    t0 = pd.Series({"a": pd.Timestamp("2020-03-01", tz="UTC")})
    assert own_baselines(daily, t0, "median_30d").empty


def test_last_before_is_not_set_by_a_sale_running_at_the_declaration():
    values = [1.0] * 53 + [0.75] * 7   # a week-long sale just before the declaration
    t0 = pd.Series({"a": pd.Timestamp("2020-03-01", tz="UTC")})
    assert own_baselines(_daily(values), t0, "last_before").iloc[0]["baseline"] == 1.0
