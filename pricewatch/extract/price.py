"""Prices as people write them → amount, ISO currency, range, list price.

A wrapper around price-parser, which does the number reading (both thousands separators, "1.299,00") but, as
measured here, returns the currency symbol as written rather than an ISO code, takes the *first* number in
"Was $24.99 Now $19.99", and finds no currency in "券后价 29.9元". This module:

- picks the segment a buyer pays: after "now / sale / 现价 / 券后 / 到手 / 促销价", never a "was / list / 原价 /
  参考价 / UVP" amount;
- reads ranges ("¥12.9-25.9", "$10 – $20", "12.9~25.9元"): the lowest is the price, the range is kept;
- resolves symbols to ISO 4217 codes with the shop's country ($ is USD in the US, CAD in Canada; ¥ is CNY in China,
  JPY in Japan; "kr" is SEK/NOK/DKK by country), and reads 元 / RMB / 人民币 as CNY;
- recognises "Currently unavailable", "Sold out", "无货", "已下架" … as availability without a price.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from price_parser import Price

# symbol → ISO code by country (None = default); longest symbols first when matching
SYMBOLS: dict[str, dict[str | None, str]] = {
    "US$": {None: "USD"}, "USD": {None: "USD"}, "CA$": {None: "CAD"}, "C$": {None: "CAD"}, "A$": {None: "AUD"},
    "AU$": {None: "AUD"}, "HK$": {None: "HKD"}, "NT$": {None: "TWD"}, "S$": {None: "SGD"}, "R$": {None: "BRL"},
    "MX$": {None: "MXN"}, "NZ$": {None: "NZD"},
    "$": {None: "USD", "CA": "CAD", "AU": "AUD", "NZ": "NZD", "HK": "HKD", "SG": "SGD", "MX": "MXN", "TW": "TWD"},
    "€": {None: "EUR"}, "EUR": {None: "EUR"}, "£": {None: "GBP"}, "GBP": {None: "GBP"},
    "¥": {None: "CNY", "JP": "JPY"}, "円": {None: "JPY"}, "JPY": {None: "JPY"},
    "元": {None: "CNY"}, "RMB": {None: "CNY"}, "CNY": {None: "CNY"}, "人民币": {None: "CNY"},
    "₹": {None: "INR"}, "Rs.": {None: "INR"}, "₩": {None: "KRW"}, "원": {None: "KRW"}, "₽": {None: "RUB"},
    "руб": {None: "RUB"}, "₺": {None: "TRY"}, "TL": {None: "TRY"}, "zł": {None: "PLN"}, "Kč": {None: "CZK"},
    "kr": {None: "SEK", "NO": "NOK", "DK": "DKK", "IS": "ISK"}, "CHF": {None: "CHF"}, "Fr.": {None: "CHF"},
    "฿": {None: "THB"}, "₫": {None: "VND"}, "₱": {None: "PHP"}, "RM": {None: "MYR"}, "Rp": {None: "IDR"},
    "AED": {None: "AED"}, "SAR": {None: "SAR"}, "R": {None: "ZAR"},
}
# the currency a shop's country prices in, for texts that carry no symbol at all ("29.9" on a .cn page)
COUNTRY_CURRENCY = {"CN": "CNY", "US": "USD", "JP": "JPY", "GB": "GBP", "UK": "GBP", "CA": "CAD", "AU": "AUD",
                    "IN": "INR", "KR": "KRW", "CH": "CHF", "SE": "SEK", "NO": "NOK", "DK": "DKK", "PL": "PLN",
                    "BR": "BRL", "MX": "MXN", "TR": "TRY", "RU": "RUB", "SG": "SGD", "TW": "TWD", "HK": "HKD",
                    "NZ": "NZD", "CZ": "CZK", "ZA": "ZAR", "TH": "THB", "MY": "MYR", "ID": "IDR", "PH": "PHP",
                    "VN": "VND", "AE": "AED", **{c: "EUR" for c in ("DE", "FR", "ES", "IT", "NL", "BE", "AT", "IE",
                                                                    "PT", "FI", "GR", "LU", "SK", "SI", "EE")}}
ISO_CODES = {"USD", "EUR", "GBP", "CNY", "JPY", "CAD", "AUD", "HKD", "INR", "KRW", "CHF", "SEK", "NOK", "DKK", "PLN",
             "BRL", "MXN", "TRY", "RUB", "SGD", "TWD", "NZD", "CZK", "ZAR", "THB", "MYR", "IDR", "PHP", "VND", "AED"}
CURRENT = re.compile(r"(?:\bnow\b|\bsale\b|\bdeal\b|\bonly\b|\boffer\b|jetzt|nur|maintenant|ahora|现价|券后价?|到手价?|"
                     r"促销价|活动价|秒杀价|折后价?|售价|特价|会员价|セール価格|販売価格|価格)\s*[:：]?", re.I)
WAS = re.compile(r"(?:\bwas\b|\blist(?:\s*price)?\b|\bRRP\b|\bMSRP\b|\bUVP\b|statt|\bavant\b|\bantes\b|原价|参考价|"
                 r"划线价|市场价|定价|希望小売価格|通常価格)\s*[:：]?", re.I)
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


def normalise_text(text: str) -> str:
    """Full-width characters to ASCII (￥ → ¥, ２９．９ → 29.9), non-breaking spaces to spaces."""
    text = unicodedata.normalize("NFKC", text)
    return text.replace("\u00a0", " ").replace("\u202f", " ").strip()


def resolve_currency(symbol: str | None, country: str | None = None) -> str | None:
    """ISO 4217 code for a symbol or code as written, given the shop's country (ISO 3166 alpha-2)."""
    if not symbol:
        return None
    s = symbol.strip()
    if s.upper() in ISO_CODES:
        return s.upper()
    table = SYMBOLS.get(s) or SYMBOLS.get(s.upper()) or SYMBOLS.get(s.rstrip("."))
    if table is None:
        return None
    return table.get((country or "").upper(), table[None])


