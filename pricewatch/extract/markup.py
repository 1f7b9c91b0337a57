"""Visible price markup: every element that may hold the price, tried in order of trust; struck list prices.

One XPath pass collects the elements whose class, id, itemprop or data attribute names a price; each is ranked by
the first selector of :data:`PRICE_SELECTORS` it matches (a small matcher for the selector forms used there, so a
600 KB page is scanned once instead of 45 times). Candidates are tried in rank order until one holds a real price:
one in a struck-through element, a mini-basket or header, a shipping/delivery/instalment line, a per-unit helper
("€2.50 / 100 ml"), a recommendation carousel, or an amount of 0 is passed over for the next.
"""

from __future__ import annotations

import re

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
    "[itemprop=price]", ".product-price", ".price", "#price", "[class*=Price]", "[class*=price]",
]
# selectors that name the current price outright: trusted over structured data that disagrees with them
STRONG = set(PRICE_SELECTORS[:PRICE_SELECTORS.index(".price--sale") + 2]) | {"[itemprop=price]"}

# one walk of the tree asks every question at once (one combined regex per element: ~4 ms on a 600 KB page,
# where an XPath with the same contains() tests takes ~40 ms)
_MARKS = re.compile(r"rice|RICE|old|Old|was|Was|list|List|original|strike|rrp|compare|regular|uvp|before|crossed|"
                    r"former|reference|a-text-price|stock|Stock|availability|store-prompt|inventory|freight|"
                    r"shipping-cost|J-hove-wrap|shopName|tb-shop-name|x-sellercard|sellerProfileTriggerId|seller-name|"
                    r"tb-rmb-num|prcIsum|a-offscreen")
_PRICE_MARK = re.compile(r"rice|RICE|tb-rmb-num|prcIsum|a-offscreen")
_STOCK_MARK = re.compile(r"availability|stock|Stock|store-prompt|inventory")
_SHIPPING_MARK = re.compile(r"freight|shipping-cost")
_SELLER_MARK = re.compile(r"J-hove-wrap|shopName|tb-shop-name|x-sellercard-atf__info__about-seller|"
                          r"sellerProfileTriggerId|seller-name")
_TESTED = "descendant::*[@data-test or @data-testid or @data-qa]"


class PageIndex:
    """The elements of one page the extraction asks about, found in one pass: ``price`` (may hold a price),
    ``struck`` (struck-through or former-price classes), ``stock`` (stock/availability elements), ``buttons``,
    ``shipping``, ``seller`` (seller-name markup), ``itemprop`` (name → elements)."""

    def __init__(self, tree) -> None:  # noqa: ANN001
        from lxml import etree

        self.price, self.struck, self.stock, self.buttons, self.shipping, self.seller = [], [], [], [], [], []
        self.data_sku: list = []
        self.itemprop: dict[str, list] = {}
        for el in tree.iter(etree.Element):
            tag = el.tag
            prop = el.get("itemprop")
            if el.get("data-sku") is not None or el.get("data-product-sku") is not None or \
                    el.get("data-product-id") is not None:
                self.data_sku.append(el)
            marks = f"{el.get('class') or ''} {el.get('id') or ''}"
            if prop:
                self.itemprop.setdefault(prop, []).append(el)
                if prop == "price":
                    self.price.append(el)
                elif prop == "availability":
                    self.stock.append(el)
            if tag in ("del", "s", "strike"):
                self.struck.append(el)
            elif tag == "button":
                self.buttons.append(el)
            if len(marks) < 2 or not _MARKS.search(marks):
                continue
            cls = el.get("class") or ""
            if prop != "price" and _PRICE_MARK.search(marks):
                self.price.append(el)
            if tag not in ("del", "s", "strike") and (STRUCK_CLASS.search(cls) or "a-text-price" in cls):
                self.struck.append(el)
            if prop != "availability" and _STOCK_MARK.search(marks):
                self.stock.append(el)
            if _SHIPPING_MARK.search(cls):
                self.shipping.append(el)
            if _SELLER_MARK.search(marks):
                self.seller.append(el)
        for el in tree.xpath(_TESTED):
            tested = f"{el.get('data-test') or ''} {el.get('data-testid') or ''} {el.get('data-qa') or ''}"
            if "price" in tested and el not in self.price:
                self.price.append(el)
            if el.get("data-testid") == "seller-name":
                self.seller.append(el)


