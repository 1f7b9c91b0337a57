"""Reconciliation on the demo marketplace: one platform's feed understates its page prices; pricewatch crawls the
pages and finds exactly the listings (and times) the scenario lowered — no more, no fewer."""

from __future__ import annotations

import httpx
import pandas as pd
import pytest
from api_seed import role_keys
from sqlalchemy import select

from pricewatch.crawl import run_crawl
from pricewatch.enforcement.compliance import compliance
from pricewatch.ingest import ingest_frame
from pricewatch.reconcile import ReconcileSettings, discrepancies_frame, reconcile
from pricewatch.simulate.marketplace import Marketplace
from pricewatch.simulate.scenario import build_scenario
from pricewatch.simulate.understate import understate
from pricewatch.store.models import Listing, Platform, PriceObservation

KEYWORDS = "口罩,消毒液,酒精,洗手液,手套,mask,sanitizer,wipes,goggles,gloves"
WINDOW = pd.Timedelta(hours=24)


@pytest.fixture(scope="module")
def scenario():
    return build_scenario(n_listings=48, days=30, emergency_day=15, seed=14)


def _crawl_days(db, sc, days):  # noqa: ANN001, ANN202
    with Marketplace(sc.listings, sc.prices) as market:
        for day in days:
            market.set_clock(sc.start + pd.Timedelta(days=day, hours=23, minutes=59))
            run_crawl("search", {"base": f"{market.url}/jd,{market.url}/tmall", "keywords": KEYWORDS},
                      database_url=db.settings.database_url)


def _truth(db, sc, lowered: pd.DataFrame) -> set[tuple[str, pd.Timestamp]]:  # noqa: ANN001
    """(listing, page time) of every crawled page of an understated listing whose feed row current at the page's
    time was lowered: read from the scenario (its row at the page's time) and the pages the crawl stored."""
    with db.session() as s:
        pages = s.execute(select(Platform.name, Listing.listing_key, PriceObservation.observed_at,
                                 PriceObservation.price)
                          .join(Listing, Listing.id == PriceObservation.listing_id)
                          .join(Platform, Platform.id == Listing.platform_id)
                          .where(PriceObservation.snapshot_sha256.is_not(None))).all()
    prices = sc.prices.sort_values("observed_at")
    truth = set()
    since = lowered["since"].iloc[0]
    for _platform, key, at, _price in pages:
        if key not in set(lowered["listing_id"]):
            continue
        rows = prices[(prices["listing_id"] == key) & (prices["observed_at"] <= pd.Timestamp(at))]
        if rows.empty:
            continue
        row = rows.iloc[-1]
        if row["observed_at"] >= since and pd.Timestamp(at) - row["observed_at"] <= WINDOW and pd.notna(row["price"]):
            truth.add((key, pd.Timestamp(at)))
    return truth


def test_discrepancies_match_the_scenario_where_a_feed_understates_its_pages(db, workdir, scenario):
    sc = scenario
    since = sc.start + pd.Timedelta(days=18)
    feed, lowered = understate(sc.feed(), platform="tmall", share=0.4, factor=0.8, since=since)
    ingest_frame(db, feed[feed["platform"].isin(["jd", "tmall"])], source="platform-feed")
    _crawl_days(db, sc, [12, 20, 25])
    stats = reconcile(db)
    found = discrepancies_frame(db)
    truth = _truth(db, sc, lowered)
    got = {(k, t) for k, t in zip(found["listing_id"], found["page_observed_at"])}
    assert len(truth) >= 5, truth
    assert got == truth, (sorted(got - truth)[:5], sorted(truth - got)[:5])
    assert set(found["platform"]) == {"tmall"}
    # the feed says 80 % of the page: the page is 25 % above the feed
    assert found["difference_pct"].between(24, 26).all()
    assert found["snapshot_sha256"].str.fullmatch("[0-9a-f]{64}").all()
    assert stats.disagreeing == len(truth) and stats.pairs > stats.disagreeing
    # idempotent: a second run records nothing new
    assert reconcile(db).new == 0 and len(discrepancies_frame(db)) == len(truth)

    report = compliance(db).set_index("platform")
    assert report.loc["jd", "feed_accuracy_pct"] == 100.0 and report.loc["jd", "feed_understated"] == 0
    assert report.loc["tmall", "feed_understated"] == len(truth)
    assert report.loc["tmall", "feed_accuracy_pct"] < 100.0
    assert report.loc["tmall", "feed_median_difference_pct"] == pytest.approx(25.0, abs=1)


def test_a_regulator_reads_the_discrepancies_over_http_and_a_platform_cannot(db, workdir, scenario, run_cli):
    sc = scenario
    feed, _lowered = understate(sc.feed(), platform="jd", share=0.5, factor=0.5, since=sc.start)
    ingest_frame(db, feed[feed["platform"] == "jd"], source="platform-feed")
    _crawl_days(db, sc, [20])
    keys = role_keys(db)
    from pricewatch.api.serve import serve_api

    with serve_api(db) as base:
        regulator = httpx.get(f"{base}/v1/reconciliation", params={"refresh": "true"},
                              headers={"Authorization": f"Bearer {keys['regulator']}"})
        assert regulator.status_code == 200, regulator.text
        body = regulator.json()
        assert body["discrepancies"] and {d["platform"] for d in body["discrepancies"]} == {"jd"}
        first = body["discrepancies"][0]
        assert first["page_price"] > first["feed_price"] and len(first["snapshot_sha256"]) == 64
        assert body["feed_accuracy"][0]["platform"] == "jd"
        for role in ("platform", "analyst"):
            assert httpx.get(f"{base}/v1/reconciliation",
                             headers={"Authorization": f"Bearer {keys[role]}"}).status_code == 403
    out = run_cli("reconcile")
    assert out.exit_code == 0, out.output
    assert "jd" in out.output and "100%" in out.output  # a page at twice the feed price


def test_small_rounding_differences_are_not_discrepancies():
    from analysis.reconcile import pair_observations

    t = pd.Timestamp("2020-02-01T12:00:00Z")
    pages = pd.DataFrame({"listing_id": [1, 2, 3], "observed_at": [t] * 3, "price": [29.90, 30.50, 29.91],
                          "shipping": [float("nan")] * 3, "currency": ["CNY", "CNY", "USD"], "source": "spider:search",
                          "snapshot_sha256": ["a" * 64] * 3})
    feeds = pd.DataFrame({"listing_id": [1, 2, 3], "observed_at": [t - pd.Timedelta(hours=3)] * 3,
                          "price": [29.899, 29.90, 20.0], "shipping": [0.0] * 3, "currency": ["CNY", "CNY", "CNY"],
                          "source": "feed"})
    pairs = pair_observations(pages, feeds, window=WINDOW, tolerance_pct=ReconcileSettings().tolerance_pct)
    assert list(pairs["listing_id"]) == [1, 2]  # 3: another currency, never compared
    assert list(pairs["disagrees"]) == [False, True]
