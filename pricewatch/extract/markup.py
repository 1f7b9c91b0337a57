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

# one walk of the tree asks every question at once: one findall per element names the marks its class/id carries
# (~17 ms on a 600 KB real page), each mark then says which lists the element joins; the finer regexes below run
# only on the few elements whose marks call for them
_PRICE_TOKENS = ("rice", "RICE", "tb-rmb-num", "prcIsum", "a-offscreen", "a-text-price")
_STRUCK_TOKENS = ("old", "Old", "was", "Was", "list", "List", "original", "Original", "strike", "Strike", "rrp",
                  "compare", "Compare", "regular", "Regular", "uvp", "before", "crossed", "former", "Former",
                  "reference", "barred", "a-text-price")
_STOCK_TOKENS = ("availability", "stock", "Stock", "store-prompt", "inventory")
_SHIPPING_TOKENS = ("freight", "shipping-cost")
_SELLER_TOKENS = ("J-hove-wrap", "shopName", "tb-shop-name", "x-sellercard", "sellerProfileTriggerId", "seller-name")
_ALL_TOKENS = sorted(set(_PRICE_TOKENS + _STRUCK_TOKENS + _STOCK_TOKENS + _SHIPPING_TOKENS + _SELLER_TOKENS),
                     key=len, reverse=True)  # the longest first: "a-text-price" before "rice"
_MARKS = re.compile("|".join(re.escape(t) for t in _ALL_TOKENS))
_KIND = {t: frozenset(k for k, group in (("price", _PRICE_TOKENS), ("struck", _STRUCK_TOKENS),
                                          ("stock", _STOCK_TOKENS), ("shipping", _SHIPPING_TOKENS),
                                          ("seller", _SELLER_TOKENS)) if t in group) for t in _ALL_TOKENS}
_SELLER_MARK = re.compile(r"J-hove-wrap|shopName|tb-shop-name|x-sellercard-atf__info__about-seller|"
                          r"sellerProfileTriggerId|seller-name")


def _xpath(query: str):  # noqa: ANN202
    from lxml import etree

    return etree.XPath(query, smart_strings=False)  # plain strings: no parent links kept per text node


_DATA = _xpath("descendant::*[@data-test or @data-testid or @data-qa or @data-sku or @data-product-sku or "
               "@data-product-id]")
_TEXT_NODES = _xpath("descendant::text()[not(parent::script) and not(parent::style) and not(parent::noscript)]")


_NO_KINDS: frozenset = frozenset()


def _kinds(marks: str | None) -> frozenset:
    """The kinds of element (price, struck, stock, shipping, seller) the marks in a class or id name."""
    found = _MARKS.findall(marks) if marks and len(marks) > 2 else None
    return frozenset().union(*(_KIND[t] for t in found)) if found else _NO_KINDS


class PageIndex:
    """The elements of one page the extraction asks about, found in one pass: ``price`` (may hold a price),
    ``struck`` (struck-through or former-price classes), ``stock`` (stock/availability elements), ``buttons``,
    ``shipping``, ``seller`` (seller-name markup), ``itemprop`` (name → elements)."""

    def __init__(self, tree) -> None:  # noqa: ANN001
        from lxml import etree

        self.price, self.struck, self.stock, self.buttons, self.shipping, self.seller = [], [], [], [], [], []
        self.data_sku: list = []
        self.itemprop: dict[str, list] = {}
        kinds_of: dict = {}  # class attribute → the kinds its marks name (a page repeats its classes)
        for el in tree.iter(etree.Element):
            tag = el.tag
            prop = el.get("itemprop")
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
            cls = el.get("class")
            ident = el.get("id")
            if cls is None and ident is None:
                continue
            kinds = kinds_of.get(cls)
            if kinds is None:
                kinds = kinds_of[cls] = _kinds(cls)
            if ident:
                kinds = kinds | _kinds(ident)
            if not kinds:
                continue
            cls = cls or ""
            marks = f"{cls} {ident or ''}"
            if "price" in kinds and prop != "price":
                self.price.append(el)
            if "struck" in kinds and tag not in ("del", "s", "strike") and (
                    FORMER_PRICE_CLASS.search(cls) or "a-text-price" in cls):
                self.struck.append(el)
            if "stock" in kinds and prop != "availability":
                self.stock.append(el)
            if "shipping" in kinds and ("freight" in cls or "shipping-cost" in cls):
                self.shipping.append(el)
            if "seller" in kinds and _SELLER_MARK.search(marks):
                self.seller.append(el)
        _STRUCK_MEMO.clear()
        _AWAY_MEMO.clear()
        _AWAY_MARKS_MEMO.clear()
        self.data_sku = []
        self._struck_texts: list[str] | None = None
        for el in _DATA(tree):
            if el.get("data-sku") is not None or el.get("data-product-sku") is not None or \
                    el.get("data-product-id") is not None:
                self.data_sku.append(el)
            tested = f"{el.get('data-test') or ''} {el.get('data-testid') or ''} {el.get('data-qa') or ''}"
            if "price" in tested and el not in self.price:
                self.price.append(el)
            if el.get("data-testid") == "seller-name":
                self.seller.append(el)


