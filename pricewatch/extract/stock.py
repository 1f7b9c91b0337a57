"""Availability and SKU: schema.org values in every spelling, visible buttons and phrases, SKU labels.

Availability is one of ``in_stock``, ``out_of_stock``, ``preorder``, ``unknown`` (feed v1). Read, strongest first:
the structured value (``http(s)://schema.org/InStock``, ``InStock``, ``instock``, ``in_stock``, ``in stock``,
PreOrder, PreSale, BackOrder, SoldOut, OutOfStock, Discontinued, LimitedAvailability…); the page's stock element
and "add to cart" button (enabled: in stock; disabled or absent with a sold-out phrase: out of stock); stock
phrases in zh, en, de, fr, es, it, nl, pt, pl, ru, ja, ko, he.
"""

from __future__ import annotations

import re

from pricewatch.extract.markup import text_of

_SCHEMA = {
    "instock": "in_stock", "limitedavailability": "in_stock", "onlineonly": "in_stock", "instoreonly": "in_stock",
    "instoreonlyavailability": "in_stock", "available": "in_stock", "yes": "in_stock", "true": "in_stock",
    "outofstock": "out_of_stock", "soldout": "out_of_stock", "discontinued": "out_of_stock",
    "outofstockonline": "out_of_stock", "unavailable": "out_of_stock", "no": "out_of_stock", "false": "out_of_stock",
    "preorder": "preorder", "presale": "preorder", "backorder": "preorder", "availablefororder": "preorder",
}


def availability_of(value) -> str | None:  # noqa: ANN001
    """A structured availability value in any spelling → feed v1 availability; None when it says nothing."""
    text = str(value or "").strip().lower()
    if not text:
        return None
    key = re.sub(r"[^a-z]", "", text.rsplit("/", 1)[-1])
    return _SCHEMA.get(key)


IN_STOCK = re.compile(
    r"\bin stock\b|\bavailable now\b|auf lager|sofort lieferbar|lieferbar|en stock|disponible|disponibile|"
    r"op voorraad|em estoque|dostępn|в наличии|есть в наличии|在庫あり|有货|现货|有現貨|現貨|库存充足|재고 있음|"
    r"במלאי", re.I)
OUT_OF_STOCK = re.compile(
    r"out of stock|sold out|currently unavailable|temporarily unavailable|no longer available|not available|"
    r"ausverkauft|nicht (?:auf lager|verfügbar|lieferbar)|épuisé|rupture de stock|indisponible|agotado|"
    r"sin stock|no disponible|esaurito|non disponibile|uitverkocht|niet op voorraad|esgotado|indisponível|"
    r"niedostępn|wyprzedan|нет в наличии|распродан|在庫切れ|売り切れ|品切れ|无货|缺货|已售罄|售罄|已下架|暂时无货|"
    r"已抢光|該商品已售完|已售完|補貨中|품절|אזל מהמלאי|לא במלאי", re.I)
PREORDER = re.compile(r"pre-?order|vorbestell|précommande|reserva|preventa|prenota|予約|预售|預購|предзаказ", re.I)
ADD_TO_CART = re.compile(
    r"add to (?:cart|basket|bag)|buy now|buy it now|in den warenkorb|jetzt kaufen|ajouter au panier|"
    r"añadir al carrito|agregar al carr|aggiungi al carrello|in winkelwagen|adicionar ao carrinho|do koszyka|"
    r"в корзину|купить|カートに入れる|今すぐ購入|加入购物车|立即购买|加入購物車|立即購買|장바구니|הוסף לסל", re.I)

# the shop's own identifier as labelled on the page, strongest first: labels that name the shop's SKU / item number
# (trusted over structured data, which often holds a variant's or a feed's id), then model / MPN labels (weak: a
# maker's number, used only when nothing else names the product)
_LABELS_STRONG = (
    r"SKU|ASIN|Art(?:ikel)?\.?\s*-?\s*Nr\.?|Artikelnummer|Bestellnummer|Item\s*(?:number|no\.?|#)|"
    r"eBay item number|Numero oggetto(?: eBay)?|Numéro de l'objet(?: eBay)?|eBay-Artikelnummer|Número de artículo|"
    r"post id|Anzeige(?:nnummer)?|Product\s*(?:code|ID|number|no\.?)|Prod(?:uct)?\.?\s*#|Item\s*code|"
    r"Code produit|Código de produto|ID Produto|Cod(?:ice)? prodotto|Cod produs|Kod produktu|Kód produktu|"
    r"Tuotenumero|Varenummer|Artikelnr\.?|Код товара|商品编号|商品編號|商品番号|商品コード|货号|貨號|品番|"
    r"קוד מוצר|מק\"ט|מק״ט")
# "reference" words name the shop's number on many shops ("Réf. 12345") and the maker's on others (Amazon's
# "Référence" row is the model): read only when no label above names the shop's own number
_LABELS_REF = r"Référence|Réf\.?|Ref\.?|Referencia|Código|Codice|Šifra|Артикул|Код"
_LABELS_WEAK = r"Model(?:\s*(?:number|no\.?))?|MPN|Part\s*number|Modellnummer|型号|型號|דגם"
_VALUE = r"\s*[:：#]?\s*([A-Za-z0-9][A-Za-z0-9._/-]{1,40}[A-Za-z0-9])"
SKU_LABEL = re.compile(rf"(?<![\w])(?:{_LABELS_STRONG})(?![\w]){_VALUE}", re.I)
REF_LABEL = re.compile(rf"(?<![\w])(?:{_LABELS_REF})(?![\w]){_VALUE}", re.I)
MODEL_LABEL = re.compile(rf"(?<![\w])(?:{_LABELS_WEAK})(?![\w]){_VALUE}", re.I)


