"""Feed v1 as a JSON Schema (draft 2020-12), generated from the one definition in ``pricewatch.feed.schema``.

Each property's ``description`` is the column's format contract (``schema.COLUMNS``); limits, code lists and
patterns come from the same constants the validator uses (``MAX_LENGTH``, ``currency_codes``, ``TAXONOMY``,
``AVAILABILITY``, ISO 3166 via pycountry). ``docs/feed-v1.schema.json`` is this schema written out
(``python -m pricewatch.feed.json_schema``); a test keeps the two identical.

The schema describes one row of a JSON Lines feed; a CSV row is the same object with every value a string (the
CSV profile in docs/feed-v1.md). It states the standard as platforms should send it: codes in upper case
(``CNY``, ``CN-11``) and availability in lower case. pricewatch's own validator is a little more lenient on
input (it upper-cases codes, strips blanks and, with ``--assume-tz``, accepts times without zone); a row the
schema accepts is always accepted by pricewatch.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from pricewatch.feed.schema import (
    AVAILABILITY,
    COLUMNS,
    FIRST_YEAR,
    LAST_YEAR,
    LEGACY_CN,
    MAX_AMOUNT,
    MAX_LENGTH,
    MIN_PRICE,
    currency_codes,
)
from pricewatch.normalize.category import TAXONOMY

SCHEMA_ID = "https://pricewatch.example/schemas/feed-v1.schema.json"
VERSION = "1.0"
DOC = Path(__file__).resolve().parents[2] / "docs" / "feed-v1.schema.json"

# NUL and unpaired UTF-16 surrogates are not text (PostgreSQL refuses the one, UTF-8 cannot hold the other)
_TEXT = r"^[^\x00\ud800-\udfff]*$"
_NOT_BLANK = r"^[^\x00\ud800-\udfff]*[^\s\x00\ud800-\udfff][^\x00\ud800-\udfff]*$"
# a decimal >= 0.0001 (the smallest amount kept) with full stop, no sign, no thousands separator: a non-zero
# integer part, or a non-zero digit among the first four decimals
_POSITIVE_DECIMAL = (r"^(?=[0-9]{1,14}(\.[0-9]+)?$)([0-9]*[1-9][0-9]*(\.[0-9]+)?|"
                     r"0+\.(?=[0-9]{0,3}[1-9])[0-9]+)$")
_DECIMAL = r"^[0-9]{1,14}(\.[0-9]+)?$"


def _year_pattern(first: int, last: int) -> str:
    """A regex alternative matching the four-digit years first…last (1678…2261: what nanosecond instants hold)."""
    assert (first, last) == (1678, 2261), "update the hand-built year pattern with the range"
    return "(167[89]|16[89][0-9]|1[7-9][0-9]{2}|20[0-9]{2}|21[0-9]{2}|22[0-5][0-9]|226[01])"


def _instant_pattern() -> str:
    year = _year_pattern(FIRST_YEAR, LAST_YEAR)
    # month and day in range (29 February of a common year passes the pattern; "format": "date-time" and
    # pricewatch's validator refuse it), hours 00-23, minutes 00-59, seconds 00-60 (leap second), offsets < 24 h
    day = ("((01|03|05|07|08|10|12)-(0[1-9]|[12][0-9]|3[01])|(04|06|09|11)-(0[1-9]|[12][0-9]|30)|"
           "02-(0[1-9]|1[0-9]|2[0-9]))")
    return (rf"^{year}-{day}[T ]([01][0-9]|2[0-3]):[0-5][0-9](:([0-5][0-9]|60)([.,][0-9]+)?)?"
            r"([zZ]|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)$")


@lru_cache(maxsize=1)
def region_codes() -> tuple[str, ...]:
    """ISO 3166-1 alpha-2 and ISO 3166-2 codes (and the legacy numeric CN codes), upper case, sorted."""
    import pycountry

    codes = {c.alpha_2 for c in pycountry.countries} | {s.code.upper() for s in pycountry.subdivisions}
    return tuple(sorted(codes | set(LEGACY_CN)))


def _property(name: str) -> dict:
    """The JSON Schema of one column (without its description)."""
    limit = {"maxLength": MAX_LENGTH[name]} if name in MAX_LENGTH else {}
    if name in ("platform", "listing_id"):
        return {"type": "string", "minLength": 1, "pattern": _NOT_BLANK, **limit}
    if name == "observed_at":
        return {"type": "string", "format": "date-time", "pattern": _instant_pattern()}
    if name == "price":
        return {"oneOf": [{"type": "string", "pattern": _POSITIVE_DECIMAL},
                          {"type": "number", "minimum": MIN_PRICE, "exclusiveMaximum": MAX_AMOUNT}]}
    if name == "shipping":
        return {"oneOf": [{"type": "string", "pattern": _DECIMAL},
                          {"type": "number", "minimum": 0, "exclusiveMaximum": MAX_AMOUNT}, {"type": "null"}]}
    if name == "currency":
        return {"type": "string", "enum": sorted(currency_codes())}
    if name == "availability":
        return {"enum": [*AVAILABILITY, "", None]}
    if name == "category":
        return {"enum": [*TAXONOMY, "", None]}
    if name == "region":
        return {"enum": [*region_codes(), "", None]}
    if name == "pack_size":
        return {"type": ["string", "number", "null"], "pattern": _TEXT, **limit}
    return {"type": ["string", "null"], "pattern": _TEXT, **limit}


def feed_schema() -> dict:
    """The feed v1 row schema: one property per column of ``pricewatch.feed.schema.COLUMNS``, in that order."""
    properties = {}
    for column in COLUMNS:
        prop = _property(column.name)
        properties[column.name] = {"description": column.contract + ("" if column.required else " (optional)"),
                                   **prop}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": f"pricewatch feed v1 row (version {VERSION})",
        "description": "One price observation of one listing, as a platform sends it: one JSON Lines object, or "
                       "one CSV row whose values are the same strings (docs/feed-v1.md § CSV profile). An empty "
                       "string or null in an optional column means the value is absent. Columns not listed are "
                       "ignored by v1 readers (see the versioning policy).",
        "type": "object",
        "required": [c.name for c in COLUMNS if c.required],
        "properties": properties,
        "additionalProperties": True,
    }


def render() -> str:
    return json.dumps(feed_schema(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    DOC.write_text(render(), encoding="utf-8")
    print(f"wrote {DOC}")
