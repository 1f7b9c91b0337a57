"""Currency spellings → ISO 4217 codes, from CLDR (babel) and price-parser's currency table.

Every ISO 4217 code babel knows, with each CLDR locale's symbol and names (singular and plural) for it
(``元``, ``¥``/``￥``, ``₸``, ``₴``, ``Rs``, ``R$``, ``CA$``, ``$ US``, ``российский рубль``…), plus price-parser's
symbols and native symbols (``тңг.``, ``lei``, ``Fr.``…) and the few written abbreviations neither carries
(``руб.``, ``грн.``, ``тг.``, ``р.``). A spelling many currencies share (``$``, ``¥``, ``kr``, ``Rs``) is resolved
with the shop's country first (``$`` on a Chilean shop is CLP), then with the currency whose English CLDR symbol it
is (``$`` → USD, ``¥`` → JPY, ``£`` → GBP), then with the currency most locales spell that way.

:func:`resolve` answers one spelling; :func:`currency_near` finds the spelling written right before or after an
amount in a text (by position: the nearest token wins, not the longest spelling anywhere in the text);
:func:`country_currency` is the currency a country prices in today.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from datetime import date
from functools import cache

# written abbreviations CLDR and price-parser do not map to a code (shops write them; CLDR has ₽/₴/₸ instead)
ABBREVIATIONS: dict[str, str | tuple[str, ...]] = {
    "руб": "RUB", "руб.": "RUB", "р.": "RUB", "Р": "RUB", "р": "RUB", "rub": "RUB", "rbl": "RUB",
    "грн": "UAH", "грн.": "UAH", "hrn": "UAH", "тг": "KZT", "тг.": "KZT", "тңг": "KZT", "тңг.": "KZT",
    "лв": "BGN", "лв.": "BGN", "ман.": "AZN", "дин.": "RSD", "дин": "RSD", "dinara": "RSD", "din": "RSD",
    "динар": "RSD", "lei": ("RON", "MDL"), "leu": ("RON", "MDL"), "元": ("CNY", "TWD", "HKD", "MOP"), "kr.": ("DKK", "ISK"), "圆": "CNY", "圓": "CNY", "人民币": "CNY", "rmb": "CNY",
    "yuan": "CNY", "円": "JPY", "yen": "JPY", "원": "KRW", "zl": "PLN", "zł": "PLN", "ft": "HUF", "kn": "HRK",
    "nis": "ILS", "ש״ח": "ILS", 'ש"ח': "ILS", "ש'ח": "ILS", "stg": "GBP", "pound": "GBP", "euro": "EUR",
    "franc": "CHF", "francs": "CHF", "sfr": "CHF", "tl": "TRY", "rp": "IDR", "rm": "MYR", "vnđ": "VND", "đ": "VND",
    "บาท": "THB", "тенге": "KZT", "сом": "KGS", "lari": "GEL", "so'm": "UZS", "som": "UZS", "cdn$": "CAD",
    "can$": "CAD", "cad$": "CAD", "cnd": "CAD", "au $": "AUD", "us $": "USD", "nzd $": "NZD", "dhs": "AED",
    "eur": "EUR", "تومان": "IRR", "ریال": "IRR", "جنيه": "EGP", "درهم": "AED", "ريال": "SAR", "دينار": "IQD",
}
# short Latin spellings are read only as written ("Rf" is MVR, "RF" RWF; "da" in "a partire da" is no DZD)
_SHORT_LATIN = re.compile(r"^[A-Za-z]{1,3}\.?$")


@cache
def _key(spelling: str) -> str:
    return re.sub(r"\s+", " ", spelling.replace("\u200e", "").replace("\u200f", "").replace("\u00a0", " ")).strip().casefold()


def _cache_path():  # noqa: ANN202
    import os
    from importlib.metadata import version
    from pathlib import Path

    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pricewatch"
    return root / f"currencies-babel{version('babel')}-pp{version('price-parser')}-v4.json"


@cache
def _index() -> tuple[dict[str, dict[str, int]], dict[str, str], frozenset[str], frozenset[str]]:
    """The spelling index, built once per babel/price-parser version and kept in the user's cache (building it
    reads all 1,100 CLDR locale files: ~1 s; loading it: ~0.1 s)."""
    import json

    path = _cache_path()
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        return stored["index"], stored["primary"], frozenset(stored["written"]), frozenset(stored["tender"])
    except (OSError, ValueError, KeyError):
        pass
    import os

    index, primary, written, tender = _build_index()
    index = {k: dict(v) for k, v in index.items()}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")  # parallel test workers build it at once
        tmp.write_text(json.dumps({"index": index, "primary": primary, "written": written, "tender": tender},
                                  ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)
    except OSError:
        pass  # a read-only home: build it again next time
    return index, primary, frozenset(written), frozenset(tender)


def _build_index() -> tuple[dict[str, dict[str, int]], dict[str, str]]:
    """spelling (case-folded) → Counter of ISO codes (how many CLDR locales/tables spell it so); and the English
    CLDR symbol → code, the tie-break for shared symbols."""
    from babel import localedata
    from babel.numbers import list_currencies
    from price_parser._currencies import CURRENCIES

    current = set(list_currencies())
    index: dict[str, Counter] = defaultdict(Counter)
    written: set[str] = set()  # short Latin spellings exactly as written somewhere

    def add(spelling: str, code: str, weight: int = 1) -> None:
        index[_key(spelling)][code] += weight
        if _SHORT_LATIN.match(spelling.strip()):
            written.add(spelling.strip().rstrip("."))

    for code in current:
        index[_key(code)][code] += 1000  # an ISO code written as such is that code
    for ident in localedata.locale_identifiers():
        try:
            data = localedata.load(ident, merge_inherited=False)  # own spellings only: 10× faster
        except Exception:  # noqa: BLE001 - a broken locale file must not stop the rest
            continue
        for code, symbol in data.get("currency_symbols", {}).items():
            if code in current and symbol and symbol != code:
                add(symbol, code)
        for code, name in data.get("currency_names", {}).items():
            if code in current and name:
                add(name, code)
        for code, forms in data.get("currency_names_plural", {}).items():
            if code in current:
                for name in forms.values():
                    add(name, code)
    for code, info in CURRENCIES.items():
        for spelling in [info.get("s"), info.get("sn"), *info.get("sn2", [])]:
            if spelling and code in current:
                add(spelling, code)
    for spelling, codes in ABBREVIATIONS.items():
        first, *others = (codes,) if isinstance(codes, str) else codes
        add(spelling, first, 50)
        for code in others:  # the unit word of other countries' currencies too (元 on a Taiwanese shop is TWD)
            add(spelling, code, 2)
    english = localedata.load("en")["currency_symbols"]
    primary = {_key(symbol): code for code, symbol in english.items() if symbol != code}
    primary.update({"$": "USD", "¥": "JPY", "￥": "JPY", "£": "GBP", "€": "EUR", "kr": "SEK", "rs": "INR", "r": "ZAR",
                    "c$": "CAD"})
    # no spelling without a letter or a currency sign ("-", "." are placeholders in some tables)
    index = {k: v for k, v in index.items() if any(c.isalpha() or unicodedata.category(c) == "Sc" for c in k)}
    return index, primary, sorted(written), sorted(_tender())


def _tender() -> set[str]:
    """Currencies legal tender somewhere today (ZMW rather than the retired ZMK, CHF rather than BEF for "Fr.")."""
    from babel.core import get_global
    from babel.numbers import get_territory_currencies

    codes: set[str] = set()
    for territory in get_global("territory_currencies"):
        try:
            codes.update(get_territory_currencies(territory, date.today(), tender=True))
        except Exception:  # noqa: BLE001 - a territory babel cannot answer has no tender to add
            continue
    return codes


def known(spelling: str) -> bool:
    """True when the whole text is a currency spelling."""
    return bool(candidates(spelling))


@cache
def country_currency(country: str | None) -> str | None:
    """The currency a country (ISO 3166 alpha-2) prices in today; None when unknown."""
    if not country or len(country) != 2:
        return None
    from babel.numbers import get_territory_currencies

    try:
        codes = get_territory_currencies(country.upper(), date.today(), tender=True)
    except Exception:  # noqa: BLE001 - an unknown territory has no currency
        return None
    return codes[0] if codes else None


# codes ISO withdrew that shops still declare for today's money at the same value: Yandex.Market's priceCurrency
# "RUR" is the rouble (the 1998 code, the unit unchanged since), not an amount in old roubles
SUPERSEDED = {"RUR": "RUB"}


def resolve(spelling: str | None, country: str | None = None) -> str | None:
    """ISO 4217 code for a currency as written (code, symbol or name), given the shop's country."""
    if not spelling:
        return None
    if spelling.strip().upper() in SUPERSEDED:
        return SUPERSEDED[spelling.strip().upper()]
    codes = candidates(spelling)
    if not codes:
        return None
    if len(codes) == 1:
        return next(iter(codes))
    _, primary, _, tender = _index()
    local = country_currency(country)
    if local in codes:
        return local
    key = _key(spelling)
    if key in primary and primary[key] in codes:
        return primary[key]
    return max(codes, key=lambda c: (codes[c] >= 50, c in tender, codes[c]))  # abbreviations, then tender


