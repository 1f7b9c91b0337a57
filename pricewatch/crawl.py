"""Run a crawl in a child process and return its summary.

Scrapy's Twisted reactor cannot be restarted inside one process, so ``pricewatch crawl`` — and the long-running
service — start each crawl as ``python -m pricewatch.crawl SPIDER key=value …``. The child runs the spider with
``spiders.settings`` (plus ``[crawl]`` overrides from pricewatch.toml), stores into the configured database
(inherited through the environment), and prints one JSON summary line last.

Shared crawls: with ``shared_queue=NAME`` (``pricewatch crawl --shared-queue NAME``) the request queue and the
seen-set live in Redis (``redis_url``, default ``PRICEWATCH_REDIS_URL`` or ``redis://127.0.0.1:6379/0``), so
several crawl processes — on several machines, sharing the evidence folder — divide the pages between them and
none is fetched twice (``spiders.shared_queue``; docs/scale.md).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass

from pricewatch.errors import PricewatchError


@dataclass
class CrawlSummary:
    spider: str
    pages: int
    items: int
    stored: int
    duplicate: int
    rejected: int
    new_listings: int
    removed: int
    failed: int
    retries: int
    robots_forbidden: int
    seconds: float
    reclaimed: int = 0  # shared crawls: requests of dead workers this worker queued again

    def line(self) -> str:
        return (f"{self.spider}: {self.pages} pages, {self.items} items ({self.stored} new observations, "
                f"{self.duplicate} duplicate), {self.rejected} rejected, {self.new_listings} new listings, "
                f"{self.removed} removed, {self.failed} failed after {self.retries} retries, "
                f"{self.robots_forbidden} forbidden by robots.txt, {self.seconds:.1f}s"
                + (f"; {self.reclaimed} requests of dead workers queued again" if self.reclaimed else ""))


DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def run_crawl(spider: str, args: dict[str, str] | None = None, *, timeout: float | None = None,
              database_url: str | None = None, shared_queue: str | None = None,
              redis_url: str | None = None) -> CrawlSummary:
    """Crawl in a child process (callable again and again from one process). ``database_url`` overrides the
    configured database for the child; ``shared_queue`` joins the shared crawl of that name (see above)."""
    cmd = [sys.executable, "-m", "pricewatch.crawl", spider, *[f"{k}={v}" for k, v in (args or {}).items()]]
    env = dict(os.environ)
    if database_url:
        env["PRICEWATCH_DATABASE_URL"] = database_url
    if shared_queue:
        env["PRICEWATCH_CRAWL_QUEUE"] = shared_queue
    if redis_url:
        env["PRICEWATCH_REDIS_URL"] = redis_url
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise PricewatchError(f"crawl {spider} failed: {(proc.stderr or proc.stdout).strip()[-800:]}")
    return CrawlSummary(**json.loads(lines[-1]))


def _child(argv: list[str]) -> None:
    import time

    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    from pricewatch.config import load_settings

    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "spiders.settings")
    spider, *pairs = argv
    kwargs = dict(pair.split("=", 1) for pair in pairs)
    settings = get_project_settings()
    crawl = load_settings().section("crawl")
    if crawl.get("contact_url"):
        settings.set("USER_AGENT", f"pricewatch/0.1 (+{crawl['contact_url']})")
    for key, name in (("concurrency", "CONCURRENT_REQUESTS"),
                      ("concurrency_per_domain", "CONCURRENT_REQUESTS_PER_DOMAIN"),
                      ("autothrottle", "AUTOTHROTTLE_ENABLED"), ("http_cache", "HTTPCACHE_ENABLED"),
                      ("retry_times", "RETRY_TIMES"), ("download_timeout", "DOWNLOAD_TIMEOUT")):
        if key in crawl:
            settings.set(name, crawl[key])
    if shared := os.environ.get("PRICEWATCH_CRAWL_QUEUE"):
        from spiders.shared_queue import shared_settings

        for name, value in shared_settings(shared, os.environ.get("PRICEWATCH_REDIS_URL", DEFAULT_REDIS_URL)).items():
            if name == "SPIDER_MIDDLEWARES":
                value = {**settings.getdict("SPIDER_MIDDLEWARES"), **value}
            settings.set(name, value)
    process = CrawlerProcess(settings, install_root_handler=False)
    crawler = process.create_crawler(spider)
    started = time.perf_counter()
    process.crawl(crawler, **kwargs)
    process.start()
    stats = crawler.stats.get_stats()
    counts = {k.removeprefix("pricewatch/"): v for k, v in stats.items() if k.startswith("pricewatch/")}
    summary = CrawlSummary(
        spider=spider, pages=int(stats.get("response_received_count", 0)), items=int(counts.get("items", 0)),
        stored=int(counts.get("stored", 0)), duplicate=int(counts.get("duplicate", 0)),
        rejected=int(counts.get("rejected", 0)), new_listings=int(counts.get("new_listings", 0)),
        removed=int(counts.get("removed", 0)), failed=int(stats.get("pricewatch/failed_pages", 0)),
        retries=int(stats.get("retry/count", 0)),
        robots_forbidden=int(stats.get("robotstxt/forbidden", 0)), seconds=time.perf_counter() - started,
        reclaimed=int(stats.get("pricewatch/reclaimed", 0)))
    print(json.dumps(summary.__dict__))


if __name__ == "__main__":
    _child(sys.argv[1:])
