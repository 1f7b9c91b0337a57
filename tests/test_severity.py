"""Severity triages: the sustained increase net of the market, times how certain the comparison is."""

from __future__ import annotations

import pandas as pd
import pytest
from market_builder import Market

from analysis.severity import certainty, grade


@pytest.mark.parametrize(("sustained", "tier"), [(30, "watch"), (49.99, "watch"), (50, "alert"), (149, "alert"),
                                                 (150, "severe"), (399, "severe"), (400, "egregious")])
def test_tiers_of_the_effective_increase(sustained, tier):
    assert grade(pd.Series([float(sustained)]), pd.Series([1.0])).iloc[0] == tier


def test_a_less_certain_comparison_is_ranked_lower():
    episodes = pd.DataFrame({
        "baseline_kind": ["own", "own", "peer", "peer", "own"],
        "short_history": [False, True, False, False, False],
        "peer_statistic": [None, None, "median", "p90", None],
        "quantity_source": ["pack_size", "pack_size", "pack_size", "pack_size", "title:count"],
    })
    assert certainty(episodes).round(3).tolist() == [1.0, 0.75, 0.75, 0.5, 0.9]
    tiers = grade(pd.Series([500.0] * 5), certainty(episodes)).tolist()
    assert tiers == ["egregious", "severe", "severe", "severe", "egregious"]


def test_one_extreme_day_does_not_make_an_episode_egregious():
    m = Market().steady(6, 5.0)
    m.add("x", [5.0] * 40 + [30.0] + [7.0] * 9)            # one day at 6×, then +40 % sustained
    e = m.episodes("generic").loc["x"]
    assert e["peak_increase_pct"] > 400 and e["severity"] == "watch"
    assert e["sustained_increase_pct"] == pytest.approx(40.0, abs=1)
