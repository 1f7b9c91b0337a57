"""The price a buyer pays now, on hand-written pages imitating each failure class seen on real shops (issue 12)."""

from __future__ import annotations

import pytest

from pricewatch.extract import extract_product


def test_auction_current_bid_beats_the_starting_price_in_json_ld():
    page = """<html lang="en"><head><meta property="og:title" content="N95 Respirators 20 pack">
    <meta property="product:price:amount" content="25.00"><meta property="product:price:currency" content="USD">
    <script type="application/ld+json">{"@context":"https://schema.org","@type":"Product","name":"N95 Respirators 20 pack",
    "offers":{"@type":"Offer","price":"10.00","priceCurrency":"USD"}}</script></head>
    <body><h1>N95 Respirators 20 pack</h1><div class="x-price-primary">US $25.00</div>
    <div>Starting bid: US $10.00</div></body></html>"""
    product = extract_product(page, "https://www.ebay.com/itm/1")
    assert product.price == pytest.approx(25.0)
    assert product.price_source.startswith("css:.x-price-primary")


def test_hidden_full_price_offer_first_loses_to_the_visible_sale_offer():
    page = """<html><head><script type="application/ld+json">{"@context":"https://schema.org","@type":"Product",
    "name":"Hand sanitizer 500ml","offers":[{"@type":"Offer","price":"19.90","priceCurrency":"EUR"},
    {"@type":"Offer","price":"9.95","priceCurrency":"EUR"}]}</script></head>
    <body><h1>Hand sanitizer 500ml</h1><span class="sale-price">9,95 €</span></body></html>"""
    assert extract_product(page, "https://shop.example.de/p/1").price == pytest.approx(9.95)


def test_microdata_pre_discount_price_loses_to_the_visible_discounted_price():
    page = """<html><body><div itemscope itemtype="https://schema.org/Product"><h1 itemprop="name">Gloves 100</h1>
    <div itemprop="offers" itemscope itemtype="https://schema.org/Offer"><meta itemprop="price" content="20.00">
    <meta itemprop="priceCurrency" content="EUR"></div>
    <span class="old-price"><del>20,00 €</del></span><span class="badge">-50 %</span>
    <span class="price-now">10,00 €</span></div></body></html>"""
    product = extract_product(page, "https://shop.example.fr/p/1")
    assert product.price == pytest.approx(10.0)
    assert product.list_price == pytest.approx(20.0)


def test_mini_basket_zero_and_shipping_fee_are_passed_over():
    page = """<html lang="he"><body><header><div class="mini-cart"><span class="cart-price">0</span></div></header>
    <h1>מסכות KN95</h1><div class="shipping-price">דמי משלוח: 10 ₪</div>
    <div class="product-price">49.90 ₪</div></body></html>"""
    product = extract_product(page, "https://shop.example.co.il/p/1")
    assert (product.price, product.currency) == (pytest.approx(49.9), "ILS")


def test_amount_and_currency_in_separate_elements():
    page = """<html lang="zh-TW"><head><meta property="og:description" content="直購價：$294"></head><body>
    <h1>醫療口罩 50入</h1><div class="prod-price"><span>294</span><span>元</span></div></body></html>"""
    product = extract_product(page, "https://shop.example.tw/p/1")
    assert (product.price, product.currency) == (pytest.approx(294.0), "TWD")


def test_description_price_when_the_page_has_no_price_markup():
    page = """<html lang="zh-TW"><head><meta property="og:description" content="醫療口罩 直購價：$294 免運"></head>
    <body><h1>醫療口罩 50入</h1></body></html>"""
    product = extract_product(page, "https://shop.example.tw/p/1")
    assert (product.price, product.price_source) == (pytest.approx(294.0), "og:description")


def test_bold_and_placeholder_classes_are_not_struck_prices():
    page = """<html><body><h1>Masks 50</h1><span class="price bold-text">$12.00</span>
    <span class="placeholder-price">$99.00</span></body></html>"""
    product = extract_product(page, "https://shop.example.com/p/1")
    assert product.price == pytest.approx(12.0)
    assert product.list_price is None


