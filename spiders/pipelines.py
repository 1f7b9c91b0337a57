"""The one item pipeline: evidence → validate → normalise → store (through ``pricewatch.ingest``).

Every fetched product page is stored as evidence first. A page with a price becomes a feed v1 row (the
observation time is the page's HTTP ``Date``, which the demo marketplace sets to its simulated clock) and goes
through ``ingest_frame`` in batches — the same validation, quarantine and normalisation as ``pricewatch ingest``.
A page with no readable price that is not sold out is quarantined with the reason and its snapshot. A removed
listing (404, or a "商品已下架" page) marks the listing unavailable.
"""

from __future__ import annotations

import json

import pandas as pd
from sqlalchemy import select, update

from pricewatch.config import load_settings
from pricewatch.evidence import EvidenceStore
from pricewatch.ingest import ingest_frame
from pricewatch.store import open_database
from pricewatch.store.models import Listing, Platform, RejectedRecord, utcnow

BATCH = 500


class StorePipeline:
    def open_spider(self, spider) -> None:  # noqa: ANN001
        self.db = open_database(load_settings())
        self.evidence = EvidenceStore(self.db, batch=True)  # snapshot rows in one transaction per batch
        self.rows: list[dict] = []
        self.source = f"spider:{spider.name}"
        self.counts = {"items": 0, "stored": 0, "duplicate": 0, "rejected": 0, "new_listings": 0, "removed": 0,
                       "sold_out_without_price": 0}
        spider.pricewatch_counts = self.counts
        shared = getattr(spider.crawler, "pricewatch_shared", None)
        if shared is not None:  # a shared crawl acknowledges pages only once their rows are stored
            shared.store_hook = self.flush

    def process_item(self, item: dict, spider) -> dict:  # noqa: ANN001
        self.counts["items"] += 1
        if item.get("feed_rows") is not None:  # the feed spider hands over whole feeds
            self._ingest(pd.DataFrame(item["feed_rows"]), file=item.get("url"))
            return item
        sha = None
        if item.get("body") is not None:
            sha = self.evidence.put(item["body"], url=item["url"], status=item.get("status"),
                                    content_type=item.get("content_type"), headers=item.get("headers"))
        if item.get("removed"):
            self._mark_removed(item)
            return item
        if item.get("price") is None:
            if item.get("availability") == "out_of_stock":
                self.counts["sold_out_without_price"] += 1
                return item
            self._quarantine(item, sha, "price: no readable price on the page")
            return item
        if not item.get("platform") or not item.get("listing_id"):
            self._quarantine(item, sha, "listing_id: no site profile recognises this URL (spiders/profiles.toml)")
            return item
        self.rows.append({
            "platform": item["platform"], "listing_id": item["listing_id"], "observed_at": item["observed_at"],
            "price": f"{item['price']:.2f}", "currency": item.get("currency") or "",
            "shipping": "" if item.get("shipping") is None else f"{item['shipping']:.2f}",
            "title": item.get("title") or "", "url": item["url"], "seller_id": item.get("seller") or "",
            "seller_name": item.get("seller") or "", "availability": item.get("availability") or "unknown",
            "list_price": "" if item.get("list_price") is None else f"{item['list_price']:.2f}",
            "snapshot_sha256": sha or "",
        })
        if len(self.rows) >= BATCH:
            self.flush()
        return item

    def _ingest(self, frame: pd.DataFrame, file: str | None = None) -> None:
        stats = ingest_frame(self.db, frame, source=self.source, file=file)
        self.counts["stored"] += stats.accepted
        self.counts["duplicate"] += stats.duplicate
        self.counts["rejected"] += stats.rejected
        self.counts["new_listings"] += stats.new_listings

    def flush(self) -> None:
        self.evidence.flush()  # observations and quarantine rows refer to their snapshots
        if self.rows:
            self._keep_known_sellers(self.rows)
            self._ingest(pd.DataFrame(self.rows), file=self.source)
            self.rows = []

    def _keep_known_sellers(self, rows: list[dict]) -> None:
        """A product page shows the seller's display name, not the platform's seller id. When the listing already
        has a seller (from a feed, with its id and licence) keep it; only a listing seen first by a crawl gets a
        seller keyed by its display name."""
        keys = sorted({r["listing_id"] for r in rows})
        with self.db.session() as s:
            known = set(s.execute(select(Platform.name, Listing.listing_key)
                                  .join(Listing, Listing.platform_id == Platform.id)
                                  .where(Listing.listing_key.in_(keys), Listing.seller_id.is_not(None))).all())
        for row in rows:
            if (row["platform"], row["listing_id"]) in known:
                row["seller_id"] = ""
                row["seller_name"] = ""

    def _quarantine(self, item: dict, sha: str | None, reason: str) -> None:
        self.counts["rejected"] += 1
        self.evidence.flush()
        raw = {k: v for k, v in item.items() if k not in ("body", "headers")}
        with self.db.session() as s:
            s.add(RejectedRecord(source=self.source, file=item.get("url"), line=None, field=reason.split(":")[0],
                                 reason=f"{item.get('url')}: {reason}", raw=json.dumps(raw, ensure_ascii=False,
                                                                                       default=str),
                                 snapshot_sha256=sha, received_at=utcnow()))
            s.commit()

    def _mark_removed(self, item: dict) -> None:
        self.counts["removed"] += 1
        if not item.get("platform") or not item.get("listing_id"):
            return
        with self.db.session() as s:
            pid = s.scalar(select(Platform.id).where(Platform.name == item["platform"]))
            if pid is not None:
                s.execute(update(Listing).where(Listing.platform_id == pid, Listing.listing_key == item["listing_id"],
                                                Listing.status == "active").values(status="unavailable"))
                s.commit()

    def close_spider(self, spider) -> None:  # noqa: ANN001
        self.flush()
        for key, value in self.counts.items():
            spider.crawler.stats.set_value(f"pricewatch/{key}", value)
        self.db.engine.dispose()
