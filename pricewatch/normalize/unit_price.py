"""Unit prices for many observations at once.

unit price = (price + shipping) / total quantity, in the observation's currency per canonical unit. Shipping is
part of the price paid (a flat item price with a raised shipping fee is still a price rise). Missing shipping
counts as zero. An unknown quantity gives a missing (NaN) unit price — never a guess.

Titles repeat heavily in a feed (one listing, many observations), so quantities are parsed once per distinct
(pack_size, title, category) and mapped back; the parsing itself is cached across calls too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pricewatch.normalize.category import classify
from pricewatch.normalize.quantity import parse_quantity


def normalize_title(title: str | None, pack_size: str | None = None, category: str | None = None) -> dict:
    """``{"category", "quantity", "quantity_unit"}`` for one listing; quantity fields are None when unreadable.

    ``pack_size`` (feed v1) wins over the title when it can be read; ``category`` defaults to the title's class.
    """
    category = category or classify(title)
    quantity = parse_quantity(pack_size, category) if pack_size else None
    if quantity is None:
        quantity = parse_quantity(title, category)
    return {
        "category": category,
        "quantity": quantity.value if quantity else None,
        "quantity_unit": quantity.unit if quantity else None,
    }


def resolve_quantities(title: pd.Series, pack_size: pd.Series | None = None,
                       category: pd.Series | None = None) -> pd.DataFrame:
    """Vectorised :func:`normalize_title` over aligned Series; returns category, quantity, quantity_unit."""
    frame = pd.DataFrame({
        "title": title.astype(object).where(title.notna(), None),
        "pack_size": (pack_size.astype(object).where(pack_size.notna(), None)
                      if pack_size is not None else None),
        "category": (category.astype(object).where(category.notna(), None)
                     if category is not None else None),
    }, index=title.index)
    keys = frame.drop_duplicates()
    solved = [normalize_title(t, p, c) for t, p, c in keys.itertuples(index=False, name=None)]
    keys = keys.assign(
        _category=[s["category"] for s in solved],
        _quantity=[s["quantity"] for s in solved],
        _unit=[s["quantity_unit"] for s in solved],
    )
    merged = frame.merge(keys, on=["title", "pack_size", "category"], how="left", sort=False)
    merged.index = frame.index
    return pd.DataFrame({
        "category": merged["_category"].astype(object),
        "quantity": pd.to_numeric(merged["_quantity"], errors="coerce").astype("float64"),
        "quantity_unit": merged["_unit"].astype(object),
    }, index=frame.index)


def unit_prices(price: pd.Series, shipping: pd.Series | None, quantity: pd.Series) -> pd.Series:
    """(price + shipping) / quantity as float64; NaN where the quantity or price is missing."""
    paid = price.astype("float64")
    if shipping is not None:
        paid = paid + shipping.astype("float64").fillna(0.0)
    qty = quantity.astype("float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        out = paid / qty.where(qty > 0)
    return out
