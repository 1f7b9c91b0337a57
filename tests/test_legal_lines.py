"""A threshold written in a statute is applied exactly: at the line, just under it and just over it, per preset.

€5.00 → €5.50 is +10.00 %: not "more than 10 %" (California, the generic preset), but "10 % or more" (NYC). The
increase is compared rounded to 0.01 %, so 5.5 / 5.0 − 1 = 0.10000000000000009 does not cross a 10 % line.
"""

from __future__ import annotations

import numpy as np
import pytest
from market_builder import Market

from analysis.presets import load_presets
from analysis.violations import exact_pct, over_line

PRESETS = load_presets()
BASE = 5.00


def _flagged(rule: str, price: float) -> bool:
    m = Market()
    for k in range(6):  # flat peers: the market index is exactly 1.00, so the increase is not netted
        m.add(f"peer{k}", [BASE * (1 + 0.01 * k)] * 50)
    m.add("x", [BASE] * 40 + [price] * 10)
    return "x" in m.episodes(rule).index


def _line(rule: str) -> float:
    return PRESETS[rule].threshold_pct


@pytest.mark.parametrize("rule", sorted(PRESETS))
def test_an_increase_exactly_on_the_line_follows_the_statute_wording(rule):
    at_line = BASE * (1 + _line(rule) / 100)
    expected = PRESETS[rule].at_line == "violation"
    assert _flagged(rule, at_line) is expected


@pytest.mark.parametrize("rule", sorted(PRESETS))
def test_just_under_the_line_is_never_a_violation(rule):
    assert not _flagged(rule, BASE * (1 + (_line(rule) - 0.01) / 100))


@pytest.mark.parametrize("rule", sorted(PRESETS))
def test_just_over_the_line_is_always_a_violation(rule):
    assert _flagged(rule, BASE * (1 + (_line(rule) + 0.01) / 100))


def test_the_statutes_words_decide_the_line_itself():
    # "more than" statutes leave the line allowed; "or more" statutes make it a violation
    allowed = {r for r, p in PRESETS.items() if p.at_line == "allowed"}
    assert {"us-ca-pc396", "us-nj", "generic", "us-ks", "us-wi"} <= allowed
    assert {r for r, p in PRESETS.items() if p.at_line == "violation"} == {"us-pa", "us-al", "nyc-2020"}
    assert _line("us-pa") == 20 and _line("us-al") == 25 and _line("us-wi") == 15 and _line("nyc-2020") == 10


def test_five_euros_to_five_fifty_is_exactly_ten_percent():
    raw = (5.5 / 5.0 - 1) * 100
    assert raw > 10  # binary floating point: 10.000000000000009
    assert exact_pct(np.array([raw]))[0] == 10.0
    assert not over_line(np.array([raw]), np.array([10.0]), np.array([0.0]), np.array([False]))[0]
    assert over_line(np.array([raw]), np.array([10.0]), np.array([0.0]), np.array([True]))[0]


def test_a_no_increase_rule_allows_only_its_rounding_tolerance():
    assert not _flagged("cn-samr-2020", 5.10)     # +2.00 %: the tolerance itself
    assert _flagged("cn-samr-2020", 5.1005)       # +2.01 %


def test_new_sellers_are_held_to_the_new_seller_line_over_their_peers():
    def new_seller(price: float, rule: str = "us-ca-pc396") -> bool:
        m = Market()
        for k in range(6):
            m.add(f"peer{k}", [BASE] * 50)
        m.add("new", [None] * 40 + [price] * 10)
        return "new" in m.episodes(rule).index

    assert not new_seller(7.50)      # +50.00 % over the peers: CA's "more than 50 %" is not crossed
    assert not new_seller(7.4995)
    assert new_seller(7.5005)


def test_a_wobbling_listing_must_exceed_its_own_noise_strictly():
    # when four times the listing's normal wobble is above the legal line, the wobble is the line
    assert over_line(np.array([12.0]), np.array([10.0]), np.array([12.0]), np.array([True])).tolist() == [False]
    assert over_line(np.array([12.01]), np.array([10.0]), np.array([12.0]), np.array([True])).tolist() == [True]
