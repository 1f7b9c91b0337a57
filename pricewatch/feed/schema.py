"""Feed v1: the columns platforms send (DESIGN.md § Feed v1), defined once, and their validation.

Validation is vectorised: a chunk of rows goes in as strings, and out come the valid rows with typed columns and
the rejected rows, each with the first failing field and a reason that names it. Rows are never dropped: a row is
either valid or rejected.
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from pricewatch.normalize.category import TAXONOMY


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    contract: str


COLUMNS: tuple[Column, ...] = (
    Column("platform", True, "platform name, e.g. jd, tmall, amazon (at most 64 characters)"),
    Column("listing_id", True, "the platform's id for the listing (at most 256 characters)"),
    Column("observed_at", True, "ISO 8601 instant with offset or Z; a time without zone is rejected unless "
                                "--assume-tz is given"),
    Column("price", True, "decimal > 0 in `currency`, full stop as decimal separator, no thousands separator"),
    Column("currency", True, "ISO 4217 code, e.g. CNY, USD"),
    Column("seller_id", False, "the platform's id for the seller (at most 128 characters)"),
    Column("seller_name", False, "seller's display name (at most 256 characters)"),
    Column("seller_license", False, "business licence / registration number (links one entity across platforms; "
                                    "at most 128 characters)"),
    Column("title", False, "listing title as shown"),
    Column("url", False, "listing URL"),
    Column("category", False, "taxonomy id; classified from the title when absent"),
    Column("pack_size", False, '"50", "50 pcs", "1000 ml", "2.5 L", "16 fl oz", "500 g"; a bare number counts '
                               "pieces; parsed from the title when absent"),
    Column("shipping", False, "decimal >= 0 in `currency`"),
    Column("availability", False, "in_stock, out_of_stock, preorder or unknown (the default)"),
    Column("region", False, "ISO 3166-1/-2 code where the listing is sold (CN, CN-11, US-CA)"),
)
REQUIRED = tuple(c.name for c in COLUMNS if c.required)
OPTIONAL = tuple(c.name for c in COLUMNS if not c.required)
# Internal extras accepted from our own spiders (not part of feed v1): evidence hash and struck-through price.
EXTRAS = ("snapshot_sha256", "list_price")
AVAILABILITY = ("in_stock", "out_of_stock", "preorder", "unknown")

_DECIMAL = r"^\d+(?:\.\d+)?$"
# Column limits, checked before the database sees a row so that both backends refuse the same rows (PostgreSQL
# would abort the transaction, SQLite would store an over-long text or an infinite price).
MAX_LENGTH = {"platform": 64, "listing_id": 256, "seller_id": 128, "seller_name": 256, "seller_license": 128,
              "pack_size": 64, "snapshot_sha256": 64}
MAX_AMOUNT = 1e14  # Numeric(18, 4): fourteen digits before the decimal point
MIN_PRICE = 0.0001  # the smallest amount Numeric(18, 4) keeps (a smaller price would be stored as 0)
# pandas keeps instants in datetime64[ns]: 1677-09-21 … 2262-04-11. Whole years inside that range are accepted.
FIRST_YEAR, LAST_YEAR = 1678, 2261
# text no database stores: NUL (PostgreSQL refuses it) and lone UTF-16 surrogates (not encodable as UTF-8)
_SURROGATE = re.compile("[\ud800-\udfff]")
# a time of day followed by Z or an offset; "2020-01-20" (a date alone) has no zone even though it ends in "-20"
_NAIVE = r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?"
_ZONED = r"[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$"


@lru_cache(maxsize=1)
def currency_codes() -> frozenset[str]:
    import pycountry

    # ISO 4217 also lists codes that are not money (XXX "no currency", XTS testing, metals, SDR): refuse them
    not_money = {"XXX", "XTS", "XAU", "XAG", "XPD", "XPT", "XBA", "XBB", "XBC", "XBD", "XDR", "XSU", "XUA"}
    return frozenset(c.alpha_3 for c in pycountry.currencies) - not_money


# ISO 3166-2:CN used numeric codes (CN-11 Beijing, GB/T 2260) until 2017; Chinese feeds still send them.
LEGACY_CN = frozenset(f"CN-{n}" for n in (11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44,
                                          45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 91, 92))


@lru_cache(maxsize=4096)
def is_region(code: str) -> bool:
    import pycountry

    code = code.upper()
    if code in LEGACY_CN:
        return True
    if len(code) == 2:
        return pycountry.countries.get(alpha_2=code) is not None
    return pycountry.subdivisions.get(code=code) is not None


@dataclass
class Checked:
    """Outcome of validating one chunk: ``valid`` has typed columns; ``rejected`` has line, field, reason, raw."""

    valid: pd.DataFrame
    rejected: pd.DataFrame


def _objects(s: pd.Series) -> pd.Series:
    """Strings as Python objects with None (not pd.NA) for missing: what the database drivers bind."""
    return s.astype(object).where(s.notna(), None)


def validate(chunk: pd.DataFrame, *, assume_tz: str | None = None) -> Checked:
    """Validate a chunk of feed rows given as strings (missing optional columns allowed).

    ``chunk`` must carry a ``_line`` column (the row's line in its file, for messages). Returns the valid rows
    with: ``observed_at`` (UTC Timestamp), ``price``/``shipping``/``list_price`` (float, shipping NaN when
    absent), ``currency`` upper-cased, ``availability`` defaulted to ``unknown``, ``region`` upper-cased, the text
    columns stripped with blanks as None.
    """
    df = pd.DataFrame(index=chunk.index)
    surrogates: dict[str, pd.Series] = {}
    for name in (*REQUIRED, *OPTIONAL, *EXTRAS):
        if name in chunk.columns:
            values = chunk[name]
            try:
                col = values.astype("string")
            except UnicodeEncodeError:
                # a lone surrogate ("\ud800" in JSON) cannot become Arrow text: found on the slow path only
                surrogates[name] = values.map(lambda v: isinstance(v, str) and _SURROGATE.search(v) is not None)
                col = values.where(~surrogates[name], "").astype("string")
            col = col.str.strip()
            df[name] = col.mask(col == "")
        else:
            df[name] = pd.Series(pd.NA, index=chunk.index, dtype="string")

    field = pd.Series(pd.NA, index=chunk.index, dtype="object")
    reason = pd.Series(pd.NA, index=chunk.index, dtype="object")

    def fail(mask: pd.Series | np.ndarray, name: str, message) -> None:
        """Record ``name`` as the failing field of rows in ``mask`` that have not failed yet.

        ``message`` is a string, or a function of the failing rows' index returning their messages (built only
        for failing rows: on clean data nothing is formatted).
        """
        mask = pd.Series(mask, index=chunk.index).fillna(False).astype(bool) & field.isna()
        if not mask.any():
            return
        field[mask] = name
        reason[mask] = message(mask) if callable(message) else message

    def quoted(name: str, text: str):
        return lambda mask: f"{name}: '" + df.loc[mask, name].fillna("").astype(str).str.slice(0, 80) + "' " + text

    if "_malformed" in chunk.columns:
        malformed = chunk["_malformed"]
        fail(malformed.notna(), "row", lambda mask: "malformed row: " + malformed[mask].astype(str))
    for name, mask in surrogates.items():
        fail(mask, name, f"{name}: holds an unpaired UTF-16 surrogate (\\ud800…), which is not text; fix the "
                         "producer")
    for name in (*REQUIRED, *OPTIONAL, *EXTRAS):
        if _any_nul(df[name]):
            fail(df[name].str.contains("\x00", regex=False), name,
                 f"{name}: holds a NUL character, which is not text; fix the producer")
    for name in REQUIRED:
        fail(df[name].isna(), name, f"{name}: required value is missing")
    for name, most in MAX_LENGTH.items():
        fail(df[name].str.len() > most, name, f"{name}: longer than {most} characters")

    price_ok = df["price"].str.fullmatch(_DECIMAL).fillna(False).astype(bool)
    price = _amounts(df["price"], price_ok)
    fail(~price_ok, "price", quoted("price", "is not a decimal number (use 29.90, no currency sign or separators)"))
    fail(price_ok & ~(price > 0), "price", quoted("price", "must be greater than 0"))
    fail(price_ok & (price < MIN_PRICE), "price", quoted("price", f"is below the smallest amount kept ({MIN_PRICE})"))
    fail(price_ok & ~(price < MAX_AMOUNT), "price", quoted("price", "is too large (at most 14 digits before the "
                                                                     "decimal point)"))

    currency = df["currency"].str.upper()
    known = currency.isin(currency_codes()).fillna(False).astype(bool)
    fail(~known, "currency", quoted("currency", "is not an ISO 4217 currency code (e.g. CNY, USD)"))

    stamp = df["observed_at"]
    year = pd.to_numeric(stamp.str.slice(0, 4).where(stamp.str.match(r"\d{4}-")), errors="coerce")
    out_of_range = (year < FIRST_YEAR) | (year > LAST_YEAR) | stamp.str.match(r"\d{5}")
    fail(out_of_range, "observed_at", quoted("observed_at", f"is outside the years {FIRST_YEAR}–{LAST_YEAR} that "
                                                            "can be stored; check the producer's clock"))
    instant_text = df["observed_at"].mask(out_of_range.fillna(False).astype(bool) | field.notna())
    zoned = instant_text.str.contains(_ZONED, regex=True).fillna(False).astype(bool)
    observed_at = _parse_instants(instant_text, zoned, assume_tz)
    naive_like = df["observed_at"].str.fullmatch(_NAIVE).fillna(False).astype(bool)
    if assume_tz is None:
        fail(~zoned & naive_like, "observed_at", quoted("observed_at", "has no time zone (add Z or +08:00, or pass --assume-tz)"))
    fail(observed_at.isna(), "observed_at", quoted("observed_at", "is not an ISO 8601 instant"))

    shipping_present = df["shipping"].notna()
    shipping_ok = df["shipping"].str.fullmatch(_DECIMAL).fillna(False).astype(bool)
    fail(shipping_present & ~shipping_ok, "shipping", quoted("shipping", "is not a decimal number >= 0"))
    shipping = _amounts(df["shipping"], shipping_ok)
    fail(shipping_ok & ~(shipping < MAX_AMOUNT), "shipping", quoted("shipping", "is too large"))

    list_present = df["list_price"].notna()
    list_ok = df["list_price"].str.fullmatch(_DECIMAL).fillna(False).astype(bool)
    fail(list_present & ~list_ok, "list_price", quoted("list_price", "is not a decimal number"))
    list_price = _amounts(df["list_price"], list_ok)
    fail(list_ok & ~(list_price < MAX_AMOUNT), "list_price", quoted("list_price", "is too large"))

    sha = df["snapshot_sha256"]
    fail(sha.notna() & ~sha.str.fullmatch(r"[0-9a-f]{64}").fillna(False).astype(bool), "snapshot_sha256",
         "snapshot_sha256: not a lower-case hex SHA-256")

    availability = df["availability"].str.lower().fillna("unknown")
    fail(~availability.isin(AVAILABILITY), "availability",
         quoted("availability", "is not one of " + ", ".join(AVAILABILITY)))

    category = df["category"]
    fail(category.notna() & ~category.isin(TAXONOMY), "category",
         quoted("category", "is not a taxonomy id (see DESIGN.md: mask.surgical, hand_sanitizer…)"))

    region = df["region"].str.upper()
    distinct = region.dropna().unique()
    good = {code for code in distinct if is_region(str(code))}
    fail(region.notna() & ~region.isin(good), "region", quoted("region", "is not an ISO 3166-1/-2 code (CN, CN-11, US-CA)"))

    bad = field.notna()
    rejected = pd.DataFrame({
        "line": chunk["_line"][bad].astype("int64"),
        "field": field[bad].astype(object),
        "reason": reason[bad].astype(object),
    })
    raw_cols = [c for c in chunk.columns if c not in ("_line",)]
    rejected["raw"] = [_raw_json(record) for record in chunk.loc[bad, raw_cols].to_dict("records")] \
        if bad.any() else pd.Series(dtype=object)

    ok = ~bad
    valid = pd.DataFrame({
        "_line": chunk["_line"][ok],
        "platform": _objects(df["platform"][ok]),
        "listing_id": _objects(df["listing_id"][ok]),
        "observed_at": observed_at[ok],
        "price": price[ok],
        "shipping": shipping[ok],
        "list_price": list_price[ok],
        "currency": _objects(currency[ok]),
        "availability": _objects(availability[ok]),
        "region": _objects(region[ok]),
        "snapshot_sha256": _objects(df["snapshot_sha256"][ok]),
    })
    for name in ("seller_id", "seller_name", "seller_license", "title", "url", "category", "pack_size"):
        valid[name] = _objects(df[name][ok])
    return Checked(valid=valid, rejected=rejected)


def _any_nul(column: pd.Series) -> bool:
    """Whether any value holds NUL: one pass in Arrow when the column is Arrow text (the common case)."""
    try:
        import pyarrow as pa
        import pyarrow.compute as pc

        return bool(pc.any(pc.match_substring(pa.array(column.array), "\x00")).as_py())
    except (TypeError, ValueError, ImportError, pa.ArrowException):
        return bool(column.str.contains("\x00", regex=False).any())


def _raw_json(record: dict) -> str:
    """A rejected row as stored in quarantine: JSON of its fields, with what cannot be stored escaped."""
    clean = {str(k): (None if v is None or (isinstance(v, float) and v != v) or v is pd.NA else str(v))
             for k, v in record.items()}
    # ensure_ascii escapes NUL and lone surrogates as \\uXXXX, so the text is storable on every backend
    return json.dumps(clean, ensure_ascii=True)


def _amounts(text: pd.Series, ok: pd.Series) -> pd.Series:
    """Decimal strings (already matched) as float64; NaN where not ``ok``. 400 digits give inf, never an error."""
    return pd.to_numeric(text.where(ok), errors="coerce").astype("float64")


def _parse_instants(text: pd.Series, zoned: pd.Series, assume_tz: str | None) -> pd.Series:
    """UTC Timestamps; NaT where unparseable. Naive values are localised to ``assume_tz`` when given."""
    s = text
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns, UTC]")
    if zoned.any():
        out[zoned] = _to_utc(s[zoned], None)
    naive = ~zoned & text.notna()
    if assume_tz and naive.any():
        out[naive] = _to_utc(s[naive], assume_tz)
    return out


def _to_utc(text: pd.Series, local_tz: str | None) -> pd.Series:
    """ISO 8601 strings as datetime64[ns, UTC], NaT where they do not parse or fall outside the ns range.

    The vectorised parse handles a clean chunk; when it raises (a value pandas' fast path chokes on) the chunk is
    parsed value by value, so one odd value costs its own row only.
    """
    def parse(values: pd.Series) -> pd.Series:
        if local_tz is None:
            parsed = pd.to_datetime(values, format="ISO8601", utc=True, errors="coerce")
        else:
            parsed = pd.to_datetime(values, format="ISO8601", errors="coerce")
            if parsed.dt.tz is not None:
                parsed = parsed.dt.tz_convert("UTC")
            else:
                parsed = parsed.dt.tz_localize(local_tz, ambiguous="NaT", nonexistent="NaT").dt.tz_convert("UTC")
        return parsed.astype("datetime64[ns, UTC]")

    try:
        return parse(text)
    except (ValueError, OverflowError, TypeError):
        pass
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns, UTC]")
    for key, value in text.items():
        with contextlib.suppress(ValueError, OverflowError, TypeError):
            out[key] = parse(pd.Series([value]))[0]
    return out
