"""What every pricewatch model shares: the declarative ``Base``, its naming convention and the column types.

Contracts of the types defined here:
- :class:`UTCDateTime`: timezone-aware UTC in Python, ``timestamptz`` on PostgreSQL, an ISO text in UTC on
  SQLite. Naive datetimes are refused. Convert to the display zone only when showing a value.
- ``Money``: ``Numeric(18, 4)`` read back as float; an amount is always stored beside its ISO 4217 ``currency``.
- ``BigId``: BIGINT on PostgreSQL, INTEGER on SQLite (so the column is the rowid alias and autoincrements).
- ``utcnow()``: the current instant, timezone-aware UTC (the default of every ``*_at`` column that has one).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Integer, MetaData, Numeric
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# BIGINT on PostgreSQL, but INTEGER on SQLite so the column is the rowid alias and autoincrements.
BigId = BigInteger().with_variant(Integer(), "sqlite")
Money = Numeric(18, 4, asdecimal=False)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes in and out. Naive input is refused (it would be ambiguous)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, str):
            return value  # already-normalised UTC text from the bulk path
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pricewatch stores only timezone-aware instants")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
