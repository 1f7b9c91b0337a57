"""A stored page prepared for the evidence viewer: decoded, with the extracted price marked where it is found.

The page is shown as the seller's page looked, inside a frame whose response carries
``Content-Security-Policy: sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'`` — no script
runs, nothing is fetched from anywhere (external images, fonts and stylesheets are blocked; images inlined as
``data:`` URIs show). The markup itself is not rewritten beyond the highlight, so what the reviewer sees is the
evidence, not a cleaned copy; the raw bytes are always available for download and their hash re-checked.

Highlighting: the first text node that shows the observed price (``29.90``, ``29.9``, ``1,299.00``…) is wrapped
in ``<mark id="pw-price">``. Why by hand: no library marks a number inside an arbitrary HTML document; lxml does
the parsing and serialising.
"""

from __future__ import annotations

import re

HIGHLIGHT = ("outline:3px solid #d00;background:#ffea00;color:#000;scroll-margin:80px")
_CHARSET = re.compile(rb"""<meta[^>]+charset=["']?([A-Za-z0-9_\-]+)""", re.I)


def decode(body: bytes, content_type: str | None) -> tuple[str, str]:
    """(text, encoding used): the HTTP charset, else a ``<meta charset>``, else UTF-8 (bad bytes replaced)."""
    charset = None
    if content_type and "charset=" in content_type.lower():
        charset = content_type.lower().split("charset=", 1)[1].split(";")[0].strip().strip('"')
    if charset is None:
        found = _CHARSET.search(body[:4096])
        charset = found.group(1).decode("ascii") if found else "utf-8"
    try:
        return body.decode(charset, errors="replace"), charset
    except LookupError:
        return body.decode("utf-8", errors="replace"), "utf-8"


def price_patterns(price: float) -> list[re.Pattern]:
    """How a price may be written on a page, most specific first: ``1,299.00``, ``1299.00``, ``1299.0``, ``1299``
    (whole amounts only), not as part of a longer number."""
    texts = [f"{price:,.2f}", f"{price:.2f}", f"{price:,.2f}".replace(",", " "), f"{price:.2f}".replace(".", ",")]
    texts.append(f"{price:g}")
    seen, patterns = set(), []
    for text in texts:
        if text not in seen:
            seen.add(text)
            patterns.append(re.compile(rf"(?<![\d.,]){re.escape(text)}(?![\d])"))
    return patterns


def highlighted(body: bytes, content_type: str | None, price: float | None) -> tuple[str, bool]:
    """(HTML to show, whether the price was found and marked)."""
    text, _ = decode(body, content_type)
    if price is None:
        return text, False
    from lxml import etree, html

    try:
        tree = html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        return text, False
    for pattern in price_patterns(price):
        for element in tree.iter():
            if not isinstance(element.tag, str) or element.tag in ("script", "style", "title", "head", "noscript"):
                continue
            for attr in ("text", "tail"):
                value = getattr(element, attr)
                match = pattern.search(value) if value else None
                if match is None:
                    continue
                mark = html.Element("mark", id="pw-price", style=HIGHLIGHT)
                mark.text = match.group(0)
                mark.tail = value[match.end():]
                setattr(element, attr, value[:match.start()])
                if attr == "text":
                    element.insert(0, mark)
                else:
                    parent = element.getparent()
                    parent.insert(parent.index(element) + 1, mark)
                return html.tostring(tree, encoding="unicode", doctype="<!DOCTYPE html>"), True
    return text, False


__all__ = ["decode", "highlighted", "price_patterns"]