def candidates(spelling: str) -> dict[str, int]:
    """The ISO codes a spelling may mean, with how many CLDR locales/tables spell them so ({} when none)."""
    index, _, written, _ = _index()
    text = spelling.strip()
    if _SHORT_LATIN.match(text) and not text.isupper() and text.rstrip(".") not in written and \
            not (text.istitle() and text.rstrip(".").lower() in written):
        return {}  # "Kn" as a title word is kn (HRK), as "Lei" is lei; "Da" stays no currency unless written so
    key = _key(text)
    codes = index.get(key) or index.get(key.rstrip(".:")) or index.get(key.replace(" ", ""))
    if not codes and key.endswith("$") and key[:-1].upper() in index.get(key[:-1], {}):
        return {key[:-1].upper(): 1}  # "SGD$4.90", "NZD$": the code says which dollar
    return codes or {}


_SPLIT = re.compile(r"[\s:：()（）\[\]|,;，；]+")


def _word_cut(word: str, i: int) -> bool:
    """True when cutting ``word`` at ``i`` splits no word in two ("Preis€" may be cut, "Brutto" may not)."""
    return i <= 0 or i >= len(word) or not (word[i - 1].isalpha() and word[i].isalpha())


def _side(tokens: list[str], country: str | None, before: bool) -> str | None:
    for n in (3, 2, 1):
        if len(tokens) >= n:
            code = resolve(" ".join(tokens[-n:] if before else tokens[:n]), country)
            if code:
                return code
    if not tokens:
        return None
    word = tokens[-1] if before else tokens[0]
    # glued to a word: "价格¥", "Preis€", "294元起" — the longest known part touching the amount
    cuts = range(1, len(word)) if before else range(len(word) - 1, 0, -1)
    for i in cuts:
        part = word[i:] if before else word[:i]
        if _word_cut(word, i) and not part.isdigit() and not _SHORT_LATIN.match(part):
            code = resolve(part, country)
            if code:
                return code
    return None


