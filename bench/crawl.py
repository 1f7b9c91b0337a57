"""Crawl benchmark: the full pipeline vs a bare parse-only spider, on the same pages, in one run.

    python bench/crawl.py [--pages 2200] [--page-kb 50]

Serves ``--pages`` product pages (both storefront styles, padded to about ``--page-kb`` KB like real pages) from the
demo marketplace on 127.0.0.1, then crawls the same URL list twice with the same Scrapy settings:

1. bare: ``ProductSpider`` reading every page with ``pricewatch.extract`` (JSON-LD, markup, heuristic) but with no
   item pipeline — parsing only;
2. full: ``pricewatch crawl product`` — parse + evidence (gzip, SHA-256, snapshot rows) + validation + normalisation
   + storage in a fresh SQLite database.

Prints pages/s for both (the crawl itself, from Scrapy's start to finish, without process start-up) and the ratio.
Goal (issue 3): full ≥ 0.6 × bare.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BARE = """
import json, sys, time
from scrapy.crawler import CrawlerProcess
from scrapy.utils.project import get_project_settings
settings = get_project_settings()
settings.set("ITEM_PIPELINES", {})
process = CrawlerProcess(settings, install_root_handler=False)
crawler = process.create_crawler("product")
t = time.perf_counter()
process.crawl(crawler, url_file=sys.argv[1])
process.start()
stats = crawler.stats.get_stats()
print(json.dumps({"pages": stats.get("response_received_count", 0), "items": stats.get("item_scraped_count", 0),
                  "seconds": time.perf_counter() - t}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=2200)
    parser.add_argument("--page-kb", type=int, default=50)
    args = parser.parse_args()
    from pricewatch.crawl import run_crawl
    from pricewatch.simulate.marketplace import Marketplace
    from pricewatch.simulate.scenario import build_scenario

    sc = build_scenario(n_listings=int(args.pages * 1.5), days=10, emergency_day=5, seed=3, obs_per_day=(1, 1))
    shops = sc.listings[sc.listings["style"] != "feed"].head(args.pages)
    folder = Path(tempfile.mkdtemp(prefix="pw-bench-crawl-"))
    root = Path(__file__).resolve().parent.parent
    env = dict(os.environ, SCRAPY_SETTINGS_MODULE="spiders.settings", PYTHONPATH=str(root),
               PRICEWATCH_DATABASE_URL=f"sqlite:///{folder / 'crawl.db'}")
    with Marketplace(sc.listings, sc.prices, padding=args.page_kb * 1000) as market:
        market.set_clock(sc.start + pd.Timedelta(days=4, hours=23))
        urls = folder / "urls.txt"
        urls.write_text("\n".join(market.item_url(lid) for lid in shops["listing_id"]), encoding="utf-8")
        print(f"{len(shops):,} product pages of ~{args.page_kb} KB at {market.url}", flush=True)

        proc = subprocess.run([sys.executable, "-c", BARE, str(urls)], env=env, cwd=folder, capture_output=True,
                              text=True)
        if proc.returncode:
            sys.exit(proc.stderr[-2000:])
        bare = json.loads([x for x in proc.stdout.splitlines() if x.startswith("{")][-1])
        print(f"bare parse-only spider : {bare['pages'] / bare['seconds']:7.1f} pages/s ({bare['pages']:,} pages, "
              f"{bare['items']:,} items, {bare['seconds']:.1f}s)", flush=True)

        os.environ["PRICEWATCH_DATABASE_URL"] = env["PRICEWATCH_DATABASE_URL"]
        t = time.perf_counter()
        full = run_crawl("product", {"url_file": str(urls)})
        wall = time.perf_counter() - t
        print(f"full pipeline          : {full.pages / full.seconds:7.1f} pages/s ({full.pages:,} pages, "
              f"{full.stored:,} observations stored with evidence, {full.rejected} rejected, {full.seconds:.1f}s; "
              f"{wall:.1f}s with process start-up)")
    ratio = (full.pages / full.seconds) / (bare["pages"] / bare["seconds"])
    print(f"ratio full/bare = {ratio:.2f} (goal >= 0.6)")


if __name__ == "__main__":
    main()
