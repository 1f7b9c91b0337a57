"""Product page → product fields: url, title, price, currency, availability, sku, seller, category, quantity,
quantity_unit (plus list_price, price_low/price_high for ranges, and ``price_source`` saying where the price came
from). Used by ``pricewatch extract``; the spiders will use the same function.

Order of evidence, strongest first:

1. structured data (extruct): JSON-LD / microdata / RDFa ``Product`` with ``offers`` (``Offer`` or
   ``AggregateOffer``), OpenGraph ``product:price:amount`` / ``og:price:amount``;
2. well-known price markup: ``itemprop="price"``, shop-specific selectors (Amazon ``.a-price .a-offscreen``, eBay
   ``.x-price-primary``, JD ``.p-price``, Taobao/Tmall ``.tm-price``, IKEA ``.pip-price``…), generic price
   classes and ids, ``meta[property=product:price:amount]``;
3. a scored heuristic over visible price-like text: candidates near the title and the buy button, in elements whose
   class or id says "price", are preferred; struck-through (``del``, ``s``, "was"/"原价") and related-product
   areas are penalised.

An out-of-stock page reports its availability and no guessed price. The currency is resolved to ISO 4217 with the
shop's country (from the URL's domain or ``<html lang>``).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

from parsel import Selector

from pricewatch.extract.price import UNAVAILABLE, parse_price
from pricewatch.normalize import normalize_title

TLD_COUNTRY = {"cn": "CN", "jp": "JP", "uk": "GB", "de": "DE", "fr": "FR", "es": "ES", "it": "IT", "nl": "NL",
               "ca": "CA", "au": "AU", "in": "IN", "kr": "KR", "ch": "CH", "se": "SE", "no": "NO", "dk": "DK",
               "pl": "PL", "br": "BR", "mx": "MX", "tr": "TR", "ru": "RU", "sg": "SG", "tw": "TW", "hk": "HK",
               "nz": "NZ", "at": "AT", "be": "BE", "ie": "IE", "pt": "PT", "fi": "FI", "cz": "CZ", "za": "ZA"}
LANG_COUNTRY = {"zh": "CN", "zh-cn": "CN", "zh-tw": "TW", "zh-hk": "HK", "ja": "JP", "ko": "KR", "de": "DE",
                "fr": "FR", "es": "ES", "it": "IT", "nl": "NL", "en-gb": "GB", "en-us": "US", "en-ca": "CA",
                "en-au": "AU", "en-in": "IN", "sv": "SE", "pl": "PL", "pt-br": "BR", "tr": "TR", "ru": "RU"}
PRICE_SELECTORS = [
    # the price a buyer pays: promotion / deal prices before list prices
    ".priceToPay .a-offscreen", "#apex_desktop .a-price:not(.a-text-price) .a-offscreen",
    "#tp_price_block_total_price_ww .a-offscreen", ".tm-promo-price .tm-price", "#J_PromoPriceNum",
    "[data-test=product-price]", ".priceView-customer-price span",
    "#corePrice_feature_div .a-offscreen", "#corePriceDisplay_desktop_feature_div .a-offscreen",
    "#priceblock_dealprice", "#priceblock_ourprice", "#price_inside_buybox", ".a-price:not(.a-text-price) .a-offscreen",
    ".x-price-primary", "#prcIsum", ".x-bin-price", ".p-price .price", ".p-price", ".J-p-price",
    ".tm-price", ".tb-rmb-num", "#J_StrPrice", ".pip-price__integer", ".pip-temp-price__integer",
    "[data-testid=price]", "[data-testid=product-price]", "[data-qa=price]", ".product-price__current",
    ".price-current", ".current-price", ".sale-price", ".special-price .price", ".price--sale", ".price-now",
    ".product-price", ".price", "#price", "[class*=Price]", "[class*=price]",
]
STRUCK = "del, s, strike, .a-text-price, [class*=was], [class*=old], [class*=list-price], [class*=original], " \
         "[class*=strike], [class*=rrp], [class*=compare]"
SKIP_AREAS = re.compile(r"related|recommend|similar|carousel|sponsored|also-bought|upsell|cross-sell|猜你喜欢|推荐",
                        re.I)
PRICE_TEXT = re.compile(r"(?:[$€£¥₹₩₽₺]|US\$|CA\$|HK\$|A\$|RMB|CNY|USD|EUR|GBP|JPY|CHF|元|円|kr|zł)\s*\d|"
                        r"\d[\d.,\s]*\s*(?:€|元|円|kr|zł|Kč|руб|₽|CHF|EUR|USD|RMB)")
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

    def as_dict(self) -> dict:
        return asdict(self)


def country_of(url: str | None, html_lang: str | None) -> str | None:
    if url:
        host = (urlsplit(url).hostname or "").lower()
        tld = host.rsplit(".", 1)[-1] if "." in host else ""
        if tld in TLD_COUNTRY:
            return TLD_COUNTRY[tld]
        if tld in ("com", "net", "org") and host:
            if any(p in host for p in ("jd.", "taobao", "tmall", "pinduoduo", "suning")):
                return "CN"
            if "rakuten.co" in host:
                return "JP"
    if html_lang:
        lang = html_lang.lower()
        return LANG_COUNTRY.get(lang) or LANG_COUNTRY.get(lang.split("-")[0])
    return "US" if url and urlsplit(url).hostname and urlsplit(url).hostname.endswith(".com") else None


def _availability(value) -> str | None:  # noqa: ANN001
    text = str(value or "").lower()
    if not text:
        return None
    if "outofstock" in text or "soldout" in text or "discontinued" in text:
        return "out_of_stock"
    if "preorder" in text or "presale" in text or "backorder" in text:
        return "preorder"
    if "instock" in text or "limitedavailability" in text or "onlineonly" in text or "instoreonly" in text:
        return "in_stock"
    return None


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


def _first(value):  # noqa: ANN001, ANN202
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _product_fields(node: dict, syntax: str) -> dict:
    """Fields of one schema.org Product node (its first priced offer)."""
    found: dict = {"title": _first(node.get("name")),
                   "sku": _first(node.get("sku") or node.get("mpn") or node.get("productID"))}
    offers = node.get("offers") or []
    offers = offers if isinstance(offers, list) else [offers]
    for offer in offers:
        if not isinstance(offer, dict):
            continue
        price = offer.get("price") or offer.get("lowPrice")
        spec = offer.get("priceSpecification")
        spec = spec[0] if isinstance(spec, list) and spec else spec
        if price in (None, "") and isinstance(spec, dict):
            price = spec.get("price")
        if price not in (None, "") and "price" not in found:
            found["price"] = str(_first(price))
            found["currency"] = _first(offer.get("priceCurrency")) or (
                spec.get("priceCurrency") if isinstance(spec, dict) else None)
            if offer.get("highPrice") and offer.get("lowPrice"):
                found["low"], found["high"] = offer.get("lowPrice"), offer.get("highPrice")
            found["source"] = syntax
        availability = _availability(_first(offer.get("availability")))
        if availability and "availability" not in found:
            found["availability"] = availability
        details = offer.get("shippingDetails")
        details = details[0] if isinstance(details, list) and details else details
        rate = details.get("shippingRate") if isinstance(details, dict) else None
        if isinstance(rate, dict) and rate.get("value") not in (None, "") and "shipping" not in found:
            found["shipping"] = str(rate.get("value"))
        seller = offer.get("seller")
        if isinstance(seller, dict) and seller.get("name") and "seller" not in found:
            found["seller"] = _first(seller.get("name"))
    return {k: v for k, v in found.items() if v not in (None, "")}


def _tokens(text: str | None) -> set[str]:
    return set(re.findall(r"\w+", (text or "").lower()))


def _best_product(candidates: list[dict], title_hint: str | None) -> dict:
    """The page's own product among several (related products are Products too): priced, and named like the page's
    heading; the first one wins ties."""
    hint = _tokens(title_hint)

    def score(item: tuple[int, dict]) -> tuple[float, int]:
        i, c = item
        overlap = len(hint & _tokens(c.get("title"))) / max(1, len(hint)) if hint else 0.0
        return (2.0 * ("price" in c) + overlap, -i)

    return max(enumerate(candidates), key=score)[1]


def structured(html: str, url: str | None, title_hint: str | None = None) -> dict:
    """Product fields from JSON-LD / microdata / RDFa / OpenGraph (extruct): the page's own product."""
    import extruct

    try:
        data = extruct.extract(html, base_url=url or "", syntaxes=["json-ld", "microdata", "opengraph", "rdfa"],
                               uniform=True, errors="ignore")
    except Exception:  # noqa: BLE001 - malformed pages fall through to the markup and the heuristic
        data = {}
    candidates = []
    for syntax in ("json-ld", "microdata", "rdfa"):
        for node in _walk(data.get(syntax, [])):
            if "Product" in _types(node) or "ProductGroup" in _types(node):
                candidates.append(_product_fields(node, syntax))
    found: dict = _best_product(candidates, title_hint) if candidates else {}
    for node in data.get("opengraph", []):
        props = node if isinstance(node, dict) else {}
        amount = props.get("product:price:amount") or props.get("og:price:amount")
        if amount and "price" not in found:
            found["price"] = str(_first(amount))
            found["currency"] = _first(props.get("product:price:currency") or props.get("og:price:currency"))
            found["source"] = "opengraph"
        found.setdefault("og_title", _first(props.get("og:title")))
        availability = _availability(_first(props.get("product:availability") or props.get("og:availability")))
        if availability:
            found.setdefault("availability", availability)
    return found