# class/id tokens of areas that are not the product's own current price
_AWAY = re.compile(r"related|recommend|similar|carousel|sponsored|also-?bought|upsell|cross-?sell|猜你喜欢|推荐|"
                   r"mini-?cart|minicart|mini-?basket|cart-?(?:total|summary|price|count)|basket-?(?:price|total|count)|"
                   r"shipping|delivery|freight|versand|livraison|installment|instalment|financing|monthly|"
                   r"unit-?price|price-?per|base-?price|grundpreis", re.I)
# a struck / former price, as a class token: old-price, price-old, oldPrice, was-price, list-price, price--compare…
# ("bold", "placeholder", "golden" are not: the word must stand alone between separators)
STRUCK_CLASS = re.compile(r"(?:^|[-_\s])(?:old|was|list|original|strike|striked|rrp|uvp|msrp|compare|before|regular|"
                          r"crossed|former|reference)(?:$|[-_\s]|price|Price)|(?:^|[a-z])(?:Old|Was|List|Original|"
                          r"Strike|Compare|Regular|Former)Price")
PER_UNIT = re.compile(r"(?:/|\bper\b|\bje\b|\bpro\b|\bpar\b|\bpor\b|\bal\b)\s*(?:\d+\s*)?(?:ml|cl|l|g|kg|oz|lb|m|"
                      r"pcs?|stück|stk|piece|unit|each|ea|item|count|tablet)s?\b|单价|単価|grundpreis", re.I)
SHIPPING_TEXT = re.compile(r"shipping|delivery|postage|versand|livraison|env[ií]o|spedizione|verzend|运费|運費|"
                           r"配送料|送料|доставка|משלוח", re.I)


def _parse_simple(simple: str) -> dict:
    spec: dict = {"tag": None, "classes": [], "id": None, "attrs": [], "not_classes": []}
    m = re.match(r"^([a-zA-Z][\w-]*)", simple)
    if m:
        spec["tag"] = m.group(1)
    for part in re.findall(r":not\(\.([\w-]+)\)", simple):
        spec["not_classes"].append(part)
    rest = re.sub(r":not\(\.[\w-]+\)", "", simple)
    spec["classes"] = re.findall(r"\.([\w-]+)", rest)
    ident = re.findall(r"#([\w-]+)", rest)
    spec["id"] = ident[0] if ident else None
    for name, op, val in re.findall(r"\[([\w-]+)(\*?=)?([^\]]*)\]", rest):
        spec["attrs"].append((name, op, val.strip("'\"")))
    return spec


def _parse(selector: str) -> list[dict]:
    return [_parse_simple(s) for s in selector.split()]


_PARSED = [(q, _parse(q)) for q in PRICE_SELECTORS]


def _matches_simple(el, spec: dict) -> bool:  # noqa: ANN001
    if spec["tag"] and el.tag != spec["tag"]:
        return False
    classes = (el.get("class") or "").split()
    if any(c not in classes for c in spec["classes"]) or any(c in classes for c in spec["not_classes"]):
        return False
    if spec["id"] and el.get("id") != spec["id"]:
        return False
    for name, op, val in spec["attrs"]:
        have = el.get(name)
        if have is None or (op == "=" and have != val) or (op == "*=" and val not in have):
            return False
    return True


def _matches(el, chain: list[dict]) -> bool:  # noqa: ANN001
    if not _matches_simple(el, chain[-1]):
        return False
    node = el.getparent()
    for spec in reversed(chain[:-1]):
        while node is not None and not (isinstance(node.tag, str) and _matches_simple(node, spec)):
            node = node.getparent()
        if node is None:
            return False
        node = node.getparent()
    return True


