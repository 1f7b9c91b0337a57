"""Containers and accessories: listings whose product is the bottle, dispenser or holder, not what goes in it.

Why this is its own idea: on real feeds an empty 10 ml bracelet dispenser or a refill pump was filed under
hand_sanitizer and its "10 ml" read as 10 ml of sanitiser, so its unit price looked like gouging against litre
bottles. Two callers need the same judgement: :mod:`pricewatch.normalize.category` files such a listing under
``other``, and :mod:`pricewatch.normalize.quantity` refuses to read a container's capacity as contents even when a
caller insists on a liquid category.

A title is an accessory when it names one (below) and does not say it is the contents *for* one ("Desinfektionsmittel
für Spender 1 L", "hand sanitizer refill for dispenser 1200 ml"). A pump bottle that is sold full ("Purell 8 oz
pump bottle") is contents: a bottle or spray is an accessory only when the title says it is empty or refillable.
"""

from __future__ import annotations

import re

_EMPTY = (r"(?:(?<![^\W\d_])(?:empty|refillable|leere?[nrs]?|nachf[üu]llbare?[nrs]?|vac[ií][oa]s?|rellenables?|vides?|vuot[oaie]|"
          r"ricaricabil[ei]|vazi[oa]s?|recarreg[aá]ve(?:l|is)|leeg|lege|hervulbare?)|空瓶|空)")
_VESSEL = (r"(?:bottles?|flasche[n]?|spr[üu]hflasche[n]?|botellas?|botes?|flacons?|bouteilles?|bottigli[ae]|frascos?|"
           r"flaconi|flessen|flesjes?|fles|spray|pump|pumpe|dispensers?|瓶|喷壶|喷瓶)")

ACCESSORY_PATTERNS: tuple[tuple[str, str], ...] = (
    # name, pattern — the name is what an explanation shows
    ("empty_container", rf"{_EMPTY}\s*(?:\w+\s+){{0,2}}{_VESSEL}|{_VESSEL}\s+(?:\w+\s+)?{_EMPTY}\b|分装瓶|旅行分装"),
    ("dispenser", r"dispensers?|spender|seifenspender|desinfektionsspender|dispensador(?:es)?|dosificador(?:es)?|"
                  r"distributeurs?|distributore|distributori|dispensadores?|doseador|zeeppomp|zeepdispenser|"
                  r"给皂机|皂液器|洗手机|感应.{0,4}机|喷雾机"),
    ("wristband", r"bracelets?|wristbands?|armband|armb[äa]nder|pulseras?|braccialett[oi]|pulseiras?|polsbandje?s?|手环"),
    ("refill_pump", r"(?:refill|replacement|ersatz)\s*pump(?:e|s)?|pump\s+(?:replacement|head)s?|pumpkopf|"
                    r"pompe\s+de\s+rechange|v[aá]lvula\s+dosificadora"),
    ("holder", r"\bholders?\b|\bhalter(?:ung)?\b|\w+halter\b|\bsoportes?\b|\bst[äa]nder\b|\bstand\b|\bsupporto\b|"
               r"\bsuportes?\b|\bhouders?\b|porte[- ]masques?|portamascherin\w*|porta\s?mascarillas?|支架"),
    ("mask_accessory", r"mask(?:s)?\s+(?:chains?|straps?|extenders?|lanyards?|cases?(?!\s+of)|storage|organi[sz]ers?|clips?|"
                       r"brackets?|hooks?)|ear\s*savers?|ear\s*loop\s*extenders?|maskenkette[n]?|maskenband|"
                       r"maskenbox|maskenetui|maskenaufbewahrung|masken[- ]?verl[äa]ngerung|ohrenschoner|"
                       r"cadenas?\s+(?:para\s+)?mascarillas?|salvaorejas|fundas?\s+(?:para\s+)?mascarillas?|"
                       r"[ée]tuis?\s+(?:[àa]|pour)\s+masques?|cha[iî]nes?\s+(?:[àa]|de|pour)\s+masques?|"
                       r"catenin[ae]\s+(?:per\s+)?mascherin\w*|mondkapje\w*\s*(?:houder|ketting|koord)|"
                       r"口罩(?:挂绳|绳|链|收纳|夹|扣|支架|延长)|护耳神器|护耳"),
    ("filter_insert", r"filter\s*(?:inserts?|pads?|refills?)|replacement\s+filters?|filtereins[äa]tze?|ersatzfilter|"
                      r"filtros?\s+de\s+recambio|filtros?\s+de\s+repuesto|filtres?\s+de\s+rechange|"
                      r"filtri\s+di\s+ricambio|vervangende\s+filters?|滤片|滤棉|滤芯"),
)

# "… für Spender", "refill for dispenser": the listing is what goes into the accessory, not the accessory.
_CONTENTS_FOR = re.compile(
    r"(?:\bfor|\bf[üu]r|\bpour|\bpara|\bper|\bvoor)\s+(?:\w+\s+){0,2}(?:dispensers?|\w*spender|distributeurs?|"
    r"dispensador\w*|dosificador\w*|distributor\w*|distributore|dispenser)|"
    r"\b(?:with|mit|con|avec|com|met)\s+(?:\w+\s+)?(?:dispenser|spender|dosificador|dispensador|distributeur|pompe|pumpe|pump)|"
    r"\b(?:refills?|nachf[üu]ll(?!bar)\w*|recharges?|recambios?|ricaric(?:a|he)|navulling\w*)\b(?!\s*pump)|补充装|替换装",
)

# patterns are lower case; titles are lower-cased once (much faster than re.IGNORECASE)
_COMPILED = tuple((name, re.compile(pattern)) for name, pattern in ACCESSORY_PATTERNS)


def accessory_kind(title: str | None) -> tuple[str, str] | None:
    """``(kind, matched text)`` when ``title`` sells a container or accessory, else ``None``."""
    if not title:
        return None
    title = title.lower()
    for name, pattern in _COMPILED:
        m = pattern.search(title)
        if m is None:
            continue
        if name in ("dispenser", "empty_container") and _CONTENTS_FOR.search(title):
            continue
        return name, m.group(0)
    return None


def is_accessory(title: str | None) -> bool:
    """Whether ``title`` sells a container or accessory rather than its contents."""
    return accessory_kind(title) is not None
