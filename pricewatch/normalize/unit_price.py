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
from pricewatch.normalize.quantity import IMPLAUSIBLE_QUANTITY, NO_QUANTITY, Quantity, read_quantity

MAX_TITLE_CHARS = 512  # a title is read in its first 512 characters
RESULT_COLUMNS = ("category", "quantity", "quantity_unit", "quantity_source", "unnormalised_reason")


def normalize_title(title: str | None, pack_size: str | None = None, category: str | None = None) -> dict:
    """One listing's ``category``, ``quantity``, ``quantity_unit``, ``quantity_source`` and ``unnormalised_reason``.

    ``pack_size`` (feed v1) wins over the title when it can be read; ``category`` defaults to the title's class.
    ``quantity_source`` is ``"pack_size"``, ``"title:<rule>"`` (the grammar rule that read it, e.g.
    ``title:stated_total``) or ``"default_single"``; None when there is no quantity. ``unnormalised_reason`` is None
    when a quantity was found, else ``no_quantity``, ``ambiguous_options`` or ``implausible_quantity``. A pack size
    that is readable but implausible for the category is refused (the title is not consulted: the feed's own
    claim is wrong and a person should look). Only the first ``MAX_TITLE_CHARS`` of a title are read.
    """
    # Real titles are under 300 characters; the grammar's regexes are superlinear on long digit runs, so a
    # pathological 100 KB "title" would take minutes. Only the first MAX_TITLE_CHARS are read.
    if isinstance(title, str) and len(title) > MAX_TITLE_CHARS:
        title = title[:MAX_TITLE_CHARS]
    if isinstance(pack_size, str) and len(pack_size) > MAX_TITLE_CHARS:
        pack_size = pack_size[:MAX_TITLE_CHARS]
    category = category or classify(title)
    if pack_size:
        stated = read_quantity(pack_size, category) if isinstance(pack_size, str) else None
        if stated is not None and stated.quantity is not None and stated.rule != "default_single":
            return _row(category, stated.quantity, "pack_size", None)
        if stated is not None and stated.reason == IMPLAUSIBLE_QUANTITY:
            return _row(category, None, None, IMPLAUSIBLE_QUANTITY)
    reading = read_quantity(title, category)
    if reading.quantity is None:
        return _row(category, None, None, reading.reason or NO_QUANTITY)
    source = "default_single" if reading.rule == "default_single" else f"title:{reading.rule}"
    return _row(category, reading.quantity, source, None)


def _row(category: str, quantity: Quantity | None, source: str | None, reason: str | None) -> dict:
    return {
        "category": category,
        "quantity": quantity.value if quantity else None,
        "quantity_unit": quantity.unit if quantity else None,
        "quantity_source": source,
        "unnormalised_reason": reason,
    }


def resolve_quantities(title: pd.Series, pack_size: pd.Series | None = None,
                       category: pd.Series | None = None) -> pd.DataFrame:
    """Vectorised :func:`normalize_title` over aligned Series.

    Returns ``category, quantity, quantity_unit, quantity_source, unnormalised_reason`` on the title's index
    (quantity float64, NaN where absent; the others object, None where absent). Each distinct
    (title, pack_size, category) is read once.
    """
    frame = pd.DataFrame({
        "title": title.astype(object).where(title.notna(), None),
        "pack_size": (pack_size.astype(object).where(pack_size.notna(), None)
                      if pack_size is not None else None),
        "category": (category.astype(object).where(category.notna(), None)
                     if category is not None else None),
    }, index=title.index)
    keys = frame.drop_duplicates()
    solved = [normalize_title(t, p, c) for t, p, c in keys.itertuples(index=False, name=None)]
    keys = keys.assign(**{f"_{column}": [s[column] for s in solved] for column in RESULT_COLUMNS})
    merged = frame.merge(keys, on=["title", "pack_size", "category"], how="left", sort=False)
    merged.index = frame.index
    out = pd.DataFrame({column: _objects(merged[f"_{column}"]) for column in RESULT_COLUMNS}, index=frame.index)
    out["quantity"] = pd.to_numeric(merged["_quantity"], errors="coerce").astype("float64")
    return out


def _objects(column: pd.Series) -> pd.Series:
    column = column.astype(object)
    return column.where(column.notna(), None)


def unit_prices(price: pd.Series, shipping: pd.Series | None, quantity: pd.Series) -> pd.Series:
    """(price + shipping) / quantity as float64; NaN where the quantity or price is missing."""
    paid = price.astype("float64")
    if shipping is not None:
        paid = paid + shipping.astype("float64").fillna(0.0)
    qty = quantity.astype("float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        out = paid / qty.where(qty > 0)
    return out