# class/id tokens of areas that are not the product's own current price
_AWAY = re.compile(r"related|recommend|similar|comparison|carousel|sponsored|also-?bought|upsell|cross-?sell|猜你喜欢|推荐|"
                   r"mini-?cart|minicart|mini-?basket|cart-?(?:total|summary|price|count)|basket-?(?:price|total|count)|"
                   r"shipping|delivery|freight|versand|livraison|installment|instalment|financing|monthly|"
                   r"unit-?price|price-?per|base-?price|grundpreis", re.I)
# a struck / former price, as a class token: old-price, price-old, oldPrice, was-price, list-price, price--compare…
# ("bold", "placeholder", "golden" are not: the word must stand alone between separators)
STRUCK_CLASS = re.compile(r"(?:^|[-_\s])(?:old|was|list|original|strike|striked|strikethrough|rrp|uvp|msrp|compare|"
                          r"before|regular|crossed|crossed-out|former|reference|barred)(?:$|[-_\s]|price|Price)|(?:^|[a-z])(?:Old|Was|List|Original|"
                          r"Strike|Compare|Regular|Former)Price")
# the struck / former prices a list price is read from: as STRUCK_CLASS, but "list" only joined to "price"
# (list-price, listPrice). Alone it names a list of things — Bootstrap's list-inline / list-unstyled, Amazon's
# a-unordered-list, price-list: prices inside one are still passed over as the current price (STRUCK_CLASS), but
# its text is no former price (a shop's phone number in a header list-inline was read as a €40,245,430 list price)
FORMER_PRICE_CLASS = re.compile(r"(?:^|[-_\s])(?:old|was|original|strike|striked|strikethrough|rrp|uvp|msrp|"
                                r"compare|before|regular|crossed|crossed-out|former|reference|barred)"
                                r"(?:$|[-_\s]|price|Price)|(?:^|[-_\s])list[-_]?(?:price|Price)|"
                                r"(?:^|[a-z])(?:Old|Was|List|Original|Strike|Compare|Regular|Former)Price")
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


# direction marks and zero-width characters: invisible, but they stop a value's pattern ("ASIN \u200eB0057OC5O8")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067"
                                    "\u2068\u2069\ufeff"))


_SPACES = re.compile(r"[^\S\x00]+")
_BREAKS = re.compile(r"(?: ?\x00 ?)+")


def page_text(tree) -> str:  # noqa: ANN001
    """The page's visible text in document order, one string: one line per text node (scripts and styles left out,
    spaces collapsed). Searched once by regular expressions for SKU labels, seller names and stock phrases instead of
    an XPath ``contains()`` over every text node per question; a label and its value in two elements ("ASIN" |
    "B004SNMXRS") are a line apart, a seller name stops at its line."""
    # one string, whitespace folded by regular expressions over the whole (not per text node in Python)
    joined = "\x00".join(_TEXT_NODES(tree)).translate(_INVISIBLE)
    joined = _SPACES.sub(" ", joined)
    return _BREAKS.sub("\n", joined).strip(" \n")


def text_of(el) -> str:  # noqa: ANN001
    """All text inside the element (``lxml.html``'s ``text_content()`` for plain lxml elements)."""
    return "".join(el.itertext())


def visible_text(el) -> str:  # noqa: ANN001
    return " ".join(t.strip() for t in el.xpath(".//text()[not(ancestor::script) and not(ancestor::style)]")
                    if t.strip())


def _context(el) -> str:  # noqa: ANN001
    return " ".join(f"{a.get('class', '')} {a.get('id', '')}" for a in el.iterancestors()) + \
        f" {el.get('class', '')} {el.get('id', '')}"


# answers per element for the page being read (cleared by PageIndex; a miss only recomputes, so a page read in
# another thread at the same time stays correct)
_STRUCK_MEMO: dict = {}
_AWAY_MEMO: dict = {}
_AWAY_MARKS_MEMO: dict = {}


def _own_struck(node) -> bool:  # noqa: ANN001
    cls = node.get("class") or ""
    return node.tag in ("del", "s", "strike") or bool(cls and (STRUCK_CLASS.search(cls) or "a-text-price" in cls))


