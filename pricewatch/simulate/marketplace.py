"""A demo marketplace on 127.0.0.1 that behaves like real storefronts, for the demo, the tests and the benchmarks.

It serves a catalogue — the ``listings`` and ``prices`` frames of :func:`pricewatch.simulate.scenario.build_scenario`
(or hand-made frames with the same columns) — at a simulated clock the caller moves (``set_clock``): each product
page shows the listing's latest observation at or before the clock. Two storefront styles, by the listing's
``style``:

- ``jsonld``: schema.org Product/Offer in JSON-LD plus visible markup; a removed listing answers 404;
- ``html``: no structured data, the price only in the visible HTML (``<span class="p-price">￥<em>29.90</em></span>``)
  and in an internal JSON price endpoint (``/<platform>/prices?skuIds=J_1,J_2``) as many Chinese storefronts use;
  a removed listing answers 200 with "商品已下架";
- ``feed``: the cooperating platform publishes feed v1 at ``/<platform>/feed.csv?since=ISO``.

Also: keyword search with pagination (``/<platform>/search?q=口罩&page=2``), sold-out pages (placeholder prices,
"无货"/"Out of stock"), ``/robots.txt`` (``/private/`` is disallowed), and failure injection for tests
(``fail`` → HTTP 500, ``slow`` → answers after a delay). The HTTP ``Date`` header carries the simulated clock.
"""

from __future__ import annotations

import contextlib
import html as htmllib
import json
import threading
import time
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

import numpy as np
import pandas as pd

PAGE_SIZE = 20
KEYWORDS = {"口罩": "mask", "kn95": "mask.respirator", "n95": "mask.respirator", "消毒液": "disinfectant",
            "酒精": "disinfectant.alcohol", "洗手液": "hand_", "mask": "mask", "hand sanitizer": "hand_sanitizer",
            "sanitizer": "hand_sanitizer", "wipes": "disinfectant.wipes", "gloves": "gloves", "手套": "gloves"}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256


