"""Crawl benchmark: the full pipeline vs a bare parse-only spider, on the same pages, in one run.

    python bench/crawl.py [--pages 2200] [--page-kb 50] [--heavy-pages 240] [--real FOLDER]

Serves ``--pages`` product pages (both storefront styles, padded to about ``--page-kb`` KB like real pages) from the
demo marketplace on 127.0.0.1, then crawls the same URL list twice with the same Scrapy settings:

1. bare: ``ProductSpider`` reading every page with ``pricewatch.extract`` (JSON-LD, markup, heuristic) but with no
   item pipeline — parsing only;
2. full: ``pricewatch crawl product`` — parse + evidence (gzip, SHA-256, snapshot rows) + validation + normalisation
   + storage in a fresh SQLite database.

Prints pages/s for both (the crawl itself, from Scrapy's start to finish, without process start-up) and the ratio.
Goal (issue 3): full ≥ 0.6 × bare.

Then the same comparison on real-size pages (issue 12; goal: full ≥ 0.8 × bare), served by a plain HTTP server
on 127.0.0.1 (keep-alive, no Nagle delay):

- ``--heavy-pages`` distinct generated pages of 300 KB–1 MB with heavy markup (mega-menus, RDFa breadcrumbs,
  inline state blobs, 60 recommended products with prices, reviews; :func:`bench.pages.heavy_page`), and
- with ``--real FOLDER``: the real saved product pages listed in FOLDER's ``truth.jsonl`` files (others' pages,
  kept outside the repository), each served once.

``--pages 0`` skips the synthetic 50 KB phase.
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


class _PageServer:
    """A local HTTP server for a fixed set of pages: ``/<shop>/item/<n>.html`` → bytes (others 404)."""

    def __init__(self, pages: dict[str, bytes]) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        class Handler(BaseHTTPRequestHandler):
            disable_nagle_algorithm = True  # MEASURED.md: http.server stalls keep-alive responses otherwise
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # noqa: ANN002
                pass

            def do_GET(self) -> None:  # noqa: N802
                body = pages.get(self.path)
                self.send_response(200 if body is not None else 404)
                body = body if body is not None else b"not found"
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> _PageServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:  # noqa: ANN002
        self.server.shutdown()
        self.server.server_close()


def _children_cpu() -> float:
    """CPU seconds (user + system) used so far by this process's finished child processes."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _compare(urls: list[str], label: str, root: Path) -> float:
    """Crawl ``urls`` with the bare parse-only spider, then with the full pipeline into a fresh database; print both
    and return the ratio full / bare (pages per second of the crawl itself)."""
    from pricewatch.crawl import run_crawl

    folder = Path(tempfile.mkdtemp(prefix="pw-bench-crawl-"))
    env = dict(os.environ, SCRAPY_SETTINGS_MODULE="spiders.settings", PYTHONPATH=str(root),
               PRICEWATCH_DATABASE_URL=f"sqlite:///{folder / 'crawl.db'}")
    url_file = folder / "urls.txt"
    url_file.write_text("\n".join(urls), encoding="utf-8")
    cpu = _children_cpu()
    proc = subprocess.run([sys.executable, "-c", BARE, str(url_file)], env=env, cwd=folder, capture_output=True,
                          text=True)
    bare_cpu = _children_cpu() - cpu
    if proc.returncode:
        sys.exit(proc.stderr[-2000:])
    bare = json.loads([x for x in proc.stdout.splitlines() if x.startswith("{")][-1])
    print(f"bare parse-only spider : {bare['pages'] / bare['seconds']:7.1f} pages/s ({bare['pages']:,} pages, "
          f"{bare['items']:,} items, {bare['seconds']:.1f}s)", flush=True)
    saved = os.environ.get("PRICEWATCH_DATABASE_URL")
    os.environ["PRICEWATCH_DATABASE_URL"] = env["PRICEWATCH_DATABASE_URL"]
    try:
        t, cpu = time.perf_counter(), _children_cpu()
        full = run_crawl("product", {"url_file": str(url_file)})
        wall = time.perf_counter() - t
        full_cpu = _children_cpu() - cpu
    finally:
        if saved is None:
            os.environ.pop("PRICEWATCH_DATABASE_URL", None)
        else:
            os.environ["PRICEWATCH_DATABASE_URL"] = saved
    print(f"full pipeline          : {full.pages / full.seconds:7.1f} pages/s ({full.pages:,} pages, "
          f"{full.stored:,} observations stored with evidence, {full.rejected} rejected, {full.seconds:.1f}s; "
          f"{wall:.1f}s with process start-up)")
    ratio = (full.pages / full.seconds) / (bare["pages"] / bare["seconds"])
    print(f"ratio full/bare ({label}) = {ratio:.2f} wall-clock", flush=True)
    cpu_ratio = (full.pages / full_cpu) / (bare["pages"] / bare_cpu)
    print(f"CPU of the crawl processes (start-up included): bare {bare['pages'] / bare_cpu:.1f}, full "
          f"{full.pages / full_cpu:.1f} pages per CPU-second; ratio {cpu_ratio:.2f} (steadier than wall-clock when "
          "other work shares the cores)", flush=True)
    return ratio