def _visible_text(node) -> str:  # noqa: ANN001
    return " ".join(t.strip() for t in node.xpath(".//text()[not(ancestor::script) and not(ancestor::style)]").getall()
                    if t.strip())


def markup_price(sel: Selector, country: str | None) -> tuple[str | None, str | None, float | None]:
    """(price text, source, list price) from well-known price markup."""
    for node in sel.css("[itemprop=price]"):
        content = node.attrib.get("content") or _visible_text(node)
        if content and re.search(r"\d", content):
            currency = sel.css("[itemprop=priceCurrency]::attr(content)").get() or ""
            return f"{content} {currency}".strip(), "itemprop", None
    for query in ("meta[property='product:price:amount']::attr(content)", "meta[property='og:price:amount']::attr(content)",
                  "meta[itemprop=price]::attr(content)", "meta[name='twitter:data1']::attr(content)"):
        value = sel.css(query).get()
        if value and re.search(r"\d", value):
            return value, "meta", None
    for query in PRICE_SELECTORS:
        for node in sel.css(query):
            if node.xpath("ancestor-or-self::*[self::del or self::s or self::strike]"):
                continue
            classes = " ".join(node.xpath("ancestor-or-self::*/@class").getall() + node.xpath("ancestor-or-self::*/@id").getall())
            if SKIP_AREAS.search(classes) or re.search(r"was|old|list-price|original|strike|rrp|compare", node.attrib.get("class", ""), re.I):
                continue
            text = _visible_text(node) or node.attrib.get("content") or node.attrib.get("data-price") or ""
            if re.search(r"\d", text):
                if query.startswith(".pip-price__integer") or query.startswith(".pip-temp-price__integer"):
                    parent = node.xpath("..")
                    text = _visible_text(parent[0]) if parent else text
                struck = sel.css(STRUCK)
                list_text = _visible_text(struck[0]) if struck else None
                list_price = parse_price(list_text, country).amount if list_text else None
                return text, f"css:{query}", list_price
    return None, None, None


