"""The demo marketplace as a shopper (and a crawler) sees it: real HTTP on 127.0.0.1, a clock the test moves."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from email.utils import parsedate_to_datetime
from io import StringIO

import httpx
import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, select

from pricewatch.extract import extract_product
from pricewatch.ingest import ingest_frame
from pricewatch.simulate.marketplace import PAGE_SIZE, Marketplace
from pricewatch.store.models import PriceObservation

T0 = pd.Timestamp("2020-01-01T00:00:00Z")


def catalogue(n_masks: int = 3):
    """Hand-made frames: masks on jd (plain HTML) and tmall (JSON-LD), a sanitizer feed on carefeed."""
    listings, prices = [], []

    def add(platform, lid, style, title, category, currency, days_prices, availability=None):
        listings.append({"platform": platform, "listing_id": lid, "seller_id": f"s-{lid}",
                         "seller_name": f"店铺{lid}", "seller_license": None, "title": title, "category": category,
                         "pack_size": None, "currency": currency, "region": "CN-11", "behaviour": "stable",
                         "style": style})
        for day, price in days_prices:
            prices.append({"platform": platform, "listing_id": lid, "observed_at": T0 + pd.Timedelta(days=day),
                           "price": price, "shipping": 5.0, "currency": currency,
                           "availability": (availability or {}).get(day, "in_stock"), "title": title,
                           "pack_size": None})

    add("jd", "J100", "html", "医用外科口罩 50只装", "mask.surgical", "CNY", [(0, 29.9), (2, 89.0), (3, 89.0)])
    add("tmall", "T200", "jsonld", "KN95口罩 10只", "mask.respirator", "CNY", [(0, 1299.5), (3, 1299.5)])
    add("tmall", "T201", "jsonld", "KN95口罩 20只", "mask.respirator", "CNY", [(0, 60.0), (3, 9999.0)],
        availability={3: "out_of_stock"})
    add("tmall", "T202", "jsonld", "N95口罩 5只", "mask.respirator", "CNY", [(0, 30.0)])  # gone after day 3
    add("jd", "J101", "html", "医用口罩 10只装", "mask.surgical", "CNY", [(0, 12.0)])  # gone after day 3
    for i in range(n_masks):
        add("jd", f"J9{i:02d}", "html", f"一次性口罩 {i + 10}只装", "mask.disposable", "CNY", [(0, 10.0 + i), (3, 10.0 + i)])
    add("carefeed", "C1", "feed", "Hand sanitizer 500 ml", "hand_sanitizer", "USD", [(0, 4.99), (1, 5.49), (2, 5.99)])
    return pd.DataFrame(listings), pd.DataFrame(prices)


@pytest.fixture()
def market():
    listings, prices = catalogue(n_masks=2 * PAGE_SIZE + 3)
    with Marketplace(listings, prices) as m:
        m.set_clock(T0 + pd.Timedelta(days=3, hours=1))
        with httpx.Client(base_url=m.url, timeout=10) as client:
            m.client = client
            yield m


def test_a_product_page_shows_the_latest_price_at_the_simulated_clock(market):
    market.set_clock(T0 + pd.Timedelta(days=1))
    before = market.client.get("/jd/item/J100.html")
    market.set_clock(T0 + pd.Timedelta(days=2, hours=6))
    after = market.client.get("/jd/item/J100.html")
    assert "<span class='p-price'>￥<em>29.90</em></span>" in before.text
    assert "<span class='p-price'>￥<em>89.00</em></span>" in after.text
    # the HTTP Date is the simulated clock, so a crawler's observation time follows the scenario
    assert parsedate_to_datetime(after.headers["date"]) == (T0 + pd.Timedelta(days=2, hours=6)).to_pydatetime()


def test_the_plain_html_storefront_has_no_structured_data_but_an_internal_price_endpoint_that_agrees(market):
    page = market.client.get("/jd/item/J100.html")
    assert "ld+json" not in page.text and "itemprop" not in page.text
    prices = market.client.get("/jd/prices", params={"skuIds": "J_J100,J_J900,J_NOPE"}).json()
    assert prices == [{"id": "J_J100", "p": "89.00"}, {"id": "J_J900", "p": "10.00"}]
    fields = extract_product(page.text, str(page.url)).as_dict()
    assert fields["price"] == pytest.approx(89.0) and fields["currency"] == "CNY"


def test_the_json_ld_storefront_publishes_a_schema_org_offer_that_the_extractor_reads(market):
    page = market.client.get("/tmall/item/T200.html")
    assert page.status_code == 200 and '"@type": "Product"' in page.text
    fields = extract_product(page.text, str(page.url)).as_dict()
    assert fields["price"] == pytest.approx(1299.5) and fields["currency"] == "CNY"
    assert fields["availability"] == "in_stock" and fields["sku"] == "T200"
    assert "¥1,299.50" in page.text  # the visible price uses a thousands separator, as shops do


def test_a_sold_out_listing_shows_its_placeholder_price_as_out_of_stock(market):
    page = market.client.get("/tmall/item/T201.html")
    assert page.status_code == 200 and "OutOfStock" in page.text and "Out of stock" in page.text
    assert extract_product(page.text, str(page.url)).as_dict()["availability"] == "out_of_stock"


def test_a_removed_listing_is_a_404_on_the_json_ld_shop_and_a_shelf_notice_on_the_html_shop(market):
    market.set_clock(T0 + pd.Timedelta(days=5))  # T202 and J101 were last seen on day 0
    assert market.client.get("/tmall/item/T202.html").status_code == 404
    gone = market.client.get("/jd/item/J101.html")
    assert gone.status_code == 200 and "商品已下架" in gone.text
    assert market.client.get("/jd/item/NOSUCH.html").status_code == 404
    assert market.client.get("/tmall/item/J100.html").status_code == 404  # wrong shop for that id


def test_keyword_search_paginates_and_lists_only_what_is_on_sale(market):
    seen, url, pages = [], "/jd/search?q=口罩", 0
    while url:
        page = market.client.get(url)
        pages += 1
        links = [part.split('"')[0] for part in page.text.split('href="/jd/item/')[1:]]
        assert len(links) <= PAGE_SIZE
        seen += [link.removesuffix(".html") for link in links]
        url = page.text.split('rel="next" href="')[1].split('"')[0] if 'rel="next"' in page.text else None
    on_sale_masks = {"J100"} | {f"J9{i:02d}" for i in range(2 * PAGE_SIZE + 3)}  # J101 is off sale by day 3
    assert pages == 3 and len(seen) == len(set(seen)) and set(seen) == on_sale_masks
    assert market.client.get("/tmall/search", params={"q": "KN95"}).text.count("/tmall/item/") == 2


def test_robots_txt_disallows_the_private_area(market):
    robots = market.client.get("/robots.txt")
    assert robots.status_code == 200 and "Disallow: /private/" in robots.text


def test_failure_injection_answers_500_and_slow_pages_take_their_time(market):
    market.fail.add("J100")
    assert market.client.get("/jd/item/J100.html").status_code == 500
    market.fail.clear()
    market.slow["J900"] = 0.3
    started = time.perf_counter()
    assert market.client.get("/jd/item/J900.html").status_code == 200
    assert time.perf_counter() - started >= 0.3


def test_the_cooperating_feed_is_feed_v1_incremental_and_ingests_cleanly(market, db):
    market.set_clock(T0 + pd.Timedelta(days=1, hours=12))
    full = market.client.get("/carefeed/feed.csv")
    frame = pd.read_csv(StringIO(full.text), dtype=str, keep_default_na=False)
    assert list(frame["price"]) == ["4.99", "5.49"]  # nothing after the clock
    later = market.client.get("/carefeed/feed.csv", params={"since": "2020-01-01T12:00:00Z"})
    assert list(pd.read_csv(StringIO(later.text), dtype=str)["price"]) == ["5.49"]
    stats = ingest_frame(db, frame.replace({"": np.nan}), source="feed")
    assert (stats.accepted, stats.rejected) == (2, 0)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(PriceObservation)) == 2


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_marketplace_runs_standalone_from_the_command_line():
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "pricewatch.simulate.marketplace", "--listings", "30",
                             "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                robots = httpx.get(f"http://127.0.0.1:{port}/robots.txt", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stderr.read()
                assert time.monotonic() < deadline, "the marketplace did not start within 60 s"
                time.sleep(0.3)
        assert "Disallow: /private/" in robots.text
        search = httpx.get(f"http://127.0.0.1:{port}/jd/search", params={"q": "口罩"}, timeout=5)
        assert search.status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=10)
