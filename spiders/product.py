"""Product spiders: read product pages with ``pricewatch.extract`` (structured data, markup, heuristic)."""

from __future__ import annotations

from datetime import UTC
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

import scrapy

from pricewatch.extract import extract_product
from pricewatch.extract.price import UNAVAILABLE, parse_price
from spiders.profiles import identify

REMOVED = ("商品已下架", "该商品已下柜", "no longer available", "this listing was ended", "page not found")


def page_item(response) -> dict:  # noqa: ANN001
    """One product page → an item for the pipeline (always with the raw body, for evidence)."""
    site, platform, listing_id = identify(response.url)
    date = response.headers.get(b"Date")
    try:
        observed = parsedate_to_datetime(date.decode()) if date else None
    except (TypeError, ValueError):
        observed = None
    item = {"url": response.url, "status": response.status, "body": response.body,
            "content_type": (response.headers.get(b"Content-Type") or b"").decode(errors="replace"),
            "headers": {k.decode(): v[0].decode(errors="replace") for k, v in response.headers.items()},
            "platform": platform, "listing_id": listing_id,
            "observed_at": (observed.isoformat() if observed else None)}
    text = response.text if hasattr(response, "text") else ""
    if response.status == 404 or any(marker in text for marker in REMOVED):
        item["removed"] = True
        return item
    product = extract_product(text, response.url)
    price = product.price
    if site is not None and site.price_css and price is None and product.availability != "out_of_stock":
        node = " ".join(response.css(site.price_css + " ::text").getall())
        price = parse_price(node, None, site.currency).amount
    item.update(price=price, currency=product.currency or (site.currency if site else None),
                availability=product.availability, title=product.title, seller=product.seller,
                shipping=product.shipping, list_price=product.list_price)
    if price is None and UNAVAILABLE.search(text):
        item["availability"] = "out_of_stock"
    if item["observed_at"] is None:
        from datetime import datetime

        item["observed_at"] = datetime.now(UTC).isoformat()
    return item


class ProductSpider(scrapy.Spider):
    """``pricewatch crawl product -a urls=URL1,URL2`` (or ``-a url_file=PATH``, one URL a line)."""

    name = "product"
    custom_settings = {"HTTPERROR_ALLOWED_CODES": [404]}

    def __init__(self, urls: str = "", url_file: str | None = None, **kw):  # noqa: ANN003
        super().__init__(**kw)
        self.urls = [u.strip() for u in urls.split(",") if u.strip()]
        if url_file:
            with open(url_file, encoding="utf-8") as f:
                self.urls += [line.strip() for line in f if line.strip()]

    async def start(self):  # noqa: ANN201 - Scrapy ≥ 2.13 entry point
        for request in self.start_requests():
            yield request

    def start_requests(self):  # noqa: ANN201
        for url in self.urls:
            yield scrapy.Request(url, callback=self.parse, errback=self.failed)

    def parse(self, response):  # noqa: ANN001, ANN201
        yield page_item(response)

    def failed(self, failure) -> None:  # noqa: ANN001
        from scrapy.exceptions import IgnoreRequest
        from scrapy.spidermiddlewares.httperror import HttpError

        if failure.check(IgnoreRequest) and not failure.check(HttpError):
            return  # refused by robots.txt (counted as robotstxt/forbidden), not a failure of the site
        self.crawler.stats.inc_value("pricewatch/failed_pages")
        self.logger.warning("failed after retries: %s (%s)", failure.request.url, failure.value)


class SearchSpider(ProductSpider):
    """``pricewatch crawl search -a base=https://shop/jd -a keywords=口罩,KN95``: discover listings through the
    paginated keyword search and read every product page found."""

    name = "search"
    KEYWORDS = "口罩,KN95,N95,消毒液,酒精,洗手液,mask,hand sanitizer"

    def __init__(self, base: str = "", keywords: str | None = None, max_pages: str = "50", **kw):  # noqa: ANN003
        super().__init__(**kw)
        self.bases = [b.strip().rstrip("/") for b in base.split(",") if b.strip()]
        self.keywords = [k.strip() for k in (keywords or self.KEYWORDS).split(",") if k.strip()]
        self.max_pages = int(max_pages)

    def start_requests(self):  # noqa: ANN201
        for base in self.bases:
            for keyword in self.keywords:
                yield scrapy.Request(f"{base}/search?q={keyword}&page=1", callback=self.parse_search,
                                     cb_kwargs={"page": 1}, errback=self.failed)

    def parse_search(self, response, page: int):  # noqa: ANN001, ANN201
        for href in response.css("a.p-name::attr(href), .gl-item a::attr(href)").getall():
            yield scrapy.Request(urljoin(response.url, href), callback=self.parse, errback=self.failed)
        nxt = response.css("a[rel=next]::attr(href), a.pn-next::attr(href)").get()
        if nxt and page < self.max_pages:
            yield response.follow(nxt, callback=self.parse_search, cb_kwargs={"page": page + 1}, errback=self.failed)
        for href in response.css("a::attr(href)").getall():  # other links: robots.txt decides what may be fetched
            if "/private/" in href:
                yield response.follow(href, callback=self.parse_other, errback=self.failed)

    def parse_other(self, response):  # noqa: ANN001, ANN201
        self.crawler.stats.inc_value("pricewatch/other_pages")
        return []