def heuristic_price(sel: Selector, title: str | None, country: str | None) -> tuple[str | None, float]:
    """The best visible price-like text and its score (higher is better)."""
    body = sel.css("body") or [sel]
    nodes = body[0].xpath(".//*[not(self::script) and not(self::style) and text()[normalize-space()]]")
    best, best_score = None, 0.0
    title_pos = None
    buy_pos = None
    for i, node in enumerate(nodes):
        own = " ".join(node.xpath("text()").getall()).strip()
        if title and title_pos is None and own and own[:30] in title:
            title_pos = i
        if buy_pos is None and re.search(r"add to cart|add to basket|buy now|in den warenkorb|ajouter au panier|"
                                         r"加入购物车|立即购买|カートに入れる", own, re.I):
            buy_pos = i
    for i, node in enumerate(nodes):
        own = " ".join(node.xpath("text()").getall()).strip()
        if not own or not PRICE_TEXT.search(own) or len(own) > 80:
            continue
        context = " ".join(node.xpath("ancestor-or-self::*/@class").getall() + node.xpath("ancestor-or-self::*/@id").getall())
        score = 1.0
        if re.search(r"price|preis|prix|precio|价|価格", context, re.I):
            score += 2.0
        if node.xpath("ancestor-or-self::*[self::del or self::s or self::strike]") or re.search(
                r"was|old|list|original|strike|rrp|compare|原价|划线", context + " " + own, re.I):
            score -= 3.0
        if SKIP_AREAS.search(context):
            score -= 2.5
        if title_pos is not None:
            score += 2.0 / (1 + abs(i - title_pos) / 5)
        if buy_pos is not None:
            score += 1.5 / (1 + abs(i - buy_pos) / 5)
        if re.search(r"shipping|delivery|versand|livraison|运费|配送|/\s*(month|mo)\b|per month|monatlich", own, re.I):
            score -= 2.0
        if score > best_score:
            best, best_score = own, score
    return best, best_score