def currency_near(text: str, start: int, end: int, country: str | None = None) -> tuple[str | None, int]:
    """The currency written right before ``text[start:end]`` (an amount) or right after it, and how many characters
    away (the nearer side wins; 0 when touching). (None, -1) when neither side has one."""
    before = text[max(0, start - 16):start]
    after = text[end:end + 16]
    found: list[tuple[int, str]] = []
    stripped = before.rstrip()
    if stripped and stripped[-1] not in ":：":
        code = _side([t for t in _SPLIT.split(stripped) if t], country, before=True)
        if code:
            found.append((len(before) - len(stripped), code))
    rest = re.sub(r"^(?:,-|\.-|\.–|,–)", "", after).lstrip()
    if rest and rest[0] not in ":：":
        code = _side([t for t in _SPLIT.split(rest) if t], country, before=False)
        if code:
            found.append((len(after) - len(rest), code))
    if not found:
        return None, -1
    if len(found) == 2 and found[0][1] != found[1][1]:
        # "$1,190.00 AUD", "SGD4.90 $": a code that narrows the symbol on the other side says which dollar
        (d0, c0), (d1, c1) = found
        if c1 in _spelled(text, start, end, before=True):
            return c1, d1
        if c0 in _spelled(text, start, end, before=False):
            return c0, d0
    distance, code = min(found, key=lambda f: f[0])
    return code, distance


def _spelled(text: str, start: int, end: int, before: bool) -> dict[str, int]:
    """Candidate codes of the token right before (or after) the amount."""
    side = text[max(0, start - 16):start].split() if before else text[end:end + 16].split()
    if not side:
        return {}
    token = side[-1] if before else side[0]
    return candidates(token) or candidates(re.sub(r"[\d.,]+", "", token))
