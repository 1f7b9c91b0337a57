"""Prices as people write them (price-parser wrapped: ISO codes by country, the price paid, ranges, 元)."""

import pytest

from pricewatch.extract.price import parse_price

CASES = [
    # text, shop country, amount, currency, list price, (low, high)
    ("¥29.90", "CN", 29.90, "CNY", None, None),
    ("￥29.90", "CN", 29.90, "CNY", None, None),
    ("￥２９．９０", "CN", 29.90, "CNY", None, None),
    ("RMB 128.00", None, 128.0, "CNY", None, None),
    ("128元", None, 128.0, "CNY", None, None),
    ("券后价 29.9元", None, 29.9, "CNY", None, None),
    ("到手价¥45", "CN", 45.0, "CNY", None, None),
    ("原价 ¥59.00 现价 ¥29.90", "CN", 29.90, "CNY", 59.0, None),
    ("原价 59.9元 券后价 29.9元", "CN", 29.9, "CNY", 59.9, None),
    ("¥12.9-25.9", "CN", 12.9, "CNY", None, (12.9, 25.9)),
    ("12.9~25.9元", "CN", 12.9, "CNY", None, (12.9, 25.9)),
    ("￥12.90 - ￥25.90", "CN", 12.9, "CNY", None, (12.9, 25.9)),
    ("29.9", "CN", 29.9, "CNY", None, None),
    ("$19.99", "US", 19.99, "USD", None, None),
    ("US$12.50", None, 12.5, "USD", None, None),
    ("US $12.50", None, 12.5, "USD", None, None),
    ("$1,299.00", "US", 1299.0, "USD", None, None),
    ("Was $24.99 Now $19.99", "US", 19.99, "USD", 24.99, None),
    ("List Price: $24.99 Deal: $19.99", "US", 19.99, "USD", 24.99, None),
    ("From $9.99", "US", 9.99, "USD", None, None),
    ("$10 - $20", "US", 10.0, "USD", None, (10.0, 20.0)),
    ("$10 to $20", "US", 10.0, "USD", None, (10.0, 20.0)),
    ("$24.99", "CA", 24.99, "CAD", None, None),
    ("CDN$ 24.99", "CA", 24.99, "CAD", None, None),
    ("A$19.95", None, 19.95, "AUD", None, None),
    ("HK$88", None, 88.0, "HKD", None, None),
    ("£4.50", "GB", 4.5, "GBP", None, None),
    ("£1,049.99", "GB", 1049.99, "GBP", None, None),
    ("19,95 €", "DE", 19.95, "EUR", None, None),
    ("1.299,00 €", "DE", 1299.0, "EUR", None, None),
    ("1 299,00 €", "FR", 1299.0, "EUR", None, None),
    ("€ 4,99", "NL", 4.99, "EUR", None, None),
    ("UVP 29,99 € jetzt 19,99 €", "DE", 19.99, "EUR", 29.99, None),
    ("ab 9,99 €", "DE", 9.99, "EUR", None, None),
    ("¥1,280", "JP", 1280.0, "JPY", None, None),
    ("1,280円", "JP", 1280.0, "JPY", None, None),
    ("kr 129,00", "SE", 129.0, "SEK", None, None),
    ("129,00 kr", "NO", 129.0, "NOK", None, None),
    ("CHF 12.90", None, 12.9, "CHF", None, None),
    ("₹1,499", "IN", 1499.0, "INR", None, None),
    ("₩15,000", "KR", 15000.0, "KRW", None, None),
    ("R$ 49,90", "BR", 49.9, "BRL", None, None),
    ("49,90 zł", "PL", 49.9, "PLN", None, None),
    # currencies the old 30-code table did not know or read wrong (issue 12), from CLDR
    ("$12.990", "CL", 12990.0, "CLP", None, None),
    ("4 500 тг.", None, 4500.0, "KZT", None, None),
    ("4 500 тг.", "KZ", 4500.0, "KZT", None, None),
    ("1 250 грн.", None, 1250.0, "UAH", None, None),
    ("C$ 24.99", None, 24.99, "CAD", None, None),
    ("CUC$ 24.99", None, 24.99, "CUC", None, None),
    ("$24.99", "AU", 24.99, "AUD", None, None),
    ("NZD $ 24.99", None, 24.99, "NZD", None, None),
    ("$1,190.00 AUD", None, 1190.0, "AUD", None, None),
    ("49,99 lei", "RO", 49.99, "RON", None, None),
    ("₪ 115", None, 115.0, "ILS", None, None),
    ("Rs 1,306", "PK", 1306.0, "PKR", None, None),
    ("Rs 1,306", "IN", 1306.0, "INR", None, None),
    ("$ 15.999", "AR", 15999.0, "ARS", None, None),
    ("25,90 Br", "BY", 25.9, "BYN", None, None),
    ("6 300 Р", None, 6300.0, "RUB", None, None),
    ("294元", None, 294.0, "CNY", None, None),
    ("a partire da 7,32 €", "IT", 7.32, "EUR", None, None),
    ("P.V.P. 4,56 €", None, 4.56, "EUR", None, None),
    ("SGD$4.90", None, 4.9, "SGD", None, None),
    # the amount with a currency beside it, not a pack count before it
    ("買1箱 每箱 839 元 原價1,080", "TW", 839.0, "TWD", 1080.0, None),
    ("3 100р.", None, 3100.0, "RUB", None, None),
    ("1.837, 32 €", None, 1837.32, "EUR", None, None),
    ("€ 10.00 € 8.00 – € 10.00", None, 10.0, "EUR", None, None),
    # an Amazon format list: the amount with its cents ends before the next number (price-parser joined 12493)
    ("Audio CD $12.49 3 Used from $15.71 16 New from $12.49", "US", 12.49, "USD", None, None),
    ("35€ 99", "FR", 35.99, "EUR", None, None),  # cents after the symbol still belong to the amount
]