SELLER_SELECTORS = [".J-hove-wrap .name a::attr(title)", ".shopName ::text", ".tb-shop-name a::text",
                    ".x-sellercard-atf__info__about-seller ::text", "#sellerProfileTriggerId::text",
                    ".seller-name ::text", "[data-testid=seller-name] ::text"]


def page_seller(sel: Selector) -> str | None:
    """The seller's display name from shop markup or a "Sold by …" / "店铺：…" text (one text node, not the page)."""
    for query in SELLER_SELECTORS:
        value = " ".join(t.strip() for t in sel.css(query).getall() if t.strip())
        if value:
            return value[:120]
    for text in sel.xpath("//body//text()[not(ancestor::script) and not(ancestor::style)]").getall():
        m = SELLER_TEXT.search(text)
        if m:
            return m.group(1).strip().rstrip(".。").strip() or None
    return None


def extract_product(html: str, url: str | None = None) -> Product:
    """Read one product page (see module docstring)."""
    sel = Selector(text=html)
    lang = sel.xpath("/html/@lang").get()
    url = url or sel.css("link[rel=canonical]::attr(href)").get() or sel.css("meta[property='og:url']::attr(content)").get()
    country = country_of(url, lang)
    heading = (sel.css("meta[property='og:title']::attr(content)").get()
               or " ".join(sel.css("h1 ::text").getall()).strip() or sel.css("title::text").get())
    data = structured(html, url, heading)
    title = data.get("title") or data.get("og_title") or (" ".join(sel.css("h1 ::text").getall()).strip() or None) \
        or (sel.css("title::text").get() or "").strip() or None
    if isinstance(title, str):
        title = re.sub(r"\s+", " ", title).strip()

    page_text = _visible_text(sel.css("body")[0]) if sel.css("body") else ""
    availability = data.get("availability")
    if availability is None:
        buy_area = " ".join(sel.css("#availability ::text, .availability ::text, [class*=stock] ::text, "
                                    "[class*=Stock] ::text, .store-prompt ::text, #J-stock ::text").getall())
        if UNAVAILABLE.search(buy_area) or (UNAVAILABLE.search(page_text[:4000]) and not re.search(
                r"add to cart|加入购物车|in den warenkorb|ajouter au panier", page_text, re.I)):
            availability = "out_of_stock"
        elif re.search(r"in stock|auf lager|en stock|op voorraad|disponible|disponibile|有货|现货|在庫あり", page_text, re.I):
            availability = "in_stock"
        else:
            availability = "unknown"

    price = currency = list_price = low = high = None
    source = None
    if data.get("price") is not None:
        parsed = parse_price(str(data["price"]), country, data.get("currency"))
        price, currency, source = parsed.amount, parsed.currency, data.get("source")
        if data.get("low") and data.get("high"):
            low, high = float(data["low"]), float(data["high"])
    if price is None:
        text, source, list_price = markup_price(sel, country)
        if text:
            parsed = parse_price(text, country, data.get("currency"))
            price, currency, low, high = parsed.amount, parsed.currency, parsed.low, parsed.high
            list_price = list_price or parsed.list_price
    if price is None and availability != "out_of_stock":
        text, score = heuristic_price(sel, title, country)
        if text and score >= 2.0:
            parsed = parse_price(text, country)
            price, currency, low, high, source = parsed.amount, parsed.currency, parsed.low, parsed.high, "heuristic"
            list_price = parsed.list_price
    if availability == "out_of_stock" and source == "heuristic":
        price = None  # never a guessed price on a sold-out page
    if list_price is not None and price is not None and list_price <= price:
        list_price = None

    seller = data.get("seller") or page_seller(sel)
    shipping = None
    if data.get("shipping") is not None:
        shipping = parse_price(str(data["shipping"]), country, currency).amount or 0.0
    else:
        freight = " ".join(sel.css(".freight ::text, [class*=freight] ::text, [class*=shipping-cost] ::text").getall())
        if freight:
            shipping = parse_price(freight, country, currency).amount
    norm = normalize_title(title) if title else {"category": None, "quantity": None, "quantity_unit": None}
    return Product(url=url, title=title, price=price, currency=currency, availability=availability,
                   sku=str(data["sku"]) if data.get("sku") else None, seller=seller, category=norm["category"],
                   quantity=norm["quantity"], quantity_unit=norm["quantity_unit"], list_price=list_price,
                   price_low=low, price_high=high, price_source=source, shipping=shipping)


def extract_json(html: str, url: str | None = None) -> str:
    return json.dumps(extract_product(html, url).as_dict(), ensure_ascii=False)