def find_currency(text: str, country: str | None = None) -> str | None:
    for symbol in sorted(SYMBOLS, key=len, reverse=True):
        if len(symbol) == 1 and symbol.isascii() and symbol.isalpha():
            continue  # a lone Latin letter ("R") is too ambiguous outside a price-parser match
        pattern = re.escape(symbol)
        if symbol.isascii() and symbol.isalpha():
            pattern = rf"(?<![A-Za-z]){pattern}(?![A-Za-z])"
        if re.search(pattern, text):
            return resolve_currency(symbol, country)
    return None


def _amount(segment: str, hint: str | None) -> tuple[float | None, str | None]:
    price = Price.fromstring(segment, currency_hint=hint)
    amount = float(price.amount) if price.amount is not None else None
    return amount, price.currency


def parse_price(text: str | None, country: str | None = None, currency_hint: str | None = None) -> ParsedPrice:
    """Read one price text (see module docstring). ``currency_hint`` (ISO or symbol) wins when the text has none."""
    if text is None:
        return ParsedPrice(None, None)
    raw = text
    text = normalise_text(text)
    if not text:
        return ParsedPrice(None, None, raw=raw)
    unavailable = bool(UNAVAILABLE.search(text)) and not re.search(r"\d", text)
    currency = (find_currency(text, country) or resolve_currency(currency_hint, country)
                or COUNTRY_CURRENCY.get((country or "").upper()))

    list_price = None
    segment = text
    now = CURRENT.search(text)
    was = WAS.search(text)
    if was:
        # the amount right after "was/原价" is the list price, never the price paid
        after_was = text[was.end():]
        end = now.start() - was.end() if now and now.start() > was.start() else None
        list_price, _ = _amount(after_was[:end] if end else after_was, currency)
    if now:
        segment = text[now.end():]
    elif was:
        before = text[:was.start()]
        segment = before if re.search(r"\d", before) else ""
    low = high = None
    if FROM.search(segment):
        segment = FROM.sub("", segment)
    match = RANGE.search(segment)
    if match and not re.search(r"\d\s*[xX×*]\s*\d", segment):
        a, _ = _amount(match.group(1), currency)
        b, _ = _amount(match.group(2), currency)
        if a is not None and b is not None and b > a:
            low, high = a, b
    amount, symbol = _amount(segment, currency)
    if low is not None:
        amount = low
    if symbol and not currency:
        currency = resolve_currency(symbol, country)
    if amount is not None and amount <= 0:
        amount = None
    return ParsedPrice(amount=amount, currency=currency if amount is not None or list_price else currency,
                       low=low, high=high, list_price=list_price, unavailable=unavailable and amount is None, raw=raw)
