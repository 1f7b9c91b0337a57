"""`pricewatch extract` on saved product pages written in the styles of real shops (tests/data/pages)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pricewatch.extract import extract_product

PAGES = Path(__file__).parent / "data" / "pages"

EXPECTED = {
    # file: price, currency, availability, list price, seller, quantity, unit, category
    # (struck prices beside a structured price are list prices too: Shopify's regular, Walmart's strike, <del>)
    "amazon_us_kn95.html": (19.99, "USD", "in_stock", 24.99, "Powecom Direct", 20, "piece", "mask.respirator"),
    "amazon_unavailable.html": (None, None, "out_of_stock", None, None, 946.352946, "ml", "hand_sanitizer"),
    "ebay_sanitizer.html": (12.50, "USD", None, None, "sanitizer_depot", 473.176473, "ml", "hand_sanitizer"),
    "ikea_de_gloves.html": (4.99, "EUR", "in_stock", None, "IKEA", 50, "piece", "gloves"),
    "zalando_de_masks.html": (29.95, "EUR", None, 39.95, None, 3, "piece", "mask.cloth"),
    "jd_surgical_masks.html": (29.90, "CNY", "in_stock", None, "振德京东自营旗舰店", 50, "piece", "mask.surgical"),
    "jd_removed.html": (None, None, "out_of_stock", None, None, 50, "piece", "mask.respirator"),
    "taobao_range.html": (12.90, "CNY", None, None, "康康医疗器械店", 1000, "ml", None),
    "shopify_sanitizer.html": (24.00, "USD", "in_stock", 32.0, None, 3785.411784, "ml", "hand_sanitizer"),
    "rakuten_jp_masks.html": (1280, "JPY", None, None, None, 50, "piece", "mask.surgical"),
    "walmart_og_wipes.html": (12.47, "USD", None, 15.99, "Walmart.com", 225, "piece", "disinfectant.wipes"),
    "pdd_coupon.html": (29.9, "CNY", None, 59.9, "洁康日用专营店", 5000, "ml", "disinfectant.chlorine"),
    "woocommerce_graph.html": (8.49, "GBP", "in_stock", 9.99, "SafeHands UK", 100, "piece", "gloves"),
    # microdata only, £, a per-unit price and recommendations beside the real one
    "boots_uk_gel.html": (3.50, "GBP", "in_stock", None, None, 250, "ml", "hand_sanitizer"),
    # French spaced thousands with a decimal comma, the price split by <sup>, a struck reference price
    "cdiscount_fr_masques.html": (1099.0, "EUR", "in_stock", 1299.0, None, None, None, "mask.respirator"),
    # Magento: special price beside the old price, both as "€ 8,95"
    "magento_nl_gloves.html": (8.95, "EUR", None, 12.5, None, None, None, None),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_saved_page(name):
    price, currency, availability, list_price, seller, quantity, unit, category = EXPECTED[name]
    product = extract_product((PAGES / name).read_text(encoding="utf-8"))
    assert product.price == (pytest.approx(price) if price is not None else None)
    assert product.currency == currency
    if availability:
        assert product.availability == availability
    assert product.list_price == (pytest.approx(list_price) if list_price else None)
    assert product.seller == seller
    if quantity is not None:  # pack words in French/Dutch ("lot de 20", "stuks") are the normaliser's business
        assert product.quantity == pytest.approx(quantity) and product.quantity_unit == unit
    if category:
        assert product.category == category
    assert product.title


def test_a_range_keeps_its_bounds():
    product = extract_product((PAGES / "taobao_range.html").read_text(encoding="utf-8"))
    assert (product.price_low, product.price_high) == (pytest.approx(12.9), pytest.approx(25.9))


def test_related_products_never_supply_the_price():
    # the Amazon page's sponsored $9.49 and the JD page's recommended ￥9.90 must not be taken
    assert extract_product((PAGES / "amazon_us_kn95.html").read_text(encoding="utf-8")).price != 9.49
    assert extract_product((PAGES / "jd_removed.html").read_text(encoding="utf-8")).price is None


def test_extract_command_prints_one_json_object_per_page(run_cli):
    files = [str(PAGES / "jd_surgical_masks.html"), str(PAGES / "amazon_unavailable.html")]
    result = run_cli("extract", *files)
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["price"] for r in rows] == [29.9, None]
    for key in ("url", "title", "price", "currency", "availability", "sku", "seller", "category", "quantity",
                "quantity_unit"):
        assert key in rows[0]
    assert rows[0]["url"] == "https://item.jd.com/100012043978.html"
    with_url = run_cli("extract", str(PAGES / "rakuten_jp_masks.html"), "--url", "https://example.ca/x")
    assert json.loads(with_url.output)["url"] == "https://example.ca/x"
