"""The scenario generator: the shared contract (columns, zones, truth), determinism, and titles that the normaliser
reads back to the intended unit prices."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pricewatch.ingest import ingest_frame
from pricewatch.normalize import normalize_title
from pricewatch.simulate.scenario import BEHAVIOURS, GOUGING, Scenario, build_scenario

LISTING_COLUMNS = {"platform", "listing_id", "seller_id", "seller_name", "seller_license", "title", "category",
                   "pack_size", "currency", "region", "behaviour", "style"}
PRICE_COLUMNS = {"platform", "listing_id", "observed_at", "price", "shipping", "currency", "availability", "title",
                 "pack_size"}


@pytest.fixture(scope="module")
def panel() -> Scenario:
    return build_scenario(n_listings=1500, days=80, emergency_day=40, seed=7)


def test_scenario_keeps_the_shared_contract(panel):
    assert set(panel.listings.columns) >= LISTING_COLUMNS
    assert set(panel.prices.columns) >= PRICE_COLUMNS
    assert {"platform", "listing_id", "behaviour", "gouging", "violation_start"} <= set(panel.truth.columns)
    assert str(panel.prices["observed_at"].dt.tz) == "UTC"
    assert set(panel.listings["style"]) == {"html", "jsonld", "feed"}
    assert panel.listings[["platform", "listing_id"]].duplicated().sum() == 0
    assert len(panel.truth) == len(panel.listings)
    by_variant = {e["variant"]: e for e in panel.emergency}
    assert by_variant["cn"]["jurisdiction"] == "CN" and by_variant["cn"]["rules"] == "cn-samr-2020"
    assert by_variant["us"]["jurisdiction"] == "US-CA" and by_variant["us"]["rules"] == "us-ca-pc396"
    assert all(e["start"] == pd.Timestamp("2020-02-10", tz="UTC") for e in panel.emergency)


def test_panel_has_every_behaviour_on_both_variants(panel):
    listings = panel.listings
    assert set(listings["behaviour"]) == set(BEHAVIOURS)
    assert set(listings["platform"]) == {"jd", "tmall", "shopus", "carefeed"}
    cn = listings[listings["platform"].isin(["jd", "tmall"])]
    us = listings[listings["platform"].isin(["shopus", "carefeed"])]
    assert set(cn["currency"]) == {"CNY"} and set(us["currency"]) == {"USD"}
    assert cn["title"].str.contains("[\u4e00-\u9fff]").all() and not us["title"].str.contains("[\u4e00-\u9fff]").any()
    # at least 15 listings of every behaviour, so per-behaviour rates mean something
    assert listings["behaviour"].value_counts().min() >= 15


def test_same_seed_same_market_other_seed_other_market():
    a = build_scenario(n_listings=60, days=20, emergency_day=10, seed=3)
    b = build_scenario(n_listings=60, days=20, emergency_day=10, seed=3)
    c = build_scenario(n_listings=60, days=20, emergency_day=10, seed=4)
    pd.testing.assert_frame_equal(a.prices, b.prices)
    pd.testing.assert_frame_equal(a.truth, b.truth)
    assert not a.prices["price"].equals(c.prices["price"])


def test_ground_truth_marks_gougers_from_after_the_declaration(panel):
    truth = panel.truth
    declared = panel.emergency[0]["start"]
    assert truth["gouging"].eq(truth["behaviour"].isin(GOUGING)).all()
    assert (truth.loc[truth["gouging"], "violation_start"] > declared).all()
    assert truth.loc[~truth["gouging"], "violation_start"].isna().all()


def test_observations_per_day_follow_the_request():
    sc = build_scenario(n_listings=40, days=10, emergency_day=5, seed=2, obs_per_day=(2, 2))
    stable = sc.truth.loc[sc.truth["behaviour"] == "stable", "listing_id"]
    per_day = (sc.prices[sc.prices["listing_id"].isin(stable)]
               .groupby(["listing_id", sc.prices["observed_at"].dt.floor("D")]).size())
    assert per_day.eq(2).all()


def test_titles_give_the_normaliser_the_intended_unit_price(panel):
    # stable listings before the emergency sell at their normal unit price ±2 %: the pack read from the title (or
    # the feed's pack_size) must bring each price back to it
    stable = panel.listings[panel.listings["behaviour"] == "stable"].set_index(["platform", "listing_id"])
    first = panel.prices.groupby(["platform", "listing_id"]).head(1).set_index(["platform", "listing_id"])
    first = first.join(stable[["normal_unit_price", "category"]], how="inner")
    for (title, pack_size, category), group in first.groupby(["title", first["pack_size"].fillna(""), "category"]):
        q = normalize_title(title, pack_size or None)
        assert q["category"] == category, title
        assert q["quantity"], title
        ratio = (group["price"] / q["quantity"]) / group["normal_unit_price"]
        assert ratio.between(0.97, 1.03).all(), (title, q)


def test_pack_change_keeps_the_unit_price_and_says_so_in_the_title(panel):
    lid = panel.truth.loc[panel.truth["behaviour"] == "pack_change", "listing_id"].iloc[0]
    rows = panel.prices[panel.prices["listing_id"] == lid]
    titles = rows["title"].unique()
    assert len(titles) == 2
    unit = [r.price / normalize_title(r.title, r.pack_size)["quantity"] for r in rows.itertuples()]
    assert max(unit) / min(unit) < 1.05


def test_placeholders_are_out_of_stock_and_shipping_hikes_keep_the_item_price(panel):
    placeholders = panel.prices[panel.prices["price"].isin([999.0, 9999.0, 99999.0])]
    assert len(placeholders) and placeholders["availability"].eq("out_of_stock").all()
    lid = panel.truth.loc[panel.truth["behaviour"] == "shipping_hike", "listing_id"].iloc[0]
    rows = panel.prices[panel.prices["listing_id"] == lid]
    assert rows["price"].max() / rows["price"].min() < 1.05
    assert rows["shipping"].max() >= 3 * rows["price"].median()


def test_the_feed_ingests_without_a_single_rejected_row(db):
    sc = build_scenario(n_listings=80, days=20, emergency_day=10, seed=11)
    feed = sc.feed()
    assert feed.map(lambda v: isinstance(v, str)).all().all()
    stats = ingest_frame(db, feed, source="scenario")
    assert stats.rejected == 0 and stats.accepted == len(sc.prices)
    assert stats.new_listings == len(sc.listings)


def test_a_big_panel_builds_fast_because_it_is_vectorised():
    # 1,500 listings × 80 days × 1–3 observations ≈ 240,000 rows; a per-observation loop would take tens of seconds
    import time

    t = time.perf_counter()
    sc = build_scenario(n_listings=1500, days=80, seed=1)
    elapsed = time.perf_counter() - t
    assert len(sc.prices) > 200_000
    assert elapsed < 15, elapsed
    assert np.isfinite(sc.prices["price"]).all()
