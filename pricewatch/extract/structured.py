"""Structured data on a product page → the page's own product and every priced offer it declares.

Only the syntaxes that carry prices on shop pages are read: JSON-LD, microdata and OpenGraph, from the one lxml
tree the caller parsed (extruct accepts a tree). RDFa is read only when asked (``syntaxes`` with ``"rdfa"``): it
needs its own parse and took ~74 % of the time on real pages while supplying no price.
"""

from __future__ import annotations

import contextlib
import re

from pricewatch.extract.stock import availability_of

DEFAULT_SYNTAXES = ("json-ld", "microdata", "opengraph")


def _walk(node):  # noqa: ANN001, ANN202
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from _walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v)


def _types(node: dict) -> set[str]:
    t = node.get("@type") or node.get("type") or []
    t = t if isinstance(t, list) else [t]
    return {str(x).rsplit("/", 1)[-1] for x in t}


def first(value):  # noqa: ANN001, ANN201
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _offers(node: dict, syntax: str) -> list[dict]:
    """Every priced offer of a Product node, in the order written: price (text), currency, availability, low/high."""
    offers = node.get("offers") or []
    offers = offers if isinstance(offers, list) else [offers]
    found = []
    for offer in offers:
        if not isinstance(offer, dict):
            continue
        nested = offer.get("offers")  # AggregateOffer listing its Offers
        if isinstance(nested, (list, dict)) and not offer.get("price"):
            found += _offers({"offers": nested}, syntax)
        spec = offer.get("priceSpecification")
        spec = spec[0] if isinstance(spec, list) and spec else spec
        price = first(offer.get("price")) or first(offer.get("lowPrice"))
        if price in (None, "") and isinstance(spec, dict):
            price = first(spec.get("price"))
        currency = first(offer.get("priceCurrency")) or (spec.get("priceCurrency") if isinstance(spec, dict) else None)
        entry = {"price": str(price) if price not in (None, "") else None, "currency": currency, "source": syntax,
                 "availability": availability_of(first(offer.get("availability")))}
        if offer.get("highPrice") and offer.get("lowPrice"):
            entry["low"], entry["high"] = first(offer.get("lowPrice")), first(offer.get("highPrice"))
        details = offer.get("shippingDetails")
        details = details[0] if isinstance(details, list) and details else details
        rate = details.get("shippingRate") if isinstance(details, dict) else None
        if isinstance(rate, dict) and rate.get("value") not in (None, ""):
            entry["shipping"] = str(rate.get("value"))
        seller = offer.get("seller")
        if isinstance(seller, dict) and seller.get("name"):
            entry["seller"] = first(seller.get("name"))
        found.append(entry)
    return found


def _product(node: dict, syntax: str) -> dict:
    sku = first(node.get("sku") or node.get("mpn") or node.get("productID"))
    return {"title": first(node.get("name")), "sku": str(sku).strip() if sku not in (None, "") else None,
            "offers": _offers(node, syntax), "source": syntax}


def _tokens(text: str | None) -> set[str]:
    return set(re.findall(r"\w+", (text or "").lower()))


def _best_product(candidates: list[dict], title_hint: str | None) -> dict:
    """The page's own product among several (related products are Products too): priced, and named like the page's
    heading; the first one wins ties."""
    hint = _tokens(title_hint)

    def score(item: tuple[int, dict]) -> tuple[float, int]:
        i, c = item
        overlap = len(hint & _tokens(c.get("title"))) / max(1, len(hint)) if hint else 0.0
        priced = any(o.get("price") for o in c["offers"])
        return (2.0 * priced + overlap, -i)

    return max(enumerate(candidates), key=score)[1]


def structured(tree, url: str | None, title_hint: str | None = None, syntaxes=DEFAULT_SYNTAXES,  # noqa: ANN001
               html: str | None = None) -> dict:
    """The page's own product from structured data: title, sku, seller, shipping, availability, ``offers`` (every
    priced offer, structured-data order) and ``og`` (OpenGraph price, currency, availability, title, description).
    ``tree`` is the page's lxml tree; ``html`` is needed only for RDFa."""
    import extruct

    wanted = [s for s in syntaxes if s != "rdfa"]
    try:
        data = extruct.extract(tree, base_url=url or "", syntaxes=wanted, uniform=True, errors="ignore")
    except Exception:  # noqa: BLE001 - malformed structured data falls through to the markup
        data = {}
    if "rdfa" in syntaxes and html is not None:
        with contextlib.suppress(Exception):  # broken RDFa: the other syntaxes still count
            data.update(extruct.extract(html, base_url=url or "", syntaxes=["rdfa"], uniform=True, errors="ignore"))
    candidates = [_product(node, syntax) for syntax in ("json-ld", "microdata", "rdfa")
                  for node in _walk(data.get(syntax, [])) if _types(node) & {"Product", "ProductGroup", "IndividualProduct"}]
    found: dict = dict(_best_product(candidates, title_hint)) if candidates else {"offers": []}
    stocked = [o["availability"] for o in found["offers"] if o.get("availability")]
    if "in_stock" in stocked:
        # one Offer per size or colour: the product can be bought if any of them is in stock
        found["availability"] = "in_stock"
    for offer in found["offers"]:
        for key in ("availability", "shipping", "seller"):
            if offer.get(key) and not found.get(key):
                found[key] = offer[key]
    og: dict = {}
    for node in data.get("opengraph", []):
        props = node if isinstance(node, dict) else {}
        amount = first(props.get("product:price:amount") or props.get("og:price:amount"))
        if amount and "price" not in og:
            og["price"] = str(amount)
            og["currency"] = first(props.get("product:price:currency") or props.get("og:price:currency"))
        for key, names in (("title", ("og:title",)), ("description", ("og:description",)),
                           ("availability", ("product:availability", "og:availability"))):
            value = first(next((props[n] for n in names if props.get(n)), None))
            if value and key not in og:
                og[key] = value
    found["og"] = og
    if not found.get("availability") and og.get("availability"):
        found["availability"] = availability_of(og["availability"])
    return found