def page_text(tree) -> str:  # noqa: ANN001
    """The page's visible text in document order, one string: one line per text node (scripts and styles left out,
    spaces collapsed). Searched once by regular expressions for SKU labels, seller names and stock phrases instead of
    an XPath ``contains()`` over every text node per question; a label and its value in two elements ("ASIN" |
    "B004SNMXRS") are a line apart, a seller name stops at its line."""
    lines = (" ".join(t.split()) for t in tree.xpath("descendant::text()[not(parent::script) and not(parent::style) "
                                                      "and not(parent::noscript)]"))
    return "\n".join(line for line in lines if line)


def visible_text(el) -> str:  # noqa: ANN001
    return " ".join(t.strip() for t in el.xpath(".//text()[not(ancestor::script) and not(ancestor::style)]")
                    if t.strip())


def _context(el) -> str:  # noqa: ANN001
    return " ".join(f"{a.get('class', '')} {a.get('id', '')}" for a in el.iterancestors()) + \
        f" {el.get('class', '')} {el.get('id', '')}"


def struck(el) -> bool:  # noqa: ANN001
    """In a struck-through element or one whose class says former/list price."""
    for node in (el, *el.iterancestors()):
        if node.tag in ("del", "s", "strike"):
            return True
        if STRUCK_CLASS.search(node.get("class") or "") or "a-text-price" in (node.get("class") or ""):
            return True
    return False


def away(el) -> bool:  # noqa: ANN001
    """In the site header/nav, a mini-basket, a shipping or instalment line, or a recommendation area."""
    for node in el.iterancestors():
        if node.tag in ("header", "nav", "footer") and not node.xpath("ancestor::main or ancestor::article"):
            return True
    return bool(_AWAY.search(_context(el)))


def candidates(index: PageIndex) -> list[tuple[int, str, object]]:
    """(rank, selector, element) of every element that may hold the price, most trusted first."""
    ranked = []
    for order, el in enumerate(index.price):
        for rank, (query, chain) in enumerate(_PARSED):
            if _matches(el, chain):
                ranked.append((rank, order, query, el))
                break
    ranked.sort(key=lambda r: (r[0], r[1]))
    return [(rank, query, el) for rank, _, query, el in ranked]


def price_text(el, query: str) -> str:  # noqa: ANN001
    text = el.get("content") if el.tag == "meta" else None
    if query.startswith(".pip-price__integer") or query.startswith(".pip-temp-price__integer"):
        el = el.getparent() if el.getparent() is not None else el
    # inline parts joined as shown ("4" + ",99 €", "1 099" + "<sup>,00 €</sup>"), blocks by a space
    text = text or _shown(el) or el.get("content") or el.get("data-price") or ""
    return text


def _shown(el) -> str:  # noqa: ANN001
    parts = []
    for node in el.iter():
        if node.tag in ("script", "style") or not isinstance(node.tag, str):
            continue
        if node.tag in ("div", "p", "li", "br", "tr", "td", "dd", "dt") and node is not el:
            parts.append(" ")
        if node.text:
            parts.append(node.text)
        if node is not el and node.tail:
            parts.append(node.tail)
    return " ".join("".join(parts).split())


def usable(el, text: str) -> bool:  # noqa: ANN001
    """Could this element's text be the price a buyer pays now?"""
    if not re.search(r"\d", text) or len(text) > 120:
        return False
    if struck(el) or away(el):
        return False
    return not (SHIPPING_TEXT.search(text) or PER_UNIT.search(text))


def struck_prices(index: PageIndex) -> list[str]:
    """Texts of struck / former prices outside recommendation areas, in page order."""
    found = []
    for el in index.struck:
        if _AWAY.search(_context(el)):
            continue
        text = _shown(el)
        if re.search(r"\d", text) and len(text) < 80:
            found.append(text)
    return found
