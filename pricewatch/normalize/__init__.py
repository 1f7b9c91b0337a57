"""Normalisation: title/pack size → category, total quantity and canonical unit; price → unit price.

Public surface:
- :func:`classify` (title → taxonomy id), :data:`TAXONOMY`;
- :func:`parse_quantity` (pack size or title → :class:`Quantity` or ``None``);
- :func:`normalize_title` (title → ``{"category", "quantity", "quantity_unit"}``);
- :func:`unit_prices` (vectorised unit price for a DataFrame of observations).
"""

from pricewatch.normalize.category import TAXONOMY, canonical_unit, classify
from pricewatch.normalize.quantity import Quantity, parse_quantity
from pricewatch.normalize.unit_price import normalize_title, resolve_quantities, unit_prices

__all__ = [
    "TAXONOMY",
    "Quantity",
    "canonical_unit",
    "classify",
    "normalize_title",
    "parse_quantity",
    "resolve_quantities",
    "unit_prices",
]