def _sku_value(value: str | None) -> str | None:
    """An identifier, not a word: it holds a digit ("Number", "lnummer" are labels read as values)."""
    value = (value or "").strip().rstrip(".")
    return value[:60] if value and re.search(r"\d", value) else None


# "not available" said of something else than the product: an image, a delivery or pick-up option, a video
_OTHER_THING = re.compile(r"(?:image|picture|photo|bild|abbildung|immagine|imagen|imagem|zdjęcie|изображение|"
                          r"option|opcja|opción|opzione|video|vídeo|preview|vorschau|delivery|lieferung|livraison|"
                          r"dostawa|consegna|entrega|pickup|pick-up|abholung|retrait|odbi[óo]r|ritiro|recogida|"
                          r"in your area|in deiner nähe|store|filiale|magasin|sklepie|tienda|negozio)\W+(?:\w+\W+){0,2}$",
                          re.I)
# a sentence that states a rule, not this product's state ("if the price is not shown, the item is not in stock")
_CONDITIONAL = re.compile(r"(?:^|\W)(?:if|wenn|falls|si|se|jeśli|jeżeli|если|якщо|如果|若)\W", re.I)


def sold_out_phrase(text: str) -> re.Match | None:
    """The first out-of-stock phrase in ``text`` that speaks of the product: not "image not available", "option
    unavailable for this product", nor a conditional rule ("Если цена не указана, то … товара нет в наличии")."""
    for m in OUT_OF_STOCK.finditer(text):
        line_start = max(text.rfind("\n", 0, m.start()), text.rfind(". ", 0, m.start())) + 1
        before = text[max(line_start, m.start() - 60):m.start()]
        if _OTHER_THING.search(before) or _CONDITIONAL.search(text[line_start:m.start()]):
            continue
        return m
    return None


def _cart_buttons(tree, index) -> list:  # noqa: ANN001
    """Buttons and inputs that add the product to the cart (not the recommendations' "+")."""
    found = []
    for node in index.buttons + tree.xpath("descendant::input[@type='submit' or @type='button'] | descendant::a["
                                           "contains(@class,'cart') or contains(@class,'buy') or contains(@id,'cart')]"):
        text = (text_of(node) if node.tag != "input" else node.get("value", "")) or ""
        label = f"{text} {node.get('class', '')} {node.get('id', '')} {node.get('name', '')} {node.get('aria-label', '')}"
        if ADD_TO_CART.search(label) or re.search(r"add-?to-?cart|addtocart|add-to-basket|buy-?now|btn-buy|J_LinkBuy",
                                                   label, re.I):
            found.append(node)
    return found


def visible_availability(tree, index, text: str = "") -> str:  # noqa: ANN001
    """Availability from the page as a buyer sees it (stock element, cart button, phrases); ``unknown`` if silent.
    ``index``: the page's :class:`pricewatch.extract.markup.PageIndex`; ``text``: its visible text
    (:func:`pricewatch.extract.markup.page_text`)."""
    stock_text = " ".join(text_of(n) for n in index.stock[:20]
                          if not re.search(r"related|recommend|carousel|card", n.get("class") or "", re.I))[:2000]
    buttons = _cart_buttons(tree, index)
    enabled = [b for b in buttons if b.get("disabled") is None and "disabled" not in (b.get("class") or "").split()
               and b.get("aria-disabled") != "true"]
    if sold_out_phrase(stock_text):
        return "out_of_stock"
    if PREORDER.search(stock_text):
        return "preorder"
    if IN_STOCK.search(stock_text) and not re.search(r"\bnot\b|\bno\b|nicht|pas|没有", stock_text, re.I):
        return "in_stock"
    if buttons and not enabled:
        return "out_of_stock"
    if enabled:
        return "in_stock"
    head = text[:8000]
    if sold_out_phrase(head):
        return "out_of_stock"
    if IN_STOCK.search(head):
        return "in_stock"
    return "unknown"


def page_sku(tree, index, text: str, strong_only: bool = False) -> str | None:  # noqa: ANN001
    """The SKU from markup. ``text``: the page's visible text, joined once (:func:`pricewatch.extract.markup.
    page_text`). ``strong_only``: only a visible label that names the shop's SKU / item number (what the page shows
    a buyer beats structured data); otherwise also itemprop, meta, data attributes on the product (not on
    recommendations) and model / MPN labels."""
    for label in (SKU_LABEL, REF_LABEL):
        for m in label.finditer(text):
            value = _sku_value(m.group(1))
            if value:
                return value
    if strong_only:
        return None
    metas = tree.xpath("/html/head/meta[@property='product:retailer_item_id' or @property='product:sku' or "
                       "@name='sku']")
    for nodes in (index.itemprop.get("sku", []), metas, index.itemprop.get("productID", []),
                  index.itemprop.get("mpn", [])):
        for node in nodes:
            value = _sku_value(node.get("content") or text_of(node))
            if value:
                return value
    for node in index.data_sku[:50]:
        context = " ".join(node.xpath("ancestor-or-self::*/@class"))
        if re.search(r"related|recommend|similar|carousel|card|upsell|tile", context, re.I):
            continue
        value = _sku_value(node.get("data-sku") or node.get("data-product-sku") or node.get("data-product-id"))
        if value:
            return value
    m = MODEL_LABEL.search(text)
    return _sku_value(m.group(1)) if m else None
