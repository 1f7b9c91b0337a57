"""The priority crawl of pages named by public reports (``pricewatch.reports.check`` starts it in a child process).

Like the product spider (same reading of the page, same evidence-first pipeline, robots.txt obeyed), but it
never follows a redirect or a meta refresh — a report may only make pricewatch fetch the platform page it named,
not wherever that page points — and it writes what it saw per URL (``out_file``, JSON Lines: url, HTTP status,
sha256 of the body as stored in evidence, price, currency, availability, removed, observed_at, or the error) so the
caller can judge each report even when the page is byte-identical to one stored before.
"""

from __future__ import annotations

import hashlib
import json

from spiders.product import ProductSpider, page_item


class ReportSpider(ProductSpider):
    """``pricewatch crawl report -a url_file=URLS.txt -a out_file=RESULTS.jsonl``."""

    name = "report"
    custom_settings = {"HTTPERROR_ALLOWED_CODES": [301, 302, 303, 307, 308, 404], "REDIRECT_ENABLED": False,
                       "METAREFRESH_ENABLED": False}

    def __init__(self, out_file: str = "", **kw):  # noqa: ANN003
        super().__init__(**kw)
        self.out_file = out_file

    def _record(self, entry: dict) -> None:
        if self.out_file:
            with open(self.out_file, "a", encoding="utf-8") as f:
                f.write(json.dumps(entry, ensure_ascii=False, default=str) + "\n")

    def parse(self, response):  # noqa: ANN001, ANN201
        if 300 <= response.status < 400:
            self._record({"url": response.request.url, "status": response.status,
                          "error": "the page redirects elsewhere; redirects are not followed for reports"})
            return
        item = page_item(response)
        self._record({"url": response.request.url, "status": response.status,
                      "sha256": hashlib.sha256(response.body).hexdigest(), "price": item.get("price"),
                      "currency": item.get("currency"), "availability": item.get("availability"),
                      "removed": bool(item.get("removed")), "observed_at": item.get("observed_at")})
        yield item

    def failed(self, failure) -> None:  # noqa: ANN001
        super().failed(failure)
        self._record({"url": failure.request.url, "error": str(failure.value)[:300]})
