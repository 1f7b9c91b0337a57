"""Shared crawls through Redis (scrapy-redis, 127.0.0.1:6379): two crawl workers against the demo marketplace
fetch every page exactly once between them (counted at the server), and when one is killed mid-crawl the other
finishes the queue — the killed worker's in-flight pages included. Needs Redis: without it these tests fail."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid

import pandas as pd
import pytest
import redis
from sqlalchemy import select

from pricewatch.crawl import CrawlSummary, run_crawl
from pricewatch.simulate.marketplace import Marketplace
from pricewatch.simulate.scenario import build_scenario
from pricewatch.store.models import Listing, PriceObservation

KEYWORDS = "口罩,消毒液,酒精,洗手液,手套,mask,sanitizer,wipes,goggles,gloves"
REDIS = "redis://127.0.0.1:6379/0"


@pytest.fixture(scope="module")
def scenario():
    return build_scenario(n_listings=48, days=30, emergency_day=15, seed=11)


@pytest.fixture
def queue_name():
    """A fresh shared-crawl name; its Redis keys are gone afterwards (the last worker deletes them, or this)."""
    server = redis.Redis.from_url(REDIS)
    server.ping()  # no Redis, no test: fail here rather than skip
    name = f"test-{uuid.uuid4().hex[:10]}"
    yield name
    keys = list(server.scan_iter(f"pricewatch:crawl:{name}:*"))
    if keys:
        server.delete(*keys)


def market_for(sc, slow: float) -> Marketplace:
    market = Marketplace(sc.listings, sc.prices)
    market.set_clock(sc.start + pd.Timedelta(days=20))
    market.slow = {lid: slow for lid in sc.listings["listing_id"]}  # every product page takes `slow` seconds
    return market


def worker(market: Marketplace, name: str, env: dict) -> subprocess.Popen:
    base = ",".join(f"{market.url}/{p}" for p in ("jd", "tmall", "shopus"))
    return subprocess.Popen([sys.executable, "-m", "pricewatch.crawl", "search", f"base={base}",
                             f"keywords={KEYWORDS}"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def summary_of(proc: subprocess.Popen) -> CrawlSummary:
    out, err = proc.communicate(timeout=240)
    assert proc.returncode == 0, err[-2000:]
    return CrawlSummary(**json.loads([line for line in out.splitlines() if line.startswith("{")][-1]))


def product_hits(market: Marketplace) -> dict[str, int]:
    with market.lock:
        return {path: n for path, n in market.hits.items() if "/item/" in path}


def stored_listings(db) -> set[str]:
    with db.session() as s:
        return set(s.scalars(select(Listing.listing_key).join(PriceObservation)))


def test_two_workers_fetch_every_page_exactly_once_between_them(db, workdir, database_url, scenario, queue_name):
    # what one ordinary crawl fetches: the reference
    with market_for(scenario, 0.0) as market:
        alone = run_crawl("search", {"base": ",".join(f"{market.url}/{p}" for p in ("jd", "tmall", "shopus")),
                                     "keywords": KEYWORDS})
        reference = dict(market.hits)
    assert alone.pages > 40 and alone.failed == 0
    listings_alone = stored_listings(db)
    with db.session() as s:
        s.query(PriceObservation).delete()
        s.commit()

    env = dict(os.environ, PRICEWATCH_DATABASE_URL=database_url, PRICEWATCH_CRAWL_QUEUE=queue_name,
               PRICEWATCH_REDIS_URL=REDIS)
    # each worker holds at most 4 requests (2 downloading) and product pages answer after 0.4 s, so the queue keeps
    # work for several seconds whichever worker starts first: with Scrapy's default 32 the first worker took every
    # page before a worker slow to start on a loaded machine (CI) looked, and a worker that finds the queue empty
    # polls it again only at Scrapy's 5 s idle heartbeat
    (workdir / "pricewatch.toml").write_text(
        "[crawl]\nconcurrency = 4\nconcurrency_per_domain = 2\nautothrottle = false\n", encoding="utf-8")
    with market_for(scenario, 0.4) as market:
        first, second = worker(market, queue_name, env), worker(market, queue_name, env)
        a, b = summary_of(first), summary_of(second)
        hits = dict(market.hits)
    # every page the lone crawl fetched was fetched once in all — robots.txt once per worker
    assert {p: n for p, n in hits.items() if p != "/robots.txt"} == \
        {p: n for p, n in reference.items() if p != "/robots.txt"}
    assert set(product_hits(market).values()) == {1}
    assert hits["/robots.txt"] == 2
    # the work was divided, and together the workers stored what the lone crawl stored
    assert a.pages > 1 and b.pages > 1, (a, b)  # each fetched pages beyond its robots.txt (shares vary with timing)
    assert a.pages + b.pages == alone.pages + 1  # (+1: the second worker's robots.txt)
    assert stored_listings(db) == listings_alone
    assert a.failed == b.failed == 0
    # the last worker out deleted the crawl's keys: the next round with this name starts afresh
    assert not list(redis.Redis.from_url(REDIS).scan_iter(f"pricewatch:crawl:{queue_name}:*"))


def test_a_killed_worker_leaves_its_pages_to_the_other(db, workdir, database_url, scenario, queue_name):
    env = dict(os.environ, PRICEWATCH_DATABASE_URL=database_url, PRICEWATCH_CRAWL_QUEUE=queue_name,
               PRICEWATCH_REDIS_URL=REDIS, PRICEWATCH_CRAWL_WORKER_TTL="2")
    (workdir / "pricewatch.toml").write_text("[crawl]\nconcurrency_per_domain = 2\nautothrottle = false\n",
                                             encoding="utf-8")
    with market_for(scenario, 0.15) as market:
        expected = {f"/{p}/item/{lid}.html" for lid, p in zip(scenario.listings["listing_id"],
                                                               scenario.listings["platform"])
                    if p in ("jd", "tmall", "shopus") and market.current(lid) is not None}
        victim, survivor = worker(market, queue_name, env), worker(market, queue_name, env)
        deadline = time.time() + 120
        while len(product_hits(market)) < len(expected) // 3 and time.time() < deadline:
            time.sleep(0.02)
        victim.send_signal(signal.SIGKILL)  # mid-crawl: pages in flight, more queued
        victim.wait()
        at_kill = len(product_hits(market))
        assert at_kill < len(expected)
        done = summary_of(survivor)
        hits = product_hits(market)
    # the survivor finished the queue: every product page was fetched, and every listing shown is stored
    assert expected <= set(hits), sorted(expected - set(hits))
    listed = {path.rsplit("/", 1)[1].removesuffix(".html") for path in expected}
    in_stock = {lid for lid in listed if market.current(lid)["availability"] != "out_of_stock"}
    assert in_stock and in_stock <= stored_listings(db), sorted(in_stock - stored_listings(db))
    # fetched twice only what the killed worker held — requests it had popped (waiting in its downloader, being
    # fetched, or parsed in its last second and not yet stored) came back to the queue from its in-flight set
    # (when the victim held nothing at the kill — e.g. it was still waiting out Scrapy's idle heartbeat — nothing
    # comes back and nothing may be fetched twice)
    twice = [path for path, n in hits.items() if n > 1]
    assert len(twice) <= done.reclaimed, (twice, done.reclaimed)
    assert max(hits.values()) <= 2


def test_shared_crawl_names_an_unreachable_redis_and_a_bad_queue_name(run_cli):
    result = run_cli("crawl", "product", "-a", "urls=http://127.0.0.1:9/x", "--shared-queue", "masks",
                     "--redis", "redis://127.0.0.1:1/0")
    assert result.exit_code == 1
    assert "Redis at redis://127.0.0.1:1/0 does not answer" in result.output and "Traceback" not in result.output
    result = run_cli("crawl", "product", "-a", "urls=http://127.0.0.1:9/x", "--shared-queue", "a:b")
    assert result.exit_code == 2 and "--shared-queue" in result.output
