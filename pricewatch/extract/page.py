"""Product page → product fields: url, title, price, currency, availability, sku, seller, category, quantity,
quantity_unit (plus list_price, price_low/price_high for ranges, shipping, ``price_source`` and ``sources`` —
where each field came from). Used by ``pricewatch extract`` and by the spiders.

The page is parsed once (one lxml tree shared by the structured-data pass and the selectors). Evidence:

1. structured data (:mod:`pricewatch.extract.structured`): JSON-LD / microdata ``Product`` offers, OpenGraph
   ``product:price:amount``; RDFa only when asked (``syntaxes``);
2. visible price markup (:mod:`pricewatch.extract.markup`): every candidate element, most trusted selector first,
   passing over struck prices, mini-baskets, shipping fees, per-unit helpers and zeros;
3. prices written in ``og:description`` / meta description ("直購價：$294");
4. a scored heuristic over visible price-like text near the title and the buy button.

Structured data and the page are cross-checked: when they disagree, the price the page shows as current wins if a
shop selector names it as the current price, or if another structured offer / OpenGraph says the same amount (an
auction's starting price in JSON-LD while the page and og:price show the current bid; a hidden full-price Offer
first; microdata holding the pre-discount price beside the visible sale price). An out-of-stock page reports its
availability and no guessed price. The currency: the page's declared currency, then the symbol beside the amount,
then the shop's country (from the URL's domain, else ``<html lang>``).
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import asdict, dataclass, field
from urllib.parse import urlsplit

import lxml.html
from lxml import etree

from pricewatch.extract import markup
from pricewatch.extract.price import CURRENT, ParsedPrice, _priced_number, normalise_text, parse_price
from pricewatch.extract.stock import page_sku, visible_availability
from pricewatch.extract.structured import DEFAULT_SYNTAXES, structured
from pricewatch.normalize import normalize_title

TLD_COUNTRY = {"cn": "CN", "jp": "JP", "uk": "GB", "de": "DE", "fr": "FR", "es": "ES", "it": "IT", "nl": "NL",
               "ca": "CA", "au": "AU", "in": "IN", "kr": "KR", "ch": "CH", "se": "SE", "no": "NO", "dk": "DK",
               "pl": "PL", "br": "BR", "mx": "MX", "tr": "TR", "ru": "RU", "sg": "SG", "tw": "TW", "hk": "HK",
               "nz": "NZ", "at": "AT", "be": "BE", "ie": "IE", "pt": "PT", "fi": "FI", "cz": "CZ", "za": "ZA"}
LANG_COUNTRY = {"zh": "CN", "zh-cn": "CN", "zh-tw": "TW", "zh-hk": "HK", "ja": "JP", "ko": "KR", "de": "DE",
                "fr": "FR", "es": "ES", "it": "IT", "nl": "NL", "en-gb": "GB", "en-us": "US", "en-ca": "CA",
                "en-au": "AU", "en-in": "IN", "sv": "SE", "pl": "PL", "pt-br": "BR", "tr": "TR", "ru": "RU"}
PRICE_TEXT = re.compile(r"(?:[$€£¥₹₩₽₺]|US\$|CA\$|HK\$|A\$|RMB|CNY|USD|EUR|GBP|JPY|CHF|元|円|kr|zł)\s*\d|"
                        r"\d[\d.,\s]*\s*(?:€|元|円|kr|zł|Kč|руб|₽|CHF|EUR|USD|RMB)")
# a price named in prose ("直購價：$294", "Preis: 19,99 €", "price $12")
PRICE_WORD = re.compile(r"price|prix|preis|precio|prezzo|preço|cena|цена|ціна|fiyat|pris|hinta|hind|kaina|價|价|価格|"
                        r"가격|מחיר|سعر", re.I)
SELLER_TEXT = re.compile(r"(?:sold and shipped by|sold by|ships from and sold by|verkauf durch|vendu par|vendido por|店铺|卖家|販売元)"
                         r"\s*[:：]?\s*([^\n|,;]{2,60})", re.I)


@dataclass
class Product:
    url: str | None
    title: str | None
    price: float | None
    currency: str | None
    availability: str
    sku: str | None
    seller: str | None
    category: str | None
    quantity: float | None
    quantity_unit: str | None
    list_price: float | None = None
    price_low: float | None = None
    price_high: float | None = None
    price_source: str | None = None
    shipping: float | None = None
    sources: dict = field(default_factory=dict)  # field → where it came from (json-ld, css:.price, country…)

    def as_dict(self) -> dict:
        return asdict(self)


GENERIC_TLDS = {"io", "ai", "me", "tv", "fm", "cc", "ws", "co", "eu", "app", "shop", "store", "online", "site"}


def country_of(url: str | None, html_lang: str | None) -> str | None:
    """The shop's country (ISO 3166 alpha-2): the URL's country-code domain, else the page language's region
    (``zh-TW`` → TW; a bare ``es`` → ES through CLDR's likely subtags), else US for a bare ``.com``."""
    host = (urlsplit(url).hostname or "").lower() if url else ""
    tld = host.rsplit(".", 1)[-1] if "." in host else ""
    if len(tld) == 2 and tld.isalpha() and tld not in GENERIC_TLDS:
        return TLD_COUNTRY.get(tld, tld.upper())
    if host and any(p in host for p in ("jd.", "taobao", "tmall", "pinduoduo", "suning")):
        return "CN"
    if "rakuten.co" in host:
        return "JP"
    if html_lang:
        lang = html_lang.strip().replace("_", "-").lower()
        parts = lang.split("-")
        if lang in LANG_COUNTRY:
            return LANG_COUNTRY[lang]
        region = next((x for x in parts[1:] if len(x) == 2 and x.isalpha()), None)
        if region:
            return region.upper()
        from babel.core import get_global

        likely = get_global("likely_subtags").get(parts[0])
        if likely and "_" in likely:
            tail = likely.rsplit("_", 1)[-1]
            return tail if len(tail) == 2 else None
    return "US" if host.endswith(".com") else None


def _texts(tree) -> list:  # noqa: ANN001
    return tree.xpath("descendant::text()[not(parent::script) and not(parent::style) and normalize-space()]")


def heuristic_price(tree, title: str | None) -> tuple[str | None, float]:  # noqa: ANN001
    """The best visible price-like text and its score (higher is better)."""
    texts = _texts(tree)
    title_pos = buy_pos = None
    for i, text in enumerate(texts):
        own = text.strip()
        if title and title_pos is None and own[:30] in title:
            title_pos = i
        if buy_pos is None and re.search(r"add to cart|add to basket|buy now|in den warenkorb|ajouter au panier|"
                                         r"加入购物车|立即购买|カートに入れる", own, re.I):
            buy_pos = i
    best, best_score = None, 0.0
    for i, text in enumerate(texts):
        own = text.strip()
        if len(own) > 80 or not PRICE_TEXT.search(own):
            continue
        node = text.getparent()
        context = markup._context(node)
        score = 1.0
        if re.search(r"price|preis|prix|precio|价|価格", context, re.I):
            score += 2.0
        if markup.struck(node) or re.search(r"\bwas\b|原价|原價|划线", own, re.I):
            score -= 3.0
        if markup.away(node):
            score -= 2.5
        if title_pos is not None:
            score += 2.0 / (1 + abs(i - title_pos) / 5)
        if buy_pos is not None:
            score += 1.5 / (1 + abs(i - buy_pos) / 5)
        if markup.SHIPPING_TEXT.search(own) or markup.PER_UNIT.search(own) or re.search(
                r"/\s*(month|mo)\b|per month|monatlich", own, re.I):
            score -= 2.0
        if score > best_score:
            best, best_score = own, score
    return best, best_score


def page_seller(index: markup.PageIndex, text: str) -> str | None:
    """The seller's display name from shop markup (JD's shop card, Taobao's shop name, eBay's seller card, Amazon's
    seller link, ``.seller-name``) or a "Sold by …" / "店铺：…" line of the page's visible ``text``."""
    for el in index.seller:
        if "J-hove-wrap" in (el.get("class") or ""):
            value = " ".join(el.xpath(".//*[contains(@class,'name')]//a/@title")).strip()
        elif "tb-shop-name" in (el.get("class") or ""):
            value = " ".join(markup.visible_text(a) for a in el.xpath(".//a")).strip()
        else:
            value = markup.visible_text(el)
        if value:
            return value[:120]
    m = SELLER_TEXT.search(text)
    return (m.group(1).strip().rstrip(".。").strip() or None) if m else None


def _parser(encoding: str | None = None):  # noqa: ANN202
    """An HTML parser whose elements are ``lxml.html`` elements (extruct uses their ``head``, ``drop_tree``…) through
    lxml's C-level default class lookup. ``lxml.html``'s own parser looks up each element's class in Python (it
    special-cases form fields, which extraction never asks about): that lookup was half the time of a walk over a
    600 KB page. A new parser per page: parsers are not thread-safe."""
    parser = etree.HTMLParser(encoding=encoding)
    parser.set_element_class_lookup(etree.ElementDefaultClassLookup(
        element=lxml.html.HtmlElement, comment=lxml.html.HtmlComment, pi=lxml.html.HtmlProcessingInstruction,
        entity=lxml.html.HtmlEntity))
    return parser


def _parse_html(html: str):  # noqa: ANN202
    """The page's root element (an empty document when there is none)."""
    try:
        root = etree.fromstring(html, _parser())
    except ValueError:  # a str with an XML encoding declaration
        root = etree.fromstring(html.encode("utf-8"), _parser("utf-8"))
    except etree.XMLSyntaxError:
        root = None
    return root if root is not None else etree.fromstring("<html><body></body></html>", _parser())


def _same(a: float | None, b: float | None) -> bool:
    return a is not None and b is not None and abs(a - b) < 0.005


def _first_text(tree, query: str) -> str | None:  # noqa: ANN001
    found = tree.xpath(query)
    return (found[0] if isinstance(found[0], str) else markup.text_of(found[0])).strip() or None if found else None


def _beside(el) -> str:  # noqa: ANN001
    """The text of the price element's parent around it (``<span>294</span><span>元</span>``), kept short."""
    parent = el.getparent()
    return markup.visible_text(parent)[:60] if parent is not None else ""


def _visible_price(index: markup.PageIndex, country: str | None, declared: str | None,  # noqa: ANN202
                   shown_only: bool = False):
    """(parsed, selector) of the first candidate element holding a real price; (None, None) when none does.
    ``shown_only``: only text a buyer sees — not ``itemprop=price`` / ``<meta>`` elements, which are the structured
    data itself and cannot confirm or contradict it."""
    for _, query, el in markup.candidates(index):
        if shown_only and (el.tag == "meta" or el.get("itemprop") == "price" or el.get("content") is not None):
            continue
        text = markup.price_text(el, query)
        if not markup.usable(el, text):
            continue
        parsed = parse_price(text, country, declared, context=_beside(el))
        if parsed.amount is not None:
            return parsed, query
    return None, None


def _text_price(text: str | None, country: str | None, declared: str | None) -> ParsedPrice | None:
    """A price written in a description ("直購價：$294", "Now only 19,99 €"): a labelled or currency-marked amount."""
    if not text:
        return None
    text = normalise_text(text)
    label = CURRENT.search(text) or PRICE_WORD.search(text)
    if label is None:
        return None  # product prose ("200 ml", "ab 25 Stück"): a number there is not a price unless labelled
    segment = text[label.start():label.start() + 60]
    number, code = _priced_number(segment, country)
    if number is None:
        return None
    parsed = parse_price(segment[max(0, number.start() - 8):number.end() + 8], country, declared)
    return parsed if parsed.amount is not None else None


def extract_product(html: str, url: str | None = None, syntaxes=DEFAULT_SYNTAXES) -> Product:  # noqa: ANN001
    """Read one product page (see module docstring). ``syntaxes``: structured data to read; add ``"rdfa"`` to
    read RDFa too (slow: its own parse)."""
    tree = _parse_html(html)
    index = markup.PageIndex(tree)
    page_words = markup.page_text(tree)
    lang = tree.get("lang") or _first_text(tree, "/html/@lang")
    url = url or _first_text(tree, "/html/head/link[@rel='canonical']/@href") or _first_text(
        tree, "/html/head/meta[@property='og:url']/@content")
    country = country_of(url, lang)
    h1 = " ".join(" ".join(markup.text_of(h).split()) for h in tree.xpath("descendant::h1[1]")).strip() or None
    page_title = _first_text(tree, "/html/head/title")
    heading = _first_text(tree, "/html/head/meta[@property='og:title']/@content") or h1 or page_title
    data = structured(tree, url, heading, syntaxes, html if "rdfa" in syntaxes else None)
    og = data["og"]
    title = data.get("title") or og.get("title") or h1 or page_title
    if isinstance(title, str):
        title = re.sub(r"\s+", " ", title).strip() or None
    sources: dict = {}

    availability = data.get("availability")
    sources["availability"] = "structured" if availability else None
    if availability is None:
        availability = visible_availability(tree, index, page_words)
        sources["availability"] = "page" if availability != "unknown" else None

    # every price the structured data states: each offer in order, then OpenGraph
    stated = [(o["price"], o.get("currency"), o["source"], o) for o in data["offers"] if o.get("price")]
    if og.get("price"):
        stated.append((og["price"], og.get("currency"), "opengraph", {}))
    declared = next((c for _, c, _, _ in stated if c), None)
    struct: ParsedPrice | None = None
    struct_source = None
    amounts = []
    for text, cur, source, offer in stated:
        parsed = parse_price(str(text), country, cur or declared)
        if parsed.amount is None:
            continue
        amounts.append(parsed.amount)
        if struct is None:
            struct, struct_source = parsed, source
            if offer.get("low") and offer.get("high"):
                with contextlib.suppress(TypeError, ValueError):
                    struct.low, struct.high = float(offer["low"]), float(offer["high"])
    visible, query = _visible_price(index, country, declared)
    if struct is not None:
        shown, shown_query = _visible_price(index, country, declared, shown_only=True)
        if shown is not None:
            visible, query = shown, shown_query
        if struct.currency_source == "country" and visible is not None and _same(struct.amount, visible.amount) \
                and visible.currency_source in ("beside", "text"):
            # structured data without a currency: the symbol the page writes beside the same amount ("270,00 Kn")
            # beats a guess from the shop's country
            struct.currency, struct.currency_source = visible.currency, visible.currency_source

    chosen, source = None, None
    if struct is not None and visible is not None and not _same(struct.amount, visible.amount):
        struck_amounts = [parse_price(t, country, declared).amount for t in markup.struck_prices(index)[:5]]
        if any(_same(visible.amount, a) for a in amounts[1:]) or any(_same(struct.amount, a) for a in struck_amounts):
            # the page agrees with another stated price (og:price's current bid, a later Offer), or the structured
            # price is the one the page strikes through: the page shows what a buyer pays now
            chosen, source = visible, f"css:{query} (over {struct_source} {struct.amount:g})"
        else:
            chosen, source = struct, struct_source
    elif struct is not None:
        chosen, source = struct, struct_source
    elif visible is not None:
        chosen, source = visible, f"css:{query}"
    if chosen is None and availability != "out_of_stock":
        for name, text in (("og:description", og.get("description")),
                           ("meta:description", _first_text(tree, "/html/head/meta[@name='description']/@content"))):
            parsed = _text_price(text, country, declared)
            if parsed is not None:
                chosen, source = parsed, name
                break
    if chosen is None and availability != "out_of_stock":
        text, score = heuristic_price(tree, title)
        if text and score >= 2.0:
            parsed = parse_price(text, country, declared)
            if parsed.amount is not None:
                chosen, source = parsed, "heuristic"
    if availability == "out_of_stock" and source == "heuristic":
        chosen = None  # never a guessed price on a sold-out page

    price = currency = low = high = list_price = None
    if chosen is not None:
        price, currency, low, high = chosen.amount, chosen.currency, chosen.low, chosen.high
        sources["currency"] = chosen.currency_source
        list_price = chosen.list_price
        sources["list_price"] = "text" if list_price else None
        if list_price is None:
            for text in markup.struck_prices(index):
                candidate = parse_price(text, country, currency).amount
                if candidate is not None and candidate > price:
                    list_price = candidate
                    sources["list_price"] = "struck"
                    break
    else:
        source = None
    if list_price is not None and price is not None and list_price <= price:
        list_price = None
    sources["price"] = source

    seller = data.get("seller") or page_seller(index, page_words)
    # the SKU a buyer is shown ("SKU: …", "ASIN", "eBay item number", "Product code") beats structured data, which
    # often holds a variant's or a feed's id; then structured data; then itemprop/meta/data attributes and models
    sku, sources["sku"] = page_sku(tree, index, page_words, strong_only=True), "page"
    if not sku:
        sku, sources["sku"] = data.get("sku"), "structured"
    if not sku:
        sku, sources["sku"] = page_sku(tree, index, page_words), "page"
    shipping = None
    if data.get("shipping") is not None:
        shipping = parse_price(str(data["shipping"]), country, currency).amount or 0.0
    else:
        freight = " ".join(markup.visible_text(n) for n in index.shipping[:3])
        if freight:
            shipping = parse_price(freight, country, currency).amount
    norm = normalize_title(title) if title else {"category": None, "quantity": None, "quantity_unit": None}
    return Product(url=url, title=title, price=price, currency=currency, availability=availability, sku=sku,
                   seller=seller, category=norm["category"], quantity=norm["quantity"],
                   quantity_unit=norm["quantity_unit"], list_price=list_price, price_low=low, price_high=high,
                   price_source=source, shipping=shipping, sources={k: v for k, v in sources.items() if v})


def extract_json(html: str, url: str | None = None) -> str:
    return json.dumps(extract_product(html, url).as_dict(), ensure_ascii=False)