def _inherited(el, own, memo: dict) -> bool:  # noqa: ANN001
    """``own(node)`` for the element or any ancestor, each ancestor's answer kept for the page (``memo`` is cleared
    by :class:`PageIndex`): a page's few hundred candidates share their ancestors."""
    chain = []
    node = el
    answer = False
    while node is not None:
        known = memo.get(node)
        if known is not None:
            answer = known
            break
        if own(node):
            answer = True
            chain.append(node)
            break
        chain.append(node)
        node = node.getparent()
    for node in chain:
        memo[node] = answer
    return answer


def struck(el) -> bool:  # noqa: ANN001
    """In a struck-through element or one whose class says former/list price."""
    return _inherited(el, _own_struck, _STRUCK_MEMO)


def _own_away(node) -> bool:  # noqa: ANN001
    if node.tag in ("header", "nav", "footer") and not node.xpath("ancestor::main or ancestor::article"):
        return True
    marks = f"{node.get('class') or ''} {node.get('id') or ''}"
    return len(marks) > 2 and bool(_AWAY.search(marks))


def _own_away_marks(node) -> bool:  # noqa: ANN001
    marks = f"{node.get('class') or ''} {node.get('id') or ''}"
    return len(marks) > 2 and bool(_AWAY.search(marks))


def away(el) -> bool:  # noqa: ANN001
    """In the site header/nav, a mini-basket, a shipping or instalment line, or a recommendation area."""
    return _inherited(el, _own_away, _AWAY_MEMO)


def _keys(chain: list[dict]) -> list[str]:
    """What an element must carry for the selector's last part to match: its class tokens, id, or attribute."""
    last = chain[-1]
    if last["classes"]:
        return [f".{last['classes'][0]}"]
    if last["id"]:
        return [f"#{last['id']}"]
    if not last["attrs"]:
        return ["*"]  # a bare tag (".priceView-customer-price span"): tried on every element
    name, op, val = last["attrs"][0]
    return [f"[{name}={val}]"] if op == "=" else ["*"]  # substring selectors ([class*=price]) are tried on every one


_BY_KEY: dict[str, list[tuple[int, str, list]]] = {}
for _rank, (_query, _chain) in enumerate(_PARSED):
    for _k in _keys(_chain):
        _BY_KEY.setdefault(_k, []).append((_rank, _query, _chain))
_ANY = _BY_KEY.pop("*", [])
_ATTR_KEYS = [(k, k[1:-1].split("=", 1)) for k in _BY_KEY if k.startswith("[")]


def candidates(index: PageIndex) -> list[tuple[int, str, object]]:
    """(rank, selector, element) of every element that may hold the price, most trusted first. Each element is
    checked only against the selectors whose last part names one of its class tokens, its id or one of its
    attributes (and the substring selectors), not against all of them."""
    ranked = []
    for order, el in enumerate(index.price):
        keys = [f".{c}" for c in (el.get("class") or "").split()]
        if el.get("id"):
            keys.append(f"#{el.get('id')}")
        keys += [k for k, (name, val) in _ATTR_KEYS if el.get(name) == val]
        options = sorted([o for k in keys for o in _BY_KEY.get(k, ())] + _ANY)
        for rank, query, chain in options:
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
    text = text or _shown(el, skip_struck=True) or el.get("content") or el.get("data-price") or ""
    return text


_BLOCKS = frozenset(("div", "p", "li", "br", "tr", "td", "dd", "dt"))


def _shown(el, skip_struck: bool = False) -> str:  # noqa: ANN001
    """The element's text as shown, in document order: inline parts joined as written ("4" + ",99 €"), blocks
    by a space. ``skip_struck``: leave out struck-through parts inside it ("<del>49 890</del> 44 890 тг." reads
    "44 890 тг.")."""
    parts: list[str] = []

    def walk(node) -> None:  # noqa: ANN001
        if node.text:
            parts.append(node.text)
        for child in node:
            tag = child.tag
            if isinstance(tag, str) and tag not in ("script", "style") and not (skip_struck and _own_struck(child)):
                if tag in _BLOCKS:
                    parts.append(" ")
                walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(el)
    return " ".join("".join(parts).split())


def usable(el, text: str) -> bool:  # noqa: ANN001
    """Could this element's text be the price a buyer pays now?"""
    if not re.search(r"\d", text) or len(text) > 120:
        return False
    if struck(el) or away(el):
        return False
    return not (SHIPPING_TEXT.search(text) or PER_UNIT.search(text))


def struck_prices(index: PageIndex) -> list[str]:
    """Texts of struck / former prices outside recommendation areas, in page order (the first 10, kept on the
    index: asked twice per page)."""
    if index._struck_texts is not None:
        return index._struck_texts
    found = index._struck_texts = []
    for el in index.struck:
        if len(found) >= 10:
            break
        if _inherited(el, _own_away_marks, _AWAY_MARKS_MEMO):
            continue
        text = _shown(el)
        if re.search(r"\d", text) and len(text) < 80:
            found.append(text)
    return found
