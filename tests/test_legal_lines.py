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
LINES = sorted(r for r, p in PRESETS.items() if not p.capped)  # presets with a line over a baseline
BASE = 5.00


def _flagged(rule: str, price: float) -> bool:
    m = Market()
    for k in range(6):  # flat peers: the market index is exactly 1.00, so the increase is not netted
        m.add(f"peer{k}", [BASE * (1 + 0.01 * k)] * 50)
    m.add("x", [BASE] * 40 + [price] * 10)
    return "x" in m.episodes(rule).index


def _line(rule: str) -> float:
    return PRESETS[rule].threshold_pct


@pytest.mark.parametrize("rule", LINES)
def test_an_increase_exactly_on_the_line_follows_the_statute_wording(rule):
    at_line = BASE * (1 + _line(rule) / 100)
    expected = PRESETS[rule].at_line == "violation"
    assert _flagged(rule, at_line) is expected


@pytest.mark.parametrize("rule", LINES)
def test_just_under_the_line_is_never_a_violation(rule):
    assert not _flagged(rule, BASE * (1 + (_line(rule) - 0.01) / 100))


@pytest.mark.parametrize("rule", LINES)
def test_just_over_the_line_is_always_a_violation(rule):
    assert _flagged(rule, BASE * (1 + (_line(rule) + 0.01) / 100))


def test_the_statutes_words_decide_the_line_itself():
    # "more than" statutes leave the line allowed; "or more" statutes make it a violation
    allowed = {r for r, p in PRESETS.items() if p.at_line == "allowed"}
    assert {"us-ca-pc396", "us-nj", "generic", "us-ks", "us-wi"} <= allowed
    assert {r for r, p in PRESETS.items() if p.at_line == "violation"} == {"us-pa", "us-al", "nyc-2020"}
    assert {r for r, p in PRESETS.items() if p.capped} == {"fr-cap-2020"}
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


def _capped(price: float, *, shipping: float = 0.0, quantity: float = 50.0, category: str = "mask.surgical",
            unit: str = "piece") -> bool:
    m = Market()
    m.add("x", [price] * 50, shipping=shipping, quantity=quantity, category=category, unit=unit)
    return "x" in m.episodes("fr-cap-2020").index


def test_an_absolute_cap_allows_a_price_exactly_at_it():
    assert not _capped(0.95 * 50)                       # €47.50 for 50 surgical masks: exactly €0.95 each
    assert not _capped(0.9499 * 50)
    assert _capped(0.9501 * 50)                         # one hundredth of a cent per mask over the cap


def test_a_cap_applies_to_the_item_price_without_shipping():
    assert not _capped(0.90 * 50, shipping=9.0)         # €0.90 a mask, €9 delivery: the cap excludes delivery
    assert _capped(1.00 * 50, shipping=0.0)


def test_gel_caps_follow_the_bottle_size_bracket():
    assert not _capped(2.64, quantity=100, category="hand_sanitizer", unit="ml")    # €2.64 for 100 ml
    assert _capped(2.65, quantity=100, category="hand_sanitizer", unit="ml")
    assert not _capped(1.76, quantity=50, category="hand_sanitizer", unit="ml")     # €1.76 for 50 ml
    assert _capped(1.77, quantity=50, category="hand_sanitizer", unit="ml")
    assert not _capped(4.40, quantity=300, category="hand_sanitizer", unit="ml")
    assert _capped(4.41, quantity=300, category="hand_sanitizer", unit="ml")
    # a litre bottle has no cap in the décret's brackets as RULES.md gives them: not evaluated, not flagged
    assert not _capped(40.0, quantity=1000, category="hand_sanitizer", unit="ml")


def test_a_cap_is_not_netted_by_the_market():
    m = Market()
    for k in range(6):                                   # the whole market rises 30 %: the cap does not move
        m.add(f"peer{k}", [0.80 * 50] * 40 + [1.04 * 50] * 10, quantity=50.0, category="mask.surgical", unit="piece")
    m.add("x", [0.80 * 50] * 40 + [1.04 * 50] * 10, quantity=50.0, category="mask.surgical", unit="piece")
    e = m.episodes("fr-cap-2020").loc["x"]
    assert e["baseline_kind"] == "cap" and e["baseline"] == 0.95
    assert e["increase_pct"] == pytest.approx((1.04 / 0.95 - 1) * 100)