def _heavy(args: argparse.Namespace, root: Path) -> None:
    """Real-size pages: generated heavy pages, and the real saved pages of ``--real``."""
    from bench.pages import heavy_page

    sets: list[tuple[str, dict[str, bytes]]] = []
    if args.heavy_pages:
        import random

        rng = random.Random(7)
        generated = {f"/shopx/item/g{seed}.html": heavy_page(seed, rng.randint(300, 1000))[0].encode()
                     for seed in range(args.heavy_pages)}
        sets.append(("generated 300 KB-1 MB pages, heavy markup", generated))
    if args.real:
        real = {}
        for truth in sorted(args.real.rglob("truth.jsonl")):
            for line in truth.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    name = json.loads(line)["file"]
                    real[f"/realshop/item/r{len(real)}.html"] = (truth.parent / name).read_bytes()
        sets.append((f"real saved pages from {args.real}", real))
    for label, pages in sets:
        size = sum(map(len, pages.values())) / len(pages) / 1000
        print(f"\n== {len(pages):,} {label} ({size:.0f} KB on average) ==", flush=True)
        with _PageServer(pages) as server:
            ratio = _compare([server.url + path for path in pages], "real-size", root)
        print(f"goal (issue 12) >= 0.8: {'met' if ratio >= 0.8 else 'NOT met'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=2200)
    parser.add_argument("--page-kb", type=int, default=50)
    parser.add_argument("--heavy-pages", type=int, default=240, help="generated real-size pages (0: none)")
    parser.add_argument("--real", type=Path, help="a folder of real saved pages with truth.jsonl files")
    args = parser.parse_args()
    root = Path(__file__).resolve().parent.parent
    if args.pages:
        _synthetic(args, root)
    _heavy(args, root)


def _synthetic(args: argparse.Namespace, root: Path) -> None:
    """The demo marketplace's pages padded to ``--page-kb`` (issue 3's measure)."""
    from pricewatch.simulate.marketplace import Marketplace
    from pricewatch.simulate.scenario import build_scenario

    sc = build_scenario(n_listings=int(args.pages * 1.5), days=10, emergency_day=5, seed=3, obs_per_day=(1, 1))
    shops = sc.listings[sc.listings["style"] != "feed"].head(args.pages)
    with Marketplace(sc.listings, sc.prices, padding=args.page_kb * 1000) as market:
        market.set_clock(sc.start + pd.Timedelta(days=4, hours=23))
        print(f"{len(shops):,} product pages of ~{args.page_kb} KB at {market.url}", flush=True)
        ratio = _compare([market.item_url(lid) for lid in shops["listing_id"]], "synthetic 50 KB", root)
    print(f"goal (issue 3) >= 0.6: {'met' if ratio >= 0.6 else 'NOT met'}")


if __name__ == "__main__":
    main()
