"""How precise a number is, decided once: money, unit prices and percentages for every surface.

Every table, CSV, Parquet file, JSON answer and chart label takes its numbers from here, so the same value reads
the same everywhere and no export carries binary float noise (``0.20679999999999998``):

- **money** (``price``, ``shipping``): the currency's minor unit (CLDR via babel: CNY/USD 2 decimals, JPY 0,
  KWD 3);
- **unit prices** (per piece, ml or g): at least :data:`UNIT_PRICE_DIGITS` significant digits and never fewer
  decimals than the currency's minor unit (0.2068 CNY/ml, 0.01235 USD/ml, 1,234.57 CNY/piece);
- **percentages** (``increase_pct``): 0.01 %, rounded once when the alert is computed (``analysis.violations``)
  and shown whole-percent by :func:`analysis.explain.percent` in the explanation, ``alerts list`` and the digest.

Rounded values stay ``float64`` in DataFrames: each is the double nearest to its decimal, so ``repr``, CSV and
JSON print exactly that decimal. :func:`as_decimal` turns them into :class:`decimal.Decimal`; Parquet files store
them as ``decimal128`` (:data:`MONEY_TYPE`, :data:`UNIT_PRICE_TYPE`). Rounding is half-to-even on the binary value.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa

UNIT_PRICE_DIGITS = 4
MAX_DECIMALS = 10  # a unit price below 1e-10 of a currency per unit is 0 (none exist in protective goods)
MONEY_TYPE = pa.decimal128(18, 4)  # as stored (Numeric(18, 4)): every currency's minor unit fits
UNIT_PRICE_TYPE = pa.decimal128(28, MAX_DECIMALS)
MONEY_COLUMNS = ("price", "shipping", "list_price")
UNIT_PRICE_COLUMNS = ("unit_price", "median", "min", "max", "baseline_unit_price", "observed_unit_price",
                      "threshold_unit_price")
PERCENT_COLUMNS = ("increase_pct",)


@lru_cache(maxsize=512)
def minor_digits(currency: str | None) -> int:
    """Decimals of the currency's minor unit (CLDR); 2 for an unknown or missing code."""
    from babel.numbers import get_currency_precision

    if not currency or not isinstance(currency, str):
        return 2
    try:
        return int(get_currency_precision(currency.upper()))
    except Exception:  # babel raises for codes it does not know
        return 2


def _minor(currency: pd.Series | str | None, n: int) -> np.ndarray:
    if currency is None or isinstance(currency, str):
        return np.full(n, minor_digits(currency), dtype="int64")
    codes, uniques = pd.factorize(pd.Series(currency).fillna(""))
    table = np.array([minor_digits(c) for c in uniques] or [2], dtype="int64")
    return np.where(codes >= 0, table[np.maximum(codes, 0)], 2)


def _round(values: np.ndarray, decimals: np.ndarray) -> np.ndarray:
    # an integer divided by a power of ten is correctly rounded: the result is the double nearest the decimal
    scale = np.power(10.0, decimals)
    with np.errstate(invalid="ignore", over="ignore"):
        return np.round(values * scale) / scale


def unit_price_decimals(values: pd.Series | np.ndarray, currency: pd.Series | str | None = None) -> np.ndarray:
    """Decimals each unit price keeps (see the module docstring)."""
    v = np.asarray(values, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        magnitude = np.floor(np.log10(np.abs(v)))
    decimals = np.where(np.isfinite(magnitude), UNIT_PRICE_DIGITS - 1 - magnitude, 0)
    return np.clip(np.maximum(decimals, _minor(currency, len(v))), 0, MAX_DECIMALS).astype("int64")


def round_unit_price(values: pd.Series | np.ndarray, currency: pd.Series | str | None = None) -> np.ndarray:
    """Unit prices rounded to :data:`UNIT_PRICE_DIGITS` significant digits (at least the minor unit); NaN kept."""
    v = np.asarray(values, dtype="float64")
    return _round(v, unit_price_decimals(v, currency))


def round_money(values: pd.Series | np.ndarray, currency: pd.Series | str | None = None) -> np.ndarray:
    """Amounts rounded to the currency's minor unit; NaN kept."""
    v = np.asarray(values, dtype="float64")
    return _round(v, _minor(currency, len(v)))


def round_percent(values: pd.Series | np.ndarray) -> np.ndarray:
    return _round(np.asarray(values, dtype="float64"), np.full(len(np.atleast_1d(values)), 2))


def round_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every known money, unit-price and percentage column rounded (currency from ``currency``)."""
    out = frame.copy()
    currency = out.get("currency")
    for name in out.columns:
        if name in MONEY_COLUMNS:
            out[name] = round_money(out[name], currency)
        elif name in UNIT_PRICE_COLUMNS:
            out[name] = round_unit_price(out[name], currency)
        elif name in PERCENT_COLUMNS:
            out[name] = round_percent(out[name])
    return out


def as_decimal(values: pd.Series) -> pd.Series:
    """Rounded floats as :class:`~decimal.Decimal` (``Decimal('0.2068')``, not the binary expansion); NaN → None."""
    return pd.Series([None if v is None or v != v else Decimal(repr(float(v))) for v in values.tolist()],
                     index=values.index, dtype=object)


def text(value: float | None, decimals: int | None = None) -> str:
    """A rounded value as table text with thousands separators; ``decimals`` pads (money: ``25.00``)."""
    if value is None or value != value:
        return ""
    exact = Decimal(repr(float(value)))
    places = max(-exact.as_tuple().exponent, decimals or 0, 0)
    return f"{exact:,.{places}f}"


def money_text(value: float | None, currency: str | None) -> str:
    return text(value, minor_digits(currency))


def unit_price_text(value: float | None, currency: str | None) -> str:
    return text(value, minor_digits(currency))


def arrow_table(frame: pd.DataFrame) -> pa.Table:
    """``frame`` as an Arrow table whose money and unit-price columns are ``decimal128`` (exact in Parquet)."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    for name in frame.columns:
        kind = MONEY_TYPE if name in MONEY_COLUMNS else UNIT_PRICE_TYPE if name in UNIT_PRICE_COLUMNS else None
        if name in PERCENT_COLUMNS:
            kind = pa.decimal128(12, 2)
        if kind is None:
            continue
        column = pa.array(as_decimal(frame[name].astype("float64")).tolist(), type=kind)
        table = table.set_column(table.schema.get_field_index(name), pa.field(name, kind), column)
    # pandas' metadata would still describe these columns as float64
    return table.replace_schema_metadata(None)
