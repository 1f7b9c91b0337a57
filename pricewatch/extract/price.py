"""Prices as people write them → amount, ISO currency, range, list price.

A wrapper around price-parser, which does the number reading (both thousands separators, "1.299,00") but, as
measured here, returns the currency symbol as written rather than an ISO code, takes the *first* number in
"Was $24.99 Now $19.99", and finds no currency in "券后价 29.9元". This module:

- picks the segment a buyer pays: after "now / sale / 现价 / 券后 / 到手 / 促销价", never a "was / list / 原价 /
  参考价 / UVP" amount;
- reads ranges ("¥12.9-25.9", "$10 – $20", "12.9~25.9元"): the lowest is the price, the range is kept;
- picks, when a text holds several numbers, the first one written with a currency beside it ("買1箱 每箱 839 元":
  839, not the one box);
- resolves the currency to ISO 4217 with CLDR (:mod:`pricewatch.extract.currency`): the declared currency first,
  then the symbol or code beside the amount, then the shop's country ($ is CLP in Chile, CAD in Canada; ¥ is CNY
  in China, JPY in Japan; "kr" is SEK/NOK/DKK by country; 元, тг., грн., Rs, R$, CUC$, NZD $ as written);
- recognises "Currently unavailable", "Sold out", "无货", "已下架" … as availability without a price.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from price_parser import Price

from pricewatch.extract import currency

CURRENT = re.compile(r"(?:\bnow\b|\bsale\b|\bdeal\b|\bonly\b|\boffer\b|jetzt|nur|maintenant|ahora|现价|券后价?|到手价?|"
                     r"促销价|活动价|秒杀价|折后价?|售价|特价|会员价|セール価格|販売価格|価格)\s*[:：]?", re.I)
WAS = re.compile(r"(?:\bwas\b|\blist(?:\s*price)?\b|\bRRP\b|\bMSRP\b|\bUVP\b|statt|\bavant\b|\bantes\b|原价|参考价|"
                 r"划线价|市场价|定价|原價|定價|建議售價|希望小売価格|通常価格)\s*[:：]?", re.I)
UNAVAILABLE = re.compile(
    r"currently unavailable|out of stock|sold out|no longer available|temporarily unavailable|not available|"
    r"ausverkauft|nicht verfügbar|épuisé|rupture de stock|agotado|esaurito|在庫切れ|売り切れ|品切れ|"
    r"无货|缺货|已售罄|售罄|已下架|商品已下架|暂时无货|该商品已下柜|已抢光", re.I)
NUMBER = r"\d[\d.,\s']*\d|\d"
RANGE = re.compile(rf"({NUMBER})\s*(?:[-–—~～至]|to|bis)\s*[^\d\s]{{0,4}}\s*({NUMBER})", re.I)
FROM = re.compile(r"^\s*(?:from|ab|dès|desde|a partir de|起|低至)\b", re.I)


@dataclass
class ParsedPrice:
    """``amount`` is what a buyer pays (the lowest of a range); None when the text holds no price."""

    amount: float | None
    currency: str | None
    low: float | None = None
    high: float | None = None
    list_price: float | None = None
    unavailable: bool = False
    raw: str = ""
    currency_source: str | None = None  # declared | beside | text | context | country


def normalise_text(text: str) -> str:
    """Full-width characters to ASCII (￥ → ¥, ２９．９ → 29.9), non-breaking spaces to spaces."""
    text = unicodedata.normalize("NFKC", text)
    return text.replace("\u00a0", " ").replace("\u202f", " ").strip()


def resolve_currency(symbol: str | None, country: str | None = None) -> str | None:
    """ISO 4217 code for a symbol, code or name as written, given the shop's country (ISO 3166 alpha-2)."""
    return currency.resolve(normalise_text(symbol) if symbol else None, country)


# a number as shops write it: "1 299,00", "1.837, 32" (a space after the decimal comma), "3 100р."
_NUMBER = re.compile(r"[.,]*\d(?:[\d.,'\u2009]|\s(?=\d{3}(?!\d))|(?<=[.,])\s(?=\d{2}(?!\d)))*")


def _currency_in(text: str | None, country: str | None) -> str | None:
    """A currency written anywhere in a short text (price-parser finds the symbol; CLDR says which code)."""
    if not text:
        return None
    text = normalise_text(text)
    if currency.known(text):
        return currency.resolve(text, country)
    number, code = _priced_number(text, country)
    return code or currency.resolve(_standalone(Price.fromstring(text).currency, text), country)


