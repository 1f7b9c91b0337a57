"""Explanations say what changed — item price, shipping, pack — against which baseline or peers, word for word."""

from __future__ import annotations

import pandas as pd
from market_builder import PRESETS, Market

from analysis.explain import explain_all, price_components


def explanations(m: Market, rule: str) -> dict[str, str]:
    result = m.detect(rule, jurisdiction="US")
    episodes = result.episodes.copy()
    obs = pd.DataFrame(m.rows)
    meta = pd.DataFrame.from_dict(m.meta, orient="index")
    last = obs.sort_values("observed_at").groupby("listing_id").last()
    episodes["category"] = episodes["listing_id"].map(meta["category"])
    episodes["currency"] = episodes["listing_id"].map(last["currency"])
    episodes["unit"] = episodes["listing_id"].map(last["quantity_unit"])
    episodes["quantity"] = episodes["listing_id"].map(last["quantity"])
    components = price_components(obs[obs["listing_id"].isin(episodes["listing_id"])], episodes)
    return dict(zip(episodes["listing_id"], explain_all(episodes, PRESETS, components, tz="UTC")))


def masks(m: Market) -> Market:
    """Six other sellers of 50-mask packs at flat prices $26.00 … $28.50."""
    for k in range(6):
        m.add(f"peer{k}", [26.0 + 0.5 * k] * 50, category="mask.respirator", unit="piece", quantity=50.0,
              currency="USD", region="US-CA")
    return m


def test_a_shipping_hike_with_the_item_price_unchanged():
    m = masks(Market())
    m.add("x", [27.31] * 50, shipping=[0.0] * 40 + [214.46] * 10, category="mask.respirator", unit="piece",
          quantity=50.0, currency="USD", region="US-CA", quantity_source="title:count")
    text = explanations(m, "us-ca-pc396")["x"]
    assert text == (
        "Unit price rose from $0.5462 to $4.835 per mask (+785%) on 2020-03-01. "
        "What changed: item price unchanged at $27.31; shipping rose from $0.00 to $214.46. "
        "Baseline: last_before, median of 7 observations 2020-02-23…2020-02-29 (regular prices: temporary discounts "
        "excluded). us-ca-pc396 flags increases above 10% (statutory line). Market index for mask.respirator moved "
        "+0% in the same period. Quantity: 50 pieces, read from the title (rule count). Presumptive (prima facie): "
        "the seller may show cost increases.")


def test_a_smaller_pack_at_the_same_price():
    m = masks(Market())
    m.add("x", [27.31] * 50, quantity=[50.0] * 40 + [20.0] * 10, category="mask.respirator", unit="piece",
          currency="USD", region="US-CA", quantity_source="pack_size")
    text = explanations(m, "us-ca-pc396")["x"]
    assert text == (
        "Unit price rose from $0.5462 to $1.366 per mask (+150%) on 2020-03-01. "
        "What changed: item price unchanged at $27.31; pack changed from 50 pieces to 20 pieces. "
        "Baseline: last_before, median of 7 observations 2020-02-23…2020-02-29 (regular prices: temporary discounts "
        "excluded). us-ca-pc396 flags increases above 10% (statutory line). Market index for mask.respirator moved "
        "+0% in the same period. Quantity: 20 pieces, from the feed's pack_size. Presumptive (prima facie): the "
        "seller may show cost increases.")


def test_a_peer_comparison_names_the_group_the_statistic_and_says_it_is_presumptive():
    m = masks(Market())
    m.add("new", [None] * 40 + [81.93] * 10, category="mask.respirator", unit="piece", quantity=50.0,
          currency="USD", region="US-CA", quantity_source="default_single")
    text = explanations(m, "us-ca-pc396")["new"]
    assert text == (
        "Unit price rose from $0.565 to $1.639 per mask (+190%) on 2020-03-01. "
        "Baseline: no same-product peers; listings of the same size class: the 90th percentile of 6 listings' "
        "pre-emergency unit prices (mask.respirator · USD/piece · packs of 25–100 piece), peer_p90_30d "
        "2020-01-31…2020-02-29; the listing has no price history of its own before the emergency. us-ca-pc396 flags "
        "increases above 10% (statutory line), and 50% over the peers for sellers without history. Market index for "
        "mask.respirator moved +0% in the same period. Quantity: 50 pieces, one item by the single-unit convention "
        "(no count stated). Presumptive (prima facie) peer comparison: for sellers without a prior price the "
        "statutes look at cost (CA: more than 50% over cost; UT: cost + 30%; CN: 明显高于 cost), which only the "
        "seller can show.")


def test_no_market_index_is_said_rather_than_plus_zero():
    m = Market()
    m.add("x", [10.0] * 40 + [20.0] * 10, category="gloves", unit="piece", quantity=100.0, region="US")
    text = explanations(m, "generic")["x"]
    assert "No market index for gloves (too few listings with a baseline to compute one)." in text
    assert "+0% in the same period" not in text
