"""``pricewatch crawl feed -a urls=URL1,URL2``: pull cooperating platforms' feed v1 files (CSV or JSON Lines)."""

from __future__ import annotations

import io
import json

import pandas as pd
import scrapy


class FeedSpider(scrapy.Spider):
    name = "feed"

    def __init__(self, urls: str = "", **kw):  # noqa: ANN003
        super().__init__(**kw)
        self.urls = [u.strip() for u in urls.split(",") if u.strip()]

    async def start(self):  # noqa: ANN201 - Scrapy ≥ 2.13 entry point
        for request in self.start_requests():
            yield request

    def start_requests(self):  # noqa: ANN201
        for url in self.urls:
            yield scrapy.Request(url, callback=self.parse, dont_filter=True)

    def parse(self, response):  # noqa: ANN001, ANN201
        text = response.text
        if response.url.split("?")[0].endswith((".jsonl", ".ndjson")):
            rows = [json.loads(line) for line in text.splitlines() if line.strip()]
        else:
            rows = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False).to_dict("records")
        yield {"url": response.url, "feed_rows": rows}