@pytest.mark.parametrize(("text", "country", "amount", "currency", "list_price", "span"), CASES)
def test_price_strings(text, country, amount, currency, list_price, span):
    parsed = parse_price(text, country)
    assert parsed.amount == pytest.approx(amount)
    assert parsed.currency == currency
    assert parsed.list_price == (pytest.approx(list_price) if list_price else None)
    if span:
        assert (parsed.low, parsed.high) == (pytest.approx(span[0]), pytest.approx(span[1]))
    else:
        assert parsed.low is None and parsed.high is None


@pytest.mark.parametrize("text", ["Currently unavailable.", "Out of stock", "Sold out", "Ausverkauft", "无货",
                                  "已售罄", "商品已下架", "在庫切れ"])
def test_unavailable_is_availability_not_a_price(text):
    parsed = parse_price(text, "US")
    assert parsed.amount is None and parsed.unavailable


@pytest.mark.parametrize("text", ["", None, "$0.00", "free", "price on request"])
def test_no_price(text):
    assert parse_price(text, "US").amount is None


def test_currency_hint_when_the_text_has_none():
    assert parse_price("24.00", None, "USD").currency == "USD"
    assert parse_price("24.00", "DE").currency == "EUR"


def test_declared_currency_beats_the_symbol_and_the_country():
    # a Chilean shop declaring CLP in priceCurrency, an es page: never EUR from the language
    assert parse_price("$12.990", "ES", "CLP").currency == "CLP"
    assert parse_price("24.99", "US", "CAD").currency == "CAD"


def test_symbol_beside_the_amount_beats_the_country():
    assert parse_price("120 ₸", "RU").currency == "KZT"
    assert parse_price("£54.17", "US").currency == "GBP"


def test_currency_in_the_element_beside_the_amount():
    # <span>294</span><span>元</span>
    parsed = parse_price("294", None, context="元")
    assert (parsed.amount, parsed.currency) == (294.0, "CNY")
