"""``pricewatch extract``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from pricewatch.errors import FeedError


@click.command()
@click.argument("pages", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--url", help="The page's URL (its domain sets the country used to read currency symbols); "
              "default: the page's canonical link.")
@click.option("--encoding", default=None, help="Text encoding of the files (default: UTF-8, GB18030 as fallback).")
def extract(pages: tuple[Path, ...], url: str | None, encoding: str | None) -> None:
    """Read saved product pages: one JSON object per page with url, title, price, currency, availability, sku,
    seller, category, quantity, quantity_unit (plus list_price, price_low/price_high, price_source).

    Structured data first (JSON-LD, microdata, RDFa, OpenGraph), then well-known price markup, then a scored
    heuristic; a sold-out page reports its availability and no guessed price.
    """
    from pricewatch.extract import extract_product

    for path in pages:
        if not path.is_file():
            raise FeedError("no such file", str(path))
        raw = path.read_bytes()
        text = None
        for codec in ([encoding] if encoding else ["utf-8", "gb18030"]):
            try:
                text = raw.decode(codec)
                break
            except (UnicodeDecodeError, LookupError):
                continue
        if text is None:
            raise FeedError("not valid UTF-8 or GB18030 text; pass --encoding", str(path))
        product = extract_product(text, url).as_dict()
        click.echo(json.dumps({"file": str(path), **product}, ensure_ascii=False))
