"""Per-category bounds on a total pack quantity: a reading outside them is refused, not used.

Why: a unit price is only comparable with a category's baseline when the quantity is a real retail pack. Title
artefacts produce absurd totals — an option list run together ("5102030pcs" read as 5,102,030 masks), a price
typed into a count, a 50 L drum read off a wholesale page — and one absurd total makes the listing look 10,000×
cheaper or dearer than its peers. Refusing it (reason ``implausible_quantity``) leaves the listing unnormalised,
which is visible in coverage reports, instead of raising a false alert.

The bounds are generous enough for real bulk retail packs (2,000 nitrile gloves, a carton of 3,000 masks, a 5 L or
25 L refill canister, a 900-wipe tub) and refuse what no retail page sells as one item. The lower bound on liquids
(20 ml) refuses sample, keyring and travel sizes (5–15 ml) whose price per ml is not comparable with bottles.
Pieces must be whole. Each bound is inclusive. ``None`` and ``other`` get the loose generic bounds.
"""

from __future__ import annotations

from pricewatch.normalize.category import CATEGORY_UNIT

# (min, max) per canonical unit, inclusive
Bounds = dict[str, tuple[float, float]]

GENERIC: Bounds = {"piece": (1, 50_000), "ml": (1, 200_000), "g": (1, 200_000)}
_MASKS: Bounds = {"piece": (1, 10_000), "ml": (1, 0), "g": (1, 0)}
_LIQUID: Bounds = {"piece": (1, 1_000), "ml": (20, 30_000), "g": (20, 30_000)}
_COUNTED: Bounds = {"piece": (1, 20_000), "ml": (1, 0), "g": (1, 0)}
_SINGLE_UNIT: Bounds = {"piece": (1, 1_000), "ml": (1, 0), "g": (1, 0)}

BOUNDS: dict[str, Bounds] = {
    "mask.surgical": _MASKS,
    "mask.respirator": _MASKS,
    "mask.cloth": {"piece": (1, 1_000), "ml": (1, 0), "g": (1, 0)},
    "disinfectant.alcohol": _LIQUID,
    "disinfectant.chlorine": {"piece": (1, 10_000), "ml": (20, 30_000), "g": (10, 30_000)},  # tablets, powder
    "disinfectant.wipes": _COUNTED,
    "disinfectant.other": {"piece": (1, 10_000), "ml": (20, 30_000), "g": (10, 30_000)},
    "hand_sanitizer": _LIQUID,
    "hand_soap": _LIQUID,
    "gloves": _COUNTED,
    "protective_clothing": _SINGLE_UNIT,
    "goggles": _SINGLE_UNIT,
    "thermometer": {"piece": (1, 500), "ml": (1, 0), "g": (1, 0)},
}
assert set(BOUNDS) == set(CATEGORY_UNIT)


def bounds(category: str | None, unit: str) -> tuple[float, float]:
    """Inclusive (min, max) for a total of ``unit`` in ``category``; (1, 0) means the unit is never plausible."""
    return BOUNDS.get(category or "", GENERIC).get(unit, GENERIC.get(unit, (1, 0)))


def is_plausible(value: float, unit: str, category: str | None) -> bool:
    """Whether ``value`` ``unit`` is a believable retail pack for ``category``."""
    low, high = bounds(category, unit)
    if unit == "piece" and abs(value - round(value)) > 1e-9:
        return False
    return low <= value <= high
