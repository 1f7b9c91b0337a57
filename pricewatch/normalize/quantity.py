"""Total pack quantity from a pack-size field or a product title, in a canonical unit, with where it came from.

Canonical units: ``piece`` (masks, gloves, wipes, gowns, thermometers…), ``ml`` (liquids), ``g`` (by weight).

Why a grammar of our own: no library reads pack descriptions. quantulum3 reads "50 ct" as 50 carats and knows no
Chinese; pint has no pack counts. We use pint only for the volume/weight conversion factors (fl oz, gallon, L).
The full grammar, with examples in each language, is in docs/normalisation.md.

How a title is read (each step consumes the text it matched, so no number is counted twice):

0. option lists are not quantities: "5/10/20/30pcs", "50/100/200pcs" and option numbers run together
   ("5102030pcs", "1020pcs") → no quantity, reason ``ambiguous_options``;
1. a stated total: "Total 200 Sachets", "insgesamt 50 Stück", "共100片" — it wins over any product of parts;
2. per-container counts: "10只/袋", "50pcs/box", "500ml/瓶", "每盒50只";
3. multipliers: "2 x 500ml", "×5袋", "x 5", "10x KN95", "Pack of 3", "(Pack 20)", "Box of 200", "3-Pack",
   "10er Pack", "10er-Set", "lot de 20", "paquete de 10", "3件装", "×3件", "3入", "3盒装", "2 bottles";
4. measures: "500ml", "2.5 L", "16 fl oz", "1 Gallon", "500g", "1kg";
5. piece counts: "50只", "50只装", "50 PCS", "50 Count", "80 ct", "10 Stück", "10 Stk.", "10 stueck", "50枚",
   "20 unidades", "50 stuks", "100 pièces", "10 Masken", "20 FFP2 Masken".

Then: a stated total; else per-container × multipliers, unless a stated count already equals (or is a multiple
of) it ("50只装（10只/袋×5袋）" is 50, not 250); else measure × multipliers for liquids; else piece count ×
multipliers; else the multipliers alone ("Pack of 3" is 3 pieces). The same multiplier stated twice counts once
("500ml x 4 (Pack of 4)" is 2000 ml), and a multiplier equal to the piece count is that count restated
("100 pcs, Box of 100" is 100). Numbers that carry no unit — model numbers (3M 9501, 1860, N95), class numbers
("FFP 2", "KN 95", "PM 2.5"), percentages (75%), ply/layer counts ("3-ply", "5 Layers", "4 lagig", "三层") — never
match, so they are never multiplied in.

Conventions beyond what a title states (each named in the reading's ``rule``):

- ``default_single``: single-unit goods (thermometer, goggles/face shield, protective suit/gown) with no count
  stated are one piece;
- ``singular_noun``: a German mask title that names the mask only in the singular ("FFP2 Maske", "Atemschutzmaske")
  and states no count, no plural and no "einzeln verpackt" is one piece — German sellers write "10 Stück"/"10x"/
  "Masken" for a multi-pack (measured on real Rakuten.de titles, docs/normalisation.md);
- a container's capacity is not contents: in a title that sells a dispenser, bracelet, empty bottle or holder
  (:mod:`pricewatch.normalize.containers`) volumes are not read;
- a total outside the category's plausible bounds (:mod:`pricewatch.normalize.plausibility`) is refused, reason
  ``implausible_quantity``.

When nothing is readable the result is ``None`` with reason ``no_quantity``: the listing stays unnormalised
rather than guessed.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from pricewatch.normalize.category import LIQUID_CATEGORIES, canonical_unit
from pricewatch.normalize.containers import is_accessory
from pricewatch.normalize.plausibility import is_plausible

NO_QUANTITY = "no_quantity"
AMBIGUOUS_OPTIONS = "ambiguous_options"
IMPLAUSIBLE_QUANTITY = "implausible_quantity"
REASONS = (NO_QUANTITY, AMBIGUOUS_OPTIONS, IMPLAUSIBLE_QUANTITY)

# Goods sold one at a time: with no count stated, the listing is one piece (rule ``default_single``).
SINGLE_UNIT_CATEGORIES = frozenset({"thermometer", "goggles", "protective_clothing"})


@dataclass(frozen=True)
class Quantity:
    """A total quantity: ``value`` units of ``unit`` (``piece``, ``ml`` or ``g``)."""

    value: float
    unit: str


@dataclass(frozen=True)
class QuantityReading:
    """What a text says about the total quantity, and why.

    ``quantity`` is None when nothing usable was found; then ``reason`` is one of ``no_quantity``,
    ``ambiguous_options``, ``implausible_quantity`` and ``rule`` is None (or, for ``implausible_quantity``, the rule
    that produced the refused total). When a quantity is found ``reason`` is None and ``rule`` names the grammar
    rule (``stated_total``, ``per_container``, ``measure``, ``measure_x_multiplier``, ``count``,
    ``count_x_multiplier``, ``pack_of``, ``multiplier``, ``plain_number``, ``singular_noun``, ``default_single``).
    """

    quantity: Quantity | None
    rule: str | None
    reason: str | None


_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
# A number not glued to a model code, and not a class number ("FFP 2", "KN 95", "PM 2.5", "EN 149", "Typ 2").
_NOT_CLASS = (r"(?<!\bkn )(?<!\bffp )(?<!\bpm )(?<!\bkf )(?<!\bn )(?<!\ben )(?<!\btyp )(?<!\btype )(?<!\btipo )"
              r"(?<!\bpff )(?<!\bdin )(?<!\biso )(?<!\bmodell )(?<!\bmodel )"
              r"(?<!\ba1 )(?<!\ba1:)(?<!\+a1 )(?<!\bgb)(?<!\bgb )(?<!\bgb/t )(?<!\byy/t )"
              # well-known respirator model numbers are never counts
              r"(?!(?:9501|9502|9010|9001|8210|8511|9332|9322|1860|1870|6002|6001)(?![0-9]))")
# (the leading lookahead lets the engine skip non-digits before it tries the lookbehinds: 10× faster)
NUM = rf"(?=[\d一二两三四五六七八九十]){_NOT_CLASS}(?<![A-Za-z0-9.,])(\d+(?:[.,]\d+)?|[一二两三四五六七八九十]{{1,2}})"
_B = r"(?![A-Za-z])"  # end of a Latin word
_MASK_NOUN = (rf"(?:\w*mask(?:e|en|s)?{_B}|mascarillas?{_B}|masques?{_B}|mascherin[ae]{_B}|m[áa]scaras?{_B}|"
              rf"mondkapjes?{_B}|mondmaskers?{_B}|respirators?{_B}|atemschutzmasken?{_B})")
PIECE = (
    r"(?:只|片|个|個|支|枚|双|副|套|条|粒|张|"
    rf"st[üu]ck(?:e|en)?{_B}|stueck(?:e|en)?{_B}|stk\.?{_B}|st\.(?=\s)|pi[èe]ces?{_B}|pces?{_B}|unidades{_B}|unidad{_B}|"
    rf"uds?\.?{_B}|unid\.?{_B}|stuks?{_B}|unit[ée]s{_B}|unit[àa]{_B}|pezzi{_B}|pz\.?{_B}|pe[çc]as{_B}|p[çc]s{_B}|"
    rf"pcs?\.?{_B}|pieces?{_B}|count{_B}|ct{_B}|masks?{_B}|wipes?{_B}|sheets?{_B}|sachets?{_B}|towelettes?{_B}|"
    rf"pads?{_B}|swabs?{_B}|tupfer{_B}|pairs?{_B}|paar{_B}|paires?{_B}|pares?{_B}|paia{_B}|units?{_B}|tablets?{_B}|gloves?{_B}|"
    rf"handschuhe{_B}|guantes{_B}|gants{_B}|guanti{_B}|handschoenen{_B}|t[üu]cher{_B}|toallitas{_B}|lingettes{_B}|"
    rf"doekjes{_B}|salviette{_B}|매|τεμ(?:άχια|άχιο|\.)?(?![α-ω])|{_MASK_NOUN})"
)
CONTAINER = (r"(?:盒|袋|包|瓶|桶|箱|罐|提|"
             rf"bottles?{_B}|boxe?s?{_B}|bags?{_B}|packs?{_B}|cans?{_B}|jugs?{_B}|tubs?{_B}|canisters?{_B}|"
             rf"pouch(?:es)?{_B}|flaschen?{_B}|dosen?{_B}|beutel{_B}|packungen?{_B}|schachteln?{_B}|botellas?{_B}|"
             rf"cajas?{_B}|flacons?{_B}|bo[iî]tes?{_B}|bottiglie{_B}|flessen{_B}|dozen{_B})")
MEASURE = (
    r"(?:fl\.?\s*oz\.?|fluid\s+ounces?|ounces?|oz(?![A-Za-z])|ml(?![A-Za-z])|毫升|millilit(?:er|re)s?|l(?![A-Za-z])|升|"
    r"lit(?:er|re|ro)s?(?![A-Za-z])|gal(?:lon)?s?(?![A-Za-z])"
    r"|kg(?![A-Za-z])|千克|公斤|g(?![A-Za-z])|克|grams?(?![A-Za-z])|gramm(?![A-Za-z])|lbs?(?![A-Za-z])|pounds?(?![A-Za-z]))"
)
TIMES = r"(?:(?<![a-z])x|[×*＊✕])"
DIMENSION = r"\s*(?:cm|mm|in(?:ch(?:es)?)?(?![A-Za-z])|\"|厘米|毫米)"
_NUMBER = r"(\d+(?:[.,]\d+)?|[一二两三四五六七八九十]{1,2})"

_OPTION_LIST = re.compile(rf"(?<![\d.,/])\d+(?:\s*[/|]\s*\d+)+\s*(?:{PIECE}|{MEASURE}|{CONTAINER})")
_RUN_TOGETHER = re.compile(rf"(?<![A-Za-z0-9.,])(\d{{3,9}})\s*(?:pcs?|pieces?|stück|stk|st|masks?|ml){_B}",
                       )
_STATED_TOTAL = re.compile(
    rf"(?:\btotal(?:\s+of)?|\bin\s+total|\binsgesamt|\bgesamt|\ben\s+total|\bau\s+total|\btotale|共计|合计|总共|总计|共)"
    rf"\s*[:：]?\s*{_NUMBER}(?![\d.,])(?!\s*{CONTAINER})\s*({PIECE}|{MEASURE})?"
    # "225 Total Wipes", "(400 total)"
    rf"|{NUM}\s+(?:({PIECE})\s+)?(?:in\s+)?total{_B}")
# "(10 boxes of 200)", "4 packs of 50": containers of a stated content
_CONTAINERS_OF = re.compile(
    rf"{NUM}\s*(?:boxes|packs|bags|packungen|cajas|paquetes|bo[iî]tes|confezioni|doosjes|dozen)\s+"
    rf"(?:of|de|à|mit|da|van|met)\s+(\d+)\s*({PIECE})?")
_PER_CONTAINER = re.compile(rf"{NUM}\s*({PIECE}|{MEASURE})\s*装?\s*[/／每]\s*{CONTAINER}")
_PER_CONTAINER_PREFIX = re.compile(rf"每\s*{CONTAINER}\s*{NUM}\s*({PIECE}|{MEASURE})")
_N_TIMES_MEASURE = re.compile(rf"{NUM}\s*{TIMES}\s*(\d+(?:[.,]\d+)?)\s*({MEASURE})")
# "4 x 40", "3 x 80 Stück", "(10 x 100)", "5 x 10er Beutel": N containers of M
_N_TIMES_COUNT = re.compile(rf"{NUM}\s*{TIMES}\s*(\d+)(?![\d.,])(?:er{_B})?(?!{DIMENSION})\s*({PIECE}|{CONTAINER})?",
                        )
_TIMES_N = re.compile(rf"{TIMES}\s*(\d+(?:[.,]\d+)?|[一二两三四五六七八九十]{{1,2}})(?![\d.,])(?!{DIMENSION})"
                      rf"\s*({CONTAINER}|{PIECE})?")
# "10x KN95", "5 x Mundschutz", "2x Handgel": a count of items, followed by a word (not a number or a dimension)
_N_TIMES_WORD = re.compile(rf"{NUM}\s*{TIMES}(?=\s*[^\W\d_])(?!\s*(?:cm|mm){_B})")
_PACK_OF = re.compile(
    r"(?:pack|set|case|box|bundle|tub|carton|bag|lot|kit)\s+of\s+(\d+)"
    r"|(?:lot|pack|set|paquete|caja|bo[iî]te|bolsa|confezione|pacco|kit|conjunto|caixa|pacote|verpakking|doos|"
    r"packung|karton|scatola|pak)\s+(?:de|da|di|van|met|mit|com|à)\s+(\d+)"
    rf"|(?<![A-Za-z0-9])(\d+)\s*er{_B}(?:\s*[- ]?\s*(?:pack|packung|set|box|pck|beutel|karton|pkg){_B})?"
    r"|(?<![A-Za-z0-9.,])(\d+)\s*[- ]?\s*(?:pack|pk|pck)s?(?![A-Za-z])"
    r"|\((?:pack|tub|box|tin|bag|packung|dose|set)\s+(\d+)\)"
    r"|(?<![\d.,])(\d+)\s*件[装套]?|(?<![\d.,])(\d+)\s*入(?!り)",
)
_N_CONTAINERS = re.compile(rf"{NUM}\s*{CONTAINER}\s*(装)?")
_MEASURE = re.compile(rf"{NUM}\s*({MEASURE})")
# a count: a number and a piece word, with at most one class word between ("20 FFP2 Masken", "50 disposable masks")
_PIECES = re.compile(
    rf"{NUM}\s*(?:(?:ffp\s?[123]|kn\s?95|n95|kf94|op|einweg|medizinische|chirurgische|disposable|surgical|face|"
    rf"medical|nitrile|latex|vinyl|nitril|ffp2[- ]?)\s*[- ]?\s*)?({PIECE})\s*(装)?")
_ANY_NUMBER = re.compile(r"[\d一二两三四五六七八九十]")
_PLAIN_NUMBER = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*$")

# German singular mask nouns ("Maske", "Atemschutzmaske") and what rules the singular reading out
_GERMAN_SINGULAR_MASK = re.compile(r"maske\b")
_PLURAL_OR_PACK_HINT = re.compile(
    r"masken\b|masks\b|mascarillas|masques\b|mascherine|mondkapjes|einzeln\s+verpackt|einzelverpackt|"
    r"individual(?:ly)?\s+(?:wrapped|packed)|\bset\b|\bpack\w*|\bbox\b|\bpackung\b|\bvorteils\w*|\bsparpack\w*|"
    r"\bbulk\b|\bgro[sß]packung\b|\blot\b",
)

# Common pack sizes, for telling "1020pcs" (options 10/20 run together) from a real count
_PACK_SIZES = frozenset({5, 6, 8, 10, 12, 15, 20, 24, 25, 30, 40, 48, 50, 60, 80, 100, 120, 150, 200, 250, 300, 400,
                         500, 1000})


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
    if u in ("g", "克", "gram", "grams", "gramm"):
        return "g"
    return "lb"


def _is_measure(unit: str) -> bool:
    return re.fullmatch(MEASURE, unit) is not None


def _piece_weight(unit: str, category: str | None = None) -> float:
    # a pair (双, "pair", "Paar") of gloves is two gloves; a pair of goggles is one item; 副/套 are always one item
    u = unit.lower()
    pair = unit == "双" or u.startswith(("pair", "paar", "paire", "pare", "paia"))
    return 2.0 if pair and category in ("gloves", None) else 1.0


def _consume(text: str, match: re.Match) -> str:
    return text[: match.start()] + " " * (match.end() - match.start()) + text[match.end():]


def _is_run_together_options(digits: str, min_parts: int = 2) -> bool:
    """Whether a digit string is ``min_parts`` or more increasing pack sizes written without separators
    ("5102030", "1020")."""
    if int(digits) in _PACK_SIZES or int(digits) % 100 == 0:
        return False

    def split(rest: str, previous: int, parts: int) -> bool:
        if not rest:
            return parts >= min_parts
        for cut in range(1, min(4, len(rest)) + 1):
            head = rest[:cut]
            if head.startswith("0"):
                return False
            value = int(head)
            if value in _PACK_SIZES and value > previous and split(rest[cut:], value, parts + 1):
                return True
        return False

    return any(int(digits[:cut]) in _PACK_SIZES and not digits.startswith("0")
               and split(digits[cut:], int(digits[:cut]), 1) for cut in range(1, len(digits)))


def parse_quantity(text: str | None, category: str | None = None) -> Quantity | None:
    """Total quantity stated by ``text`` (a pack-size field or a title), or ``None`` when it cannot be read.

    ``category`` (a taxonomy id) decides between a count and a volume when a title gives both
    ("Alcohol wipes 100片 75%" → pieces; "洗手液 500ml 2瓶" → ml), whether a bare "oz" is a fluid ounce, and
    the plausibility bounds. A bare number ("50") counts pieces. Only what the text states is returned: the
    ``default_single`` convention is applied by :func:`read_quantity`, not here.
    """
    return _read(text, category, False).quantity if isinstance(text, str) else None


def read_quantity(text: str | None, category: str | None = None) -> QuantityReading:
    """The quantity ``text`` states, the grammar rule that read it, or the reason there is none.

    Like :func:`parse_quantity`, plus the ``default_single`` convention for single-unit categories.
    """
    if not isinstance(text, str):
        text = ""
    return _read(text, category, True)


@lru_cache(maxsize=200_000)
def _read(text: str, category: str | None, allow_default: bool) -> QuantityReading:
    plain = _PLAIN_NUMBER.match(text) if text else None
    if plain:
        reading = _checked(_number(plain.group(1)), "piece", "plain_number", category)
    elif text and text.strip():
        # patterns are lower case; lower-casing once is much faster than re.IGNORECASE
        reading = _parse(text.strip().lower(), category)
    else:
        reading = QuantityReading(None, None, NO_QUANTITY)
    if reading.quantity is None and reading.reason == NO_QUANTITY and allow_default:
        if category in SINGLE_UNIT_CATEGORIES:
            return QuantityReading(Quantity(1.0, "piece"), "default_single", None)
        if category in ("mask.surgical", "mask.respirator", "mask.cloth") and text and _german_singular(text):
            return QuantityReading(Quantity(1.0, "piece"), "singular_noun", None)
    return reading


def _german_singular(text: str) -> bool:
    text = text.lower()
    return bool(_GERMAN_SINGULAR_MASK.search(text)) and not _PLURAL_OR_PACK_HINT.search(text)


def _checked(value: float, unit: str, rule: str, category: str | None) -> QuantityReading:
    if not value or value <= 0 or not math.isfinite(value):
        return QuantityReading(None, None, NO_QUANTITY)
    if not is_plausible(value, unit, category):
        return QuantityReading(None, rule, IMPLAUSIBLE_QUANTITY)
    return QuantityReading(Quantity(round(value, 6), unit), rule, None)


def _unique(values: list[float]) -> list[float]:
    # the same multiplier stated twice ("500ml x 4 (Pack of 4)", "(3 PACK) … | 3 PACK") counts once
    out: list[float] = []
    for v in values:
        if not any(abs(v - o) < 1e-9 for o in out):
            out.append(v)
    return out


def _parse(text: str, category: str | None) -> QuantityReading:
    if not _ANY_NUMBER.search(text):
        return QuantityReading(None, None, NO_QUANTITY)
    if _OPTION_LIST.search(text) or any(
            # volumes run together only as three or more options: "820ml" is a bottle, not 8 ml / 20 ml
            _is_run_together_options(m.group(1), min_parts=3 if m.group(0).rstrip().endswith("ml") else 2)
            for m in _RUN_TOGETHER.finditer(text)):
        return QuantityReading(None, None, AMBIGUOUS_OPTIONS)

    liquid = category in LIQUID_CATEGORIES
    factors = _factors()
    work = text
    # a dispenser's or bottle's capacity is not contents
    read_measures = not is_accessory(text)

    m = _STATED_TOTAL.search(work)
    if m is not None and (m.group(2) is None or not _is_measure(m.group(2)) or read_measures):
        amount, unit = (_number(m.group(1)), m.group(2)) if m.group(1) else (_number(m.group(3)), m.group(4))
        if unit and _is_measure(unit):
            factor, canon = factors[_measure_key(unit, True)]
            return _checked(amount * factor, canon, "stated_total", category)
        return _checked(amount * (_piece_weight(unit, category) if unit else 1.0), "piece", "stated_total", category)

    per_container: list[tuple[float, str]] = []  # (amount, unit) inside one container
    multipliers: list[float] = []
    pack_only: list[float] = []  # multipliers that also count items on their own ("Pack of 3", "10x KN95")
    while (m := _CONTAINERS_OF.search(work)) is not None:
        multipliers.append(_number(m.group(1)))
        per_container.append((_number(m.group(2)) * (_piece_weight(m.group(3), category) if m.group(3) else 1.0),
                              "piece"))
        work = _consume(work, m)
    for pattern in (_PER_CONTAINER, _PER_CONTAINER_PREFIX):
        while (m := pattern.search(work)) is not None:
            amount, unit = _number(m.group(1)), m.group(2)
            if _is_measure(unit):
                factor, canon = factors[_measure_key(unit, True)]
                if read_measures:
                    per_container.append((amount * factor, canon))
            else:
                per_container.append((amount * _piece_weight(unit, category), "piece"))
            work = _consume(work, m)

    pack_rule = "multiplier"
    measures: list[tuple[float, str]] = []
    while (m := _N_TIMES_MEASURE.search(work)) is not None:  # "2 x 500ml", "10 × 50ml"
        factor, canon = factors[_measure_key(m.group(3), True)]
        multipliers.append(_number(m.group(1)))
        if read_measures:
            measures.append((_number(m.group(2)) * factor, canon))
        work = _consume(work, m)
    while (m := _N_TIMES_COUNT.search(work)) is not None:  # "4 x 40", "3 x 80 Stück"
        n_containers, each, unit = _number(m.group(1)), _number(m.group(2)), m.group(3)
        if unit and not re.fullmatch(CONTAINER, unit):
            per_container.append((each * _piece_weight(unit, category), "piece"))
            multipliers.append(n_containers)
        else:
            multipliers.append(n_containers * each)
            pack_only.append(n_containers * each)
        work = _consume(work, m)
    while (m := _TIMES_N.search(work)) is not None:  # "×5袋", "x 5", "*2瓶"
        multipliers.append(_number(m.group(1)))
        if not m.group(2):
            pack_only.append(_number(m.group(1)))
        work = _consume(work, m)
    while (m := _N_TIMES_WORD.search(work)) is not None:  # "10x KN95", "5 x Mundschutz"
        multipliers.append(_number(m.group(1)))
        pack_only.append(_number(m.group(1)))
        work = _consume(work, m)
    while (m := _PACK_OF.search(work)) is not None:  # "Pack of 3", "3-Pack", "10er Pack", "lot de 20", "3件装"
        value = float(next(g for g in m.groups() if g))
        multipliers.append(value)
        pack_only.append(value)
        pack_rule = "pack_of"
        work = _consume(work, m)

    while (m := _MEASURE.search(work)) is not None:
        factor, canon = factors[_measure_key(m.group(2), liquid or category is None)]
        if read_measures:
            measures.append((_number(m.group(1)) * factor, canon))
        work = _consume(work, m)

    totals: list[tuple[float, bool]] = []  # (pieces, stated with 装: an explicit total)
    while (m := _PIECES.search(work)) is not None:
        totals.append((_number(m.group(1)) * _piece_weight(m.group(2), category), bool(m.group(3))))
        work = _consume(work, m)

    while (m := _N_CONTAINERS.search(work)) is not None:  # "5袋", "3盒装", "2 bottles"
        multipliers.append(_number(m.group(1)))
        work = _consume(work, m)

    multipliers = [v for v in _unique(multipliers) if v != 1]  # "1 Box", "1 x 500 ml" multiply nothing
    want = canonical_unit(category)
    if liquid and measures and totals and not per_container and totals[0][0] > 1:
        # "Alcohol 70% 250 ml 6 Stück": for a liquid, a piece count beside a volume counts bottles
        multipliers = _unique(multipliers + [totals[0][0]])

    if per_container:
        amount, unit = per_container[0]
        mult = math.prod(multipliers) if multipliers else 1.0
        product = amount * mult
        stated = [t for t, _ in totals] if unit == "piece" else [v for v, u in measures if u == unit]
        for total in stated:
            # a stated total wins when it is consistent with the per-container figure
            consistent = total >= amount and abs(total / amount - round(total / amount)) < 1e-9
            if consistent and (not multipliers or abs(total - product) < 1e-9 or total > product):
                rule = "stated_total" if multipliers or total != amount else "per_container"
                return _checked(total, unit, rule, category)
        return _checked(product, unit, "per_container", category)

    use_measure = bool(measures) and (not totals or want in ("ml", "g") or (want is None and not totals))
    if use_measure:
        amount, unit = measures[0]
        mult = math.prod(multipliers) if multipliers else 1.0
        return _checked(amount * mult, unit, "measure_x_multiplier" if multipliers else "measure", category)
    if totals:
        explicit = [t for t, is_total in totals if is_total]
        amount = explicit[0] if explicit else totals[0][0]
        # a multiplier equal to the count restates it ("100 pcs, Box of 100")
        rest = [v for v in multipliers if abs(v - amount) > 1e-9]
        mult = math.prod(rest) if rest else 1.0
        if rest and abs(mult - amount) < 1e-9:
            # "1000 pcs (10 x 100)", "50 Stück (5 x 10er Beutel)": the parts restate the stated count
            return _checked(amount, "piece", "stated_total", category)
        return _checked(amount * mult, "piece", "count_x_multiplier" if rest else "count", category)
    if pack_only and (want == "piece" or want is None) and not liquid:
        # "Pack of 3" alone: three items. Containers alone ("2盒") say nothing about the count inside them.
        return _checked(math.prod(_unique(pack_only)), "piece", pack_rule, category)
    return QuantityReading(None, None, NO_QUANTITY)