def _standalone(symbol: str | None, text: str) -> str | None:
    """``symbol`` if a word of ``text`` starts with it: price-parser also finds "kr" inside "Akron" and "Rs" inside
    "Colours" — a spelling after a letter is part of a word, not a currency ("рублей" starts with "руб": kept)."""
    if not symbol or not symbol[0].isalpha():
        return symbol
    return symbol if re.search(rf"(?<![^\W\d_]){re.escape(symbol)}", text) else None


def _priced_number(segment: str, country: str | None) -> tuple[re.Match | None, str | None]:
    """The first number in ``segment`` written with a currency right beside it ("買1箱 每箱 839 元": 839, not the 1
    box) and that currency; (None, None) when no number has one."""
    for m in _NUMBER.finditer(segment):
        code, distance = currency.currency_near(segment, m.start(), m.end(), country)
        if code and distance <= 2:
            return m, code
    return None, None


def _amount(segment: str, hint: str | None) -> tuple[float | None, str | None]:
    price = Price.fromstring(segment, currency_hint=hint)
    amount = float(price.amount) if price.amount is not None else None
    return amount, price.currency


def parse_price(text: str | None, country: str | None = None, currency_hint: str | None = None,
                context: str | None = None) -> ParsedPrice:
    """Read one price text (see module docstring).

    The currency, strongest first: ``currency_hint`` when it is a currency (the page's declared priceCurrency,
    og:price:currency, a profile's currency); the symbol or code written right beside the amount; any currency
    written elsewhere in the text; one written in ``context`` (the text beside the price element, as in
    ``<span>294</span><span>元</span>``) or in a ``currency_hint`` that is not a currency itself; the currency of the
    shop's ``country``.
    """
    hint = normalise_text(currency_hint) if currency_hint else None
    declared = currency.resolve(hint, country) if hint else None
    if text is None or not normalise_text(text):
        found = declared or _currency_in(context, country) or (_currency_in(hint, country) if hint else None)
        return ParsedPrice(None, found, raw=text or "")
    raw = text
    text = normalise_text(text)
    unavailable = bool(UNAVAILABLE.search(text)) and not re.search(r"\d", text)

    list_price = None
    segment = text
    now = CURRENT.search(text)
    was = WAS.search(text)
    if was:
        # the amount right after "was/原价" is the list price, never the price paid
        after_was = text[was.end():]
        end = now.start() - was.end() if now and now.start() > was.start() else None
        list_price, _ = _amount(after_was[:end] if end else after_was, declared)
    if now:
        segment = text[now.end():]
    elif was:
        before = text[:was.start()]
        segment = before if re.search(r"\d", before) else ""
    low = high = None
    if FROM.search(segment):
        segment = FROM.sub("", segment)
    match = RANGE.search(segment)
    if match and re.search(r"\d", segment[:match.start()]):
        match = None  # "€ 10.00 € 8.00 – € 10.00": a range after the price is another offer's
    if match and not re.search(r"\d\s*[xX×*]\s*\d", segment):
        a, _ = _amount(match.group(1), declared)
        b, _ = _amount(match.group(2), declared)
        if a is not None and b is not None and b > a:
            low, high = a, b
    number, adjacent = _priced_number(segment, country)
    if number is not None and low is None:
        segment = segment[number.start():]
    if number is not None and low is None and re.search(r"[.,]\d{1,2}$", number.group(0)):
        # a number that already has its cents ends the amount: price-parser joined "$12.49 3 Used from …" into
        # 12493 (an Amazon format list); "35€ 99" (cents written after the symbol) keeps reading 35.99
        amount, symbol = _amount(number.group(0), None)
    else:
        amount, symbol = _amount(segment, None)
    if low is not None:
        amount = low
    found = how = None
    for label, getter in (("declared", lambda: declared), ("beside", lambda: adjacent),
                          ("text", lambda: currency.resolve(_standalone(symbol, segment), country)),
                          ("context", lambda: _currency_in(context, country)),
                          ("context", lambda: _currency_in(hint, country) if hint and not declared else None),
                          ("country", lambda: currency.country_currency(country))):
        found = getter()
        if found:
            how = label
            break
    if amount is not None and amount <= 0:
        amount = None
    return ParsedPrice(amount=amount, currency=found, low=low, high=high, list_price=list_price,
                       unavailable=unavailable and amount is None, raw=raw, currency_source=how)