def test_declared_currency_on_a_chilean_shop_in_spanish():
    page = """<html lang="es"><head><script type="application/ld+json">{"@type":"Product","name":"Mascarillas",
    "offers":{"@type":"Offer","price":"12990","priceCurrency":"CLP"}}</script></head><body></body></html>"""
    assert extract_product(page, "https://tienda.example.cl/p/1").currency == "CLP"
    bare = """<html lang="es"><body><h1>Mascarillas</h1><span class="price">$12.990</span></body></html>"""
    assert extract_product(bare, "https://tienda.example.cl/p/1").currency == "CLP"


@pytest.mark.parametrize("value", ["http://schema.org/InStock", "https://schema.org/InStock", "InStock", "instock",
                                   "in_stock", "LimitedAvailability"])
def test_schema_availability_in_every_spelling(value):
    page = f"""<html><head><script type="application/ld+json">{{"@type":"Product","name":"Gel",
    "offers":{{"@type":"Offer","price":"3.50","priceCurrency":"GBP","availability":"{value}"}}}}</script></head></html>"""
    assert extract_product(page, "https://shop.example.co.uk/p/1").availability == "in_stock"


@pytest.mark.parametrize(("button", "expected"), [("<button class='add-to-cart'>In den Warenkorb</button>", "in_stock"),
                                                  ("<button class='add-to-cart' disabled>In den Warenkorb</button>",
                                                   "out_of_stock")])
def test_availability_from_the_cart_button(button, expected):
    page = f"<html><body><h1>Masken</h1><span class='price'>9,99 €</span>{button}</body></html>"
    assert extract_product(page, "https://shop.example.de/p/1").availability == expected


@pytest.mark.parametrize(("label", "sku"), [("SKU: AB-1234", "AB-1234"), ("Art.-Nr. 80455471", "80455471"),
                                            ("商品编号：100012043978", "100012043978"), ("型号: KN95-3M", "KN95-3M")])
def test_sku_from_a_visible_label(label, sku):
    page = f"<html><body><h1>Mask</h1><span class='price'>$5.00</span><div>{label}</div></body></html>"
    product = extract_product(page, "https://shop.example.com/p/1")
    assert product.sku == sku
    assert product.sources["sku"] == "page"


def test_numbers_in_lists_are_not_list_prices():
    # "list" alone names a list of things: a header phone number in Bootstrap's list-inline, a model number or a
    # size in a specification list were read as list prices (€40,245,430, £21,333,416, £200 on real shop pages)
    page = """<html lang="en"><body><header><ul class="list-inline"><li><a href="tel:+38640245430">040 245 430</a>
    </li></ul></header><h1>Nitrile gloves 100</h1><span class="price">£17.49</span>
    <dl class="product-specifications-list"><dt>Model number</dt><dd class="product-specification-list__value">
    21333416</dd><dt>Size</dt><dd class="product-specification-list__value">L200 x W150cm</dd></dl></body></html>"""
    product = extract_product(page, "https://shop.example.co.uk/p/1")
    assert (product.price, product.list_price) == (pytest.approx(17.49), None)
    with_rrp = page.replace('<span class="price">', '<span class="list-price">£24.99</span><span class="price">')
    assert extract_product(with_rrp, "https://shop.example.co.uk/p/1").list_price == pytest.approx(24.99)


def test_a_comparison_table_of_other_products_gives_no_price():
    # Amazon with no featured offer ("See all buying options") shows prices only in a comparison table of other
    # products; one of those was read as the page's price
    page = """<html lang="es"><body><h1 id="productTitle">Aspirador robot</h1><div id="buybox">
    <a href="/gp/offer-listing/B0">Ver todas las opciones de compra</a></div>
    <table class="_product-comparison-desktop_desktopFaceoutStyle_table__1"><tr>
    <td class="_product-comparison-desktop_desktopFaceoutStyle_tableAttribute__2"><span class="a-price">
    <span class="a-offscreen">14,00€</span></span></td></tr></table></body></html>"""
    assert extract_product(page, "https://www.amazon.es/dp/B01").price is None
    bought = page.replace('<div id="buybox">', '<div id="buybox"><span class="a-price"><span class="a-offscreen">'
                                               '239,99€</span></span>')
    assert extract_product(bought, "https://www.amazon.es/dp/B01").price == pytest.approx(239.99)
