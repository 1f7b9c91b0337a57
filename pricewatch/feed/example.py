"""A small valid feed v1 file (``pricewatch feed example``): what a platform's first feed can look like.

The rows cover the required columns and every optional one, in CSV or JSON Lines; they pass
``pricewatch feed validate`` and the published JSON Schema (tests keep both true).
"""

from __future__ import annotations

import csv
import io
import json

from pricewatch.feed.schema import COLUMNS

EXAMPLE_ROWS: tuple[dict[str, str], ...] = (
    {"platform": "jd", "listing_id": "100012043978", "observed_at": "2020-01-27T09:30:00+08:00", "price": "29.90",
     "currency": "CNY", "seller_id": "s1000", "seller_name": "康护医疗器械专营店",
     "seller_license": "91110105MA01ABCD2X", "title": "一次性医用外科口罩 50只/盒",
     "url": "https://item.jd.com/100012043978.html", "category": "mask.surgical", "pack_size": "50",
     "shipping": "0.00", "availability": "in_stock", "region": "CN-11"},
    {"platform": "jd", "listing_id": "100012043978", "observed_at": "2020-01-28T09:30:00+08:00", "price": "31.90",
     "currency": "CNY", "seller_id": "s1000", "title": "一次性医用外科口罩 50只/盒", "availability": "in_stock",
     "region": "CN-11"},
    {"platform": "tmall", "listing_id": "610000000001", "observed_at": "2020-01-27T01:30:00Z", "price": "39.00",
     "currency": "CNY", "title": "75%酒精消毒液 500ml*2瓶", "pack_size": "1000 ml", "shipping": "6.00",
     "availability": "out_of_stock", "region": "CN"},
    {"platform": "amazon", "listing_id": "B08XYZ1234", "observed_at": "2020-03-15T14:00:00-07:00", "price": "12.99",
     "currency": "USD", "seller_id": "A2EXAMPLE", "seller_name": "Example Health Supplies",
     "title": "Hand Sanitizer Gel 16 fl oz (Pack of 2)", "url": "https://www.amazon.com/dp/B08XYZ1234",
     "category": "hand_sanitizer", "pack_size": "32 fl oz", "availability": "preorder", "region": "US-CA"},
)


def example_text(fmt: str = "csv") -> str:
    """The example feed as text: ``csv`` (header row, every v1 column) or ``jsonl`` (absent columns left out)."""
    if fmt == "jsonl":
        return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in EXAMPLE_ROWS)
    if fmt != "csv":
        raise ValueError(f"format {fmt!r}: csv or jsonl")
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[c.name for c in COLUMNS], lineterminator="\n")
    writer.writeheader()
    writer.writerows(EXAMPLE_ROWS)
    return out.getvalue()
