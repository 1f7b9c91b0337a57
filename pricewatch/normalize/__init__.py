"""Normalisation: title/pack size → category, total quantity and canonical unit; price → unit price.

Public surface:
- :func:`classify` (title → taxonomy id), :func:`explain_category` (the rule and exclusions behind it),
  :data:`TAXONOMY`;
- :func:`parse_quantity` (pack size or title → :class:`Quantity` or ``None``);
- :func:`read_quantity` (→ :class:`QuantityReading`: the quantity, the grammar rule that read it, or the reason
  there is none);
- :func:`normalize_title` (title → ``{"category", "quantity", "quantity_unit", "quantity_source",
  "unnormalised_reason"}``) and :func:`resolve_quantities` (the same over Series);
- :func:`unit_prices` (vectorised unit price for a DataFrame of observations).

The grammar and conventions are documented in docs/normalisation.md.
"""

from pricewatch.normalize.category import (
    TAXONOMY,
    CategoryDecision,
    canonical_unit,
    classify,
    explain_category,
)
from pricewatch.normalize.quantity import REASONS, Quantity, QuantityReading, parse_quantity, read_quantity
from pricewatch.normalize.unit_price import normalize_title, resolve_quantities, unit_prices

__all__ = [
    "REASONS",
    "TAXONOMY",
    "CategoryDecision",
    "Quantity",
    "QuantityReading",
    "canonical_unit",
    "classify",
    "explain_category",
    "normalize_title",
    "parse_quantity",
    "read_quantity",
    "resolve_quantities",
    "unit_prices",
]
