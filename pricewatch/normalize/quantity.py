"""Total pack quantity from a pack-size field or a product title, in a canonical unit.

Canonical units: ``piece`` (masks, gloves, wipes, gowns, thermometers…), ``ml`` (liquids), ``g`` (by weight).

Why a grammar of our own: no library reads pack descriptions. quantulum3 reads "50 ct" as 50 carats and knows no
Chinese; pint has no pack counts. We use pint only for the volume/weight conversion factors (fl oz, gallon, L).

How a title is read (each step consumes the text it matched, so no number is counted twice):

1. per-container counts: "10只/袋", "50pcs/box", "500ml/瓶", "每盒50只";
2. explicit multipliers: "×5袋", "x 5", "*2瓶", "Pack of 3", "(Pack of 2)", "3-Pack", "2 x 500ml", "3盒装";
3. measures: "500ml", "2.5 L", "16 fl oz", "1 Gallon", "500g", "1kg";
4. piece counts: "50只", "50只装", "50 PCS", "50 Count", "80 ct", "100 pieces".

Then: per-container × multipliers, unless a stated total already equals (or is a multiple of) it
("50只装（10只/袋×5袋）" is 50, not 250); measure × multipliers for liquids; piece count × multipliers otherwise.
Numbers that carry no unit — model numbers (3M 9501, 1860, N95), percentages (75%), ply/layer counts
("3-ply", "5 Layers", "三层") — never match, so they are never multiplied in. When nothing is readable the
result is ``None``: the listing stays unnormalised rather than guessed.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from pricewatch.normalize.category import LIQUID_CATEGORIES, canonical_unit


@dataclass(frozen=True)
class Quantity:
    """A total quantity: ``value`` units of ``unit`` (``piece``, ``ml`` or ``g``)."""

    value: float
    unit: str


_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
NUM = r"(?<![A-Za-z0-9.])(\d+(?:[.,]\d+)?|[一二两三四五六七八九十]{1,2})"  # a number not glued to a model code
PIECE = r"(?:只|片|个|個|支|枚|双|副|套|条|粒|stück(?![A-Za-z])|stk(?![A-Za-z])|pièces?(?![A-Za-z])|unidades(?![A-Za-z])|stuks(?![A-Za-z])|unités(?![A-Za-z])|pcs?(?![A-Za-z])|pieces?(?![A-Za-z])|count(?![A-Za-z])|ct(?![A-Za-z])|masks?(?![A-Za-z])|wipes?(?![A-Za-z])|sheets?(?![A-Za-z])|pairs?(?![A-Za-z])|units?(?![A-Za-z])|tablets?(?![A-Za-z])|gloves?(?![A-Za-z]))"
CONTAINER = r"(?:盒|袋|包|瓶|桶|箱|罐|提|bottles?(?![A-Za-z])|boxe?s?(?![A-Za-z])|bags?(?![A-Za-z])|packs?(?![A-Za-z])|cans?(?![A-Za-z])|jugs?(?![A-Za-z])|tubs?(?![A-Za-z])|canisters?(?![A-Za-z])|pouches(?![A-Za-z])|pouch(?![A-Za-z]))"
MEASURE = (
    r"(?:fl\.?\s*oz\.?|fluid\s+ounces?|ounces?|oz(?![A-Za-z])|ml(?![A-Za-z])|毫升|millilit(?:er|re)s?|l(?![A-Za-z])|升|lit(?:er|re)s?(?![A-Za-z])|gal(?:lon)?s?(?![A-Za-z])"
    r"|kg(?![A-Za-z])|千克|公斤|g(?![A-Za-z])|克|grams?(?![A-Za-z])|lbs?(?![A-Za-z])|pounds?(?![A-Za-z]))"
)
TIMES = r"(?:(?<![A-Za-z])[xX]|[×*＊✕])"
DIMENSION = r"\s*(?:cm|mm|in(?:ch(?:es)?)?(?![A-Za-z])|\"|厘米|毫米)"

_PER_CONTAINER = re.compile(rf"{NUM}\s*({PIECE}|{MEASURE})\s*装?\s*[/／每]\s*{CONTAINER}", re.IGNORECASE)
_PER_CONTAINER_PREFIX = re.compile(rf"每\s*{CONTAINER}\s*{NUM}\s*({PIECE}|{MEASURE})", re.IGNORECASE)
_N_TIMES_MEASURE = re.compile(rf"{NUM}\s*{TIMES}\s*(\d+(?:[.,]\d+)?)\s*({MEASURE})", re.IGNORECASE)
_TIMES_N = re.compile(rf"{TIMES}\s*(\d+(?:[.,]\d+)?|[一二两三四五六七八九十]{{1,2}})(?![\d.,])(?!{DIMENSION})\s*({CONTAINER}|{PIECE})?", re.IGNORECASE)
_PACK_OF = re.compile(r"(?:pack|set|case|box|bundle)\s+of\s+(\d+)|(?:lot|pack|set)\s+de\s+(\d+)|(\d+)\s*[- ]?\s*(?:pack|pk)s?(?![A-Za-z])|(\d+)\s+packs?(?![A-Za-z])", re.IGNORECASE)
_N_CONTAINERS = re.compile(rf"{NUM}\s*{CONTAINER}\s*(装)?", re.IGNORECASE)
_MEASURE = re.compile(rf"{NUM}\s*({MEASURE})", re.IGNORECASE)
_PIECES = re.compile(rf"{NUM}\s*({PIECE})\s*(装)?", re.IGNORECASE)
_PLAIN_NUMBER = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*$")


@lru_cache(maxsize=1)
def _factors() -> dict[str, tuple[float, str]]:
    """Conversion factors to ml / g, computed once with pint."""
    import pint

    ureg = pint.UnitRegistry()
    def to(unit: str, target: str) -> float:
        return float(ureg.Quantity(1, unit).to(target).magnitude)

    return {
        "ml": (1.0, "ml"),
        "l": (to("liter", "milliliter"), "ml"),
        "floz": (to("fluid_ounce", "milliliter"), "ml"),
        "gal": (to("gallon", "milliliter"), "ml"),
        "g": (1.0, "g"),
        "kg": (to("kilogram", "gram"), "g"),
        "oz": (to("ounce", "gram"), "g"),
        "lb": (to("pound", "gram"), "g"),
    }


def _number(text: str) -> float:
    if text in _CN_DIGITS:
        return float(_CN_DIGITS[text])
    if len(text) == 2 and text[0] == "十":
        return 10.0 + _CN_DIGITS.get(text[1], 0)
    if len(text) == 2 and text[1] == "十":
        return 10.0 * _CN_DIGITS.get(text[0], 1)
    if "," in text:
        # "1,000" is a thousands separator; "2,5" a decimal comma
        head, _, tail = text.partition(",")
        text = text.replace(",", "") if len(tail) == 3 else f"{head}.{tail}"
    return float(text)


def _measure_key(unit: str, liquid_context: bool) -> str:
    u = re.sub(r"[\s.]", "", unit.lower())
    if u.startswith("fl") or u.startswith("fluid"):
        return "floz"
    if u in ("oz", "ounce", "ounces"):
        # a bare "oz" on a liquid is a fluid ounce (US sanitiser labels say "8 oz")
        return "floz" if liquid_context else "oz"
    if u in ("ml", "毫升") or u.startswith("millilit"):
        return "ml"
    if u in ("l", "升") or u.startswith("lit"):
        return "l"
    if u.startswith("gal"):
        return "gal"
    if u in ("kg", "千克", "公斤"):
        return "kg"
    if u in ("g", "克", "gram", "grams"):
        return "g"
    return "lb"


def _is_measure(unit: str) -> bool:
    return re.fullmatch(MEASURE, unit, re.IGNORECASE) is not None


def _piece_weight(unit: str, category: str | None = None) -> float:
    # a pair (双, "pair") of gloves is two gloves; a pair of goggles is one item; 副/套 are always one item
    pair = unit == "双" or unit.lower().startswith("pair")
    return 2.0 if pair and category in ("gloves", None) else 1.0


def _consume(text: str, match: re.Match) -> str:
    return text[: match.start()] + " " * (match.end() - match.start()) + text[match.end():]


def parse_quantity(text: str | None, category: str | None = None) -> Quantity | None:
    """Total quantity stated by ``text`` (a pack-size field or a title), or ``None`` when it cannot be read.

    ``category`` (a taxonomy id) decides between a count and a volume when a title gives both
    ("Alcohol wipes 100片 75%" → pieces; "洗手液 500ml 2瓶" → ml) and whether a bare "oz" is a fluid ounce.
    A bare number ("50") counts pieces.
    """
    if not text or not isinstance(text, str):
        return None
    plain = _PLAIN_NUMBER.match(text)
    if plain:
        value = _number(plain.group(1))
        return Quantity(value, "piece") if value > 0 else None
    return _parse(text.strip(), category)


@lru_cache(maxsize=200_000)
def _parse(text: str, category: str | None) -> Quantity | None:
    liquid = category in LIQUID_CATEGORIES
    factors = _factors()
    work = text

    per_container: list[tuple[float, str]] = []  # (amount, unit) inside one container
    for pattern, num_group, unit_group in ((_PER_CONTAINER, 1, 2), (_PER_CONTAINER_PREFIX, 1, 2)):
        while (m := pattern.search(work)) is not None:
            amount, unit = _number(m.group(num_group)), m.group(unit_group)
            if _is_measure(unit):
                factor, canon = factors[_measure_key(unit, liquid or True)]
                per_container.append((amount * factor, canon))
            else:
                per_container.append((amount * _piece_weight(unit, category), "piece"))
            work = _consume(work, m)

    multipliers: list[float] = []
    measures: list[tuple[float, str]] = []
    while (m := _N_TIMES_MEASURE.search(work)) is not None:  # "2 x 500ml", "10 × 50ml"
        factor, canon = factors[_measure_key(m.group(3), liquid or True)]
        multipliers.append(_number(m.group(1)))
        measures.append((_number(m.group(2)) * factor, canon))
        work = _consume(work, m)
    while (m := _TIMES_N.search(work)) is not None:  # "×5袋", "x 5", "*2瓶"
        multipliers.append(_number(m.group(1)))
        work = _consume(work, m)
    while (m := _PACK_OF.search(work)) is not None:  # "Pack of 3", "3-Pack"
        multipliers.append(float(next(g for g in m.groups() if g)))
        work = _consume(work, m)

    while (m := _MEASURE.search(work)) is not None:
        factor, canon = factors[_measure_key(m.group(2), liquid or category is None)]
        measures.append((_number(m.group(1)) * factor, canon))
        work = _consume(work, m)

    totals: list[tuple[float, bool]] = []  # (pieces, stated with 装: an explicit total)
    while (m := _PIECES.search(work)) is not None:
        totals.append((_number(m.group(1)) * _piece_weight(m.group(2), category), bool(m.group(3))))
        work = _consume(work, m)

    while (m := _N_CONTAINERS.search(work)) is not None:  # "5袋", "3盒装", "2 bottles"
        multipliers.append(_number(m.group(1)))
        work = _consume(work, m)

    mult = math.prod(multipliers) if multipliers else 1.0
    want = canonical_unit(category)

    if per_container:
        amount, unit = per_container[0]
        product = amount * mult
        stated = [t for t, _ in totals] if unit == "piece" else [v for v, u in measures if u == unit]
        for total in stated:
            # a stated total wins when it is consistent with the per-container figure
            consistent = total >= amount and abs(total / amount - round(total / amount)) < 1e-9
            if consistent and (not multipliers or abs(total - product) < 1e-9 or total > product):
                return _result(total, unit)
        return _result(product, unit)

    use_measure = bool(measures) and (not totals or want in ("ml", "g") or (want is None and not totals))
    if use_measure:
        amount, unit = measures[0]
        return _result(amount * mult, unit)
    if totals:
        explicit = [t for t, is_total in totals if is_total]
        amount = explicit[0] if explicit else totals[0][0]
        return _result(amount * mult, "piece")
    if multipliers and (want == "piece" or want is None) and not liquid:
        # "Pack of 3" alone: three items. Containers alone ("2盒") say nothing about the count inside them.
        pack_only = [float(next(g for g in m.groups() if g)) for m in _PACK_OF.finditer(text)]
        pack_only += [_number(m.group(1)) for m in _TIMES_N.finditer(text) if not m.group(2)]
        if pack_only:
            return _result(math.prod(pack_only), "piece")
    return None


def _result(value: float, unit: str) -> Quantity | None:
    if not value or value <= 0 or not math.isfinite(value):
        return None
    return Quantity(round(value, 6), unit)
