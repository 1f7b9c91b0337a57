"""Real crawls of the demo marketplace on 127.0.0.1 (in child processes, as `pricewatch crawl` runs them)."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import select

from pricewatch.crawl import run_crawl
from pricewatch.simulate.marketplace import Marketplace
from pricewatch.simulate.scenario import build_scenario
from pricewatch.store.models import Listing, Platform, PriceObservation, RejectedRecord, Snapshot

KEYWORDS = "口罩,消毒液,酒精,洗手液,手套,mask,sanitizer,wipes,goggles,gloves"


@pytest.fixture(scope="module")
def scenario():
    return build_scenario(n_listings=36, days=30, emergency_day=15, seed=5)


def listed_at(market: Marketplace, sc, platforms):
    rows = {}
    for lid, platform in zip(sc.listings["listing_id"], sc.listings["platform"]):
        if platform in platforms and (row := market.current(lid)) is not None:
            rows[(platform, lid)] = row
    return rows


def stored(db):
    with db.session() as s:
        return {(p, k): (o.price, o.currency, o.quantity, o.quantity_unit, o.snapshot_sha256, o.observed_at)
                for p, k, o in s.execute(select(Platform.name, Listing.listing_key, PriceObservation)
                                         .join(Listing, Listing.platform_id == Platform.id)
                                         .join(PriceObservation, PriceObservation.listing_id == Listing.id))}


def test_crawl_finds_every_listing_of_both_storefront_styles_and_the_feed(db, workdir, scenario):
    sc = scenario
    with Marketplace(sc.listings, sc.prices) as market:
        clock = sc.start + pd.Timedelta(days=20)
        market.set_clock(clock)
        expected = listed_at(market, sc, {"jd", "tmall", "shopus"})
        summary = run_crawl("search", {"base": f"{market.url}/jd,{market.url}/tmall,{market.url}/shopus",
                                       "keywords": KEYWORDS})
        feed = run_crawl("feed", {"urls": f"{market.url}/carefeed/feed.csv"})
        assert market.hits.get("/private/admin", 0) == 0  # robots.txt disallows it
    assert summary.robots_forbidden >= 1 and summary.failed == 0
    got = stored(db)
    for (platform, lid), row in expected.items():
        if row["availability"] == "out_of_stock" and row["price"] >= 999:
            continue  # a sold-out placeholder is stored as the page shows it; detection ignores it
        price, currency, quantity, unit, sha, observed = got[(platform, lid)]
        assert price == pytest.approx(row["price"]), (platform, lid)
        assert currency == row["currency"] and sha is not None
        assert observed == clock.to_pydatetime()  # the page's Date: the market's clock
        assert unit in ("piece", "ml") and quantity > 0
    assert len(expected) >= 20
    with db.session() as s:
        sellers = dict(s.execute(select(Listing.listing_key, Listing.seller_id)).all())
        assert all(sellers[lid] is not None for _, lid in expected)
        snapshots = s.scalars(select(Snapshot.url)).all()
    assert len(snapshots) >= len(expected)  # every product page fetched is kept as evidence
    assert not any("search" in u for u in snapshots)  # search result pages are not evidence
    assert feed.stored > 0 and feed.new_listings == sc.listings["platform"].eq("carefeed").sum() - sum(
        1 for lid in sc.listings.loc[sc.listings["platform"] == "carefeed", "listing_id"]
        if sc.prices.loc[sc.prices["listing_id"] == lid, "observed_at"].min() > clock)


def test_server_errors_are_retried_then_recorded_failed(db, workdir, scenario):
    sc = scenario
    jd = sc.listings[sc.listings["platform"] == "jd"]["listing_id"].tolist()
    with Marketplace(sc.listings, sc.prices) as market:
        market.set_clock(sc.start + pd.Timedelta(days=10))
        market.fail.add(jd[0])
        urls = ",".join(market.item_url(lid) for lid in jd[:3])
        summary = run_crawl("product", {"urls": urls})
        assert market.hits[f"/jd/item/{jd[0]}.html"] == 3  # first try + 2 retries
    assert summary.failed == 1 and summary.retries == 2


def test_timeouts_are_retried_then_recorded_failed(db, workdir, scenario):
    (workdir / "pricewatch.toml").write_text("[crawl]\ndownload_timeout = 1\nretry_times = 1\n", encoding="utf-8")
    sc = scenario
    tm = sc.listings[sc.listings["platform"] == "tmall"]["listing_id"].tolist()
    with Marketplace(sc.listings, sc.prices) as market:
        market.set_clock(sc.start + pd.Timedelta(days=10))
        market.slow[tm[0]] = 8  # well past the 1 s timeout: the first page's storing can hold the reactor a while on a busy machine
        summary = run_crawl("product", {"urls": ",".join(market.item_url(lid) for lid in tm[:2])})
    assert summary.failed == 1 and summary.retries == 1


def test_removed_listing_is_marked_unavailable(db, workdir):
    listings = pd.DataFrame({
        "listing_id": ["A1", "H1"], "platform": ["shopus", "jd"], "style": ["jsonld", "html"],
        "title": ["KN95 Face Mask 20 PCS", "医用外科口罩 50只/盒"], "category": ["mask.respirator", "mask.surgical"],
        "seller_id": ["s1", "s2"], "seller_name": ["Store 1", "店铺2"], "seller_license": [None, None],
        "region": ["US-CA", "CN"], "currency": ["USD", "CNY"]})
    t0 = pd.Timestamp("2020-02-01", tz="UTC")
    prices = pd.DataFrame({
        "listing_id": ["A1", "H1"], "platform": ["shopus", "jd"], "observed_at": [t0, t0], "price": [19.99, 29.9],
        "shipping": [0.0, 0.0], "currency": ["USD", "CNY"], "availability": ["in_stock", "in_stock"],
        "title": ["KN95 Face Mask 20 PCS", "医用外科口罩 50只/盒"], "pack_size": [None, None]})
    with Marketplace(listings, prices) as market:
        urls = ",".join(market.item_url(x) for x in ("A1", "H1"))
        market.set_clock(t0 + pd.Timedelta(hours=1))
        first = run_crawl("product", {"urls": urls})
        market.set_clock(t0 + pd.Timedelta(days=10))  # no longer sold: 404 (JSON-LD shop) / 商品已下架 (JD style)
        second = run_crawl("product", {"urls": urls})
    assert first.stored == 2 and second.removed == 2
    with db.session() as s:
        assert set(s.scalars(select(Listing.status))) == {"unavailable"}


def test_page_without_a_readable_price_is_quarantined_with_its_snapshot(db, workdir):
    listings = pd.DataFrame({"listing_id": ["X1"], "platform": ["jd"], "style": ["html"], "title": ["口罩 50只/盒"],
                             "category": ["mask.surgical"], "seller_id": ["s"], "seller_name": ["店"],
                             "seller_license": [None], "region": ["CN"], "currency": ["CNY"]})
    t0 = pd.Timestamp("2020-02-01", tz="UTC")
    prices = pd.DataFrame({"listing_id": ["X1"], "platform": ["jd"], "observed_at": [t0], "price": [float("nan")],
                           "shipping": [0.0], "currency": ["CNY"], "availability": ["in_stock"],
                           "title": ["口罩 50只/盒"], "pack_size": [None]})
    with Marketplace(listings, prices) as market:
        market.set_clock(t0)
        summary = run_crawl("product", {"urls": market.item_url("X1")})
    assert summary.rejected == 1
    with db.session() as s:
        record = s.scalars(select(RejectedRecord)).one()
        assert "no readable price" in record.reason and record.snapshot_sha256
        assert s.get(Snapshot, record.snapshot_sha256) is not None


def test_crawl_command_prints_a_summary(run_cli, scenario):
    sc = scenario
    with Marketplace(sc.listings, sc.prices) as market:
        market.set_clock(sc.start + pd.Timedelta(days=20))
        result = run_cli("crawl", "feed", "-a", f"urls={market.url}/carefeed/feed.csv")
    assert result.exit_code == 0 and "new observations" in result.output and "rejected" in result.output