class Marketplace:
    """``with Marketplace(listings, prices) as m: m.set_clock(ts); m.url`` …"""

    def __init__(self, listings: pd.DataFrame, prices: pd.DataFrame, port: int = 0, padding: int = 0):
        self.listings = listings.set_index("listing_id", drop=False)
        p = prices.sort_values(["listing_id", "observed_at"], kind="stable")
        self._obs = {lid: g for lid, g in p.groupby("listing_id", sort=False)}
        self._times = {lid: g["observed_at"].dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[ns]")
                       for lid, g in self._obs.items()}
        self.clock = p["observed_at"].max()
        self.fail: set[str] = set()
        self.slow: dict[str, float] = {}
        self.hits: dict[str, int] = {}
        self.padding = padding  # bytes of page chrome, to make pages as heavy as real ones (benchmarks)
        self.lock = threading.Lock()
        market = self

        class Handler(BaseHTTPRequestHandler):
            disable_nagle_algorithm = True  # MEASURED.md: http.server stalls keep-alive responses otherwise
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # noqa: ANN002
                pass

            def date_time_string(self, timestamp=None) -> str:  # noqa: ANN001, ARG002
                # send_response() writes the Date header from this: the simulated clock, and only once
                return format_datetime(market.clock.to_pydatetime(), usegmt=True)

            def do_GET(self) -> None:  # noqa: N802
                try:
                    status, ctype, body = market.route(self.path)
                except Exception as exc:  # noqa: BLE001 - a storefront bug is a 500, as on a real site
                    status, ctype, body = 500, "text/plain", f"{type(exc).__name__}: {exc}".encode()
                self.send_response(status)
                self.send_header("content-type", ctype)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = _Server(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Marketplace:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:  # noqa: ANN002
        self.server.shutdown()
        self.server.server_close()

    def set_clock(self, when: pd.Timestamp) -> None:
        when = pd.Timestamp(when)
        self.clock = when if when.tzinfo else when.tz_localize("UTC")

    # --- state at the clock -------------------------------------------------------------------------------------
    def current(self, listing_id: str) -> pd.Series | None:
        """The listing's latest observation at or before the clock (None: not listed yet, or no longer)."""
        times = self._times.get(listing_id)
        if times is None:
            return None
        clock = self.clock.tz_convert("UTC").tz_localize(None).to_datetime64()
        i = int(np.searchsorted(times, clock, side="right")) - 1
        if i < 0:
            return None
        row = self._obs[listing_id].iloc[i]
        if self.clock - row["observed_at"] > pd.Timedelta(days=3):
            return None  # not observed for days: removed from sale
        return row

    def item_url(self, listing_id: str) -> str:
        platform = self.listings.loc[listing_id, "platform"]
        return f"{self.url}/{platform}/item/{listing_id}.html"

    # --- routing ------------------------------------------------------------------------------------------------
    def route(self, raw: str) -> tuple[int, str, bytes]:
        parts = urlsplit(raw)
        path = unquote(parts.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        with self.lock:
            self.hits[path] = self.hits.get(path, 0) + 1
        if path == "/robots.txt":
            return 200, "text/plain", b"User-agent: *\nDisallow: /private/\nCrawl-delay: 0\n"
        segments = [s for s in path.split("/") if s]
        if len(segments) >= 3 and segments[1] == "item":
            listing_id = segments[2].removesuffix(".html")
            if listing_id in self.fail:
                return 500, "text/html", b"<h1>500 Internal Server Error</h1>"
            if listing_id in self.slow:
                time.sleep(self.slow[listing_id])
            return self.product_page(segments[0], listing_id)
        if len(segments) == 2 and segments[1] == "search":
            return self.search_page(segments[0], query.get("q", ""), int(query.get("page", "1") or 1))
        if len(segments) == 2 and segments[1] == "prices":
            ids = [x.removeprefix("J_") for x in query.get("skuIds", "").split(",") if x]
            out = []
            for lid in ids:
                row = self.current(lid)
                if row is not None and row["price"] == row["price"]:
                    out.append({"id": f"J_{lid}", "p": f"{row['price']:.2f}"})
            return 200, "application/json", json.dumps(out).encode()
        if len(segments) == 2 and segments[1] == "feed.csv":
            return self.feed(segments[0], query.get("since"))
        return 404, "text/html", b"<h1>404 Not Found</h1>"

    def search_page(self, platform: str, q: str, page: int) -> tuple[int, str, bytes]:
        key = KEYWORDS.get(q.strip().lower(), q.strip().lower())
        listed = self.listings[(self.listings["platform"] == platform)]
        matches = [lid for lid, cat, title in zip(listed["listing_id"], listed["category"], listed["title"])
                   if (key in cat or key.lower() in str(title).lower()) and self.current(lid) is not None]
        start = (page - 1) * PAGE_SIZE
        chunk = matches[start:start + PAGE_SIZE]
        links = "".join(f'<li class="gl-item"><a class="p-name" href="/{platform}/item/{lid}.html">'
                        f"{htmllib.escape(str(self.listings.loc[lid, 'title']))}</a></li>" for lid in chunk)
        nxt = (f'<a class="pn-next" rel="next" href="/{platform}/search?q={q}&page={page + 1}">下一页 next</a>'
               if start + PAGE_SIZE < len(matches) else "")
        body = (f"<!doctype html><html><head><meta charset='utf-8'><title>{htmllib.escape(q)} - {platform}</title>"
                f"</head><body><ul class='gl-warp'>{links}</ul>{nxt}"
                f"<a href='/private/admin'>admin</a></body></html>")
        return 200, "text/html; charset=utf-8", body.encode()

    def product_page(self, platform: str, listing_id: str) -> tuple[int, str, bytes]:
        if listing_id not in self.listings.index or self.listings.loc[listing_id, "platform"] != platform:
            return 404, "text/html", b"<h1>404 Not Found</h1>"
        info = self.listings.loc[listing_id]
        row = self.current(listing_id)
        style = info["style"]
        pad = "<!-- " + "x" * self.padding + " -->" if self.padding else ""
        if row is None:
            if style == "html":
                body = (f"<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>商品已下架</title></head>"
                        f"<body><div class='sku-name'>{htmllib.escape(str(info['title']))}</div>"
                        f"<div class='itemover-tip'>该商品已下柜</div><div id='J-stock' class='store-prompt'>"
                        f"商品已下架</div>{pad}</body></html>")
                return 200, "text/html; charset=utf-8", body.encode()
            return 404, "text/html", b"<h1>404 Not Found</h1>"
        title = htmllib.escape(str(row["title"]))
        sold_out = row["availability"] == "out_of_stock"
        price = row["price"]
        shipping = row["shipping"]
        seller = htmllib.escape(str(info["seller_name"]))
        if style == "html":
            stock = "无货" if sold_out else "有货"
            body = (f"<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>{title}-{platform}</title>"
                    f"<link rel='canonical' href='{self.item_url(listing_id)}'></head><body>"
                    f"<div class='sku-name'>{title}</div><div class='summary-price'>"
                    f"<span class='p-price'>￥<em>{price:.2f}</em></span></div>"
                    f"<div class='summary-freight'>运费 <span class='freight'>￥{shipping:.2f}</span></div>"
                    f"<div id='J-stock' class='store-prompt'>{stock}</div>"
                    f"<div class='J-hove-wrap'><div class='name'><a title='{seller}'>{seller}</a></div></div>"
                    f"<a class='btn-special1'>加入购物车</a>{pad}</body></html>")
            return 200, "text/html; charset=utf-8", body.encode()
        currency = row["currency"]
        product = {"@context": "https://schema.org", "@type": "Product", "name": str(row["title"]), "sku": listing_id,
                   "offers": {"@type": "Offer", "price": f"{price:.2f}", "priceCurrency": currency,
                              "availability": "https://schema.org/" + ("OutOfStock" if sold_out else "InStock"),
                              "shippingDetails": {"@type": "OfferShippingDetails",
                                                  "shippingRate": {"@type": "MonetaryAmount",
                                                                   "value": f"{shipping:.2f}", "currency": currency}},
                              "seller": {"@type": "Organization", "name": str(info["seller_name"])}}}
        symbol = {"CNY": "¥", "USD": "$"}.get(currency, currency + " ")
        body = (f"<!doctype html><html lang='{'zh-CN' if currency == 'CNY' else 'en'}'><head><meta charset='utf-8'>"
                f"<title>{title}</title><link rel='canonical' href='{self.item_url(listing_id)}'>"
                f"<script type='application/ld+json'>{json.dumps(product, ensure_ascii=False)}</script></head><body>"
                f"<h1 class='product-title'>{title}</h1><div class='price'>{symbol}{price:,.2f}</div>"
                f"<div class='shipping'>Shipping {symbol}{shipping:.2f}</div>"
                f"<div class='availability'>{'Out of stock' if sold_out else 'In stock'}</div>"
                f"<div class='seller'>Sold by {seller}</div><button>Add to cart</button>{pad}</body></html>")
        return 200, "text/html; charset=utf-8", body.encode()

    def feed(self, platform: str, since: str | None) -> tuple[int, str, bytes]:
        listed = set(self.listings.index[self.listings["platform"] == platform])
        lo = pd.Timestamp(since) if since else pd.Timestamp.min.tz_localize("UTC")
        rows = [g[(g["observed_at"] > lo) & (g["observed_at"] <= self.clock)] for lid, g in self._obs.items()
                if lid in listed]
        frame = pd.concat(rows) if rows else pd.DataFrame(columns=["listing_id"])
        if frame.empty:
            return 200, "text/csv", b"platform,listing_id,observed_at,price,currency\n"
        info = self.listings.loc[frame["listing_id"]]
        out = pd.DataFrame({
            "platform": platform, "listing_id": frame["listing_id"].to_numpy(),
            "observed_at": frame["observed_at"].dt.strftime("%Y-%m-%dT%H:%M:%SZ").to_numpy(),
            "price": frame["price"].round(2).astype(str).to_numpy(), "currency": frame["currency"].to_numpy(),
            "seller_id": info["seller_id"].to_numpy(), "seller_name": info["seller_name"].to_numpy(),
            "seller_license": info["seller_license"].fillna("").to_numpy(), "title": frame["title"].to_numpy(),
            "pack_size": frame["pack_size"].fillna("").to_numpy(),
            "shipping": frame["shipping"].round(2).astype(str).to_numpy(),
            "availability": frame["availability"].to_numpy(), "region": info["region"].to_numpy(),
        })
        return 200, "text/csv; charset=utf-8", out.to_csv(index=False).encode()


def main() -> None:
    """Run standalone: ``python -m pricewatch.simulate.marketplace [--listings N] [--port P]``."""
    import argparse

    from pricewatch.simulate.scenario import build_scenario

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--listings", type=int, default=200)
    parser.add_argument("--port", type=int, default=8800)
    args = parser.parse_args()
    sc = build_scenario(n_listings=args.listings)
    with Marketplace(sc.listings, sc.prices, port=args.port) as market:
        print(f"demo marketplace at {market.url} (clock {market.clock}); e.g. {market.url}/jd/search?q=口罩")
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
