"""Monthly partitions of ``price_observation`` on PostgreSQL.

On PostgreSQL ``price_observation`` is declaratively range-partitioned on ``observed_at`` (UTC) by calendar month:
one partition per month, ``observation_months.y2026m12`` for December 2026 (UTC bounds, the upper one
exclusive), plus ``observation_months.other``, the DEFAULT partition, so that no row is ever refused — a month
nobody created ahead (a platform sending 2019 history, a clock in the future) lands there until
:func:`ensure_partitions` gives it its own partition and moves its rows.

Partitions live in their own schema, ``observation_months``, so that tools listing the tables of ``public``
(``\\dt``, Alembic's autogenerate in ``tests/test_store.py``) see one table, as on SQLite.

Keys: the primary key is (id, observed_at) and the unique key (listing_id, observed_at, source) — PostgreSQL
requires the partition key in both; the id sequence is shared by all partitions, so ids stay unique.
``observed_at`` carries a BRIN index (tiny, and partitions are filled roughly in time order).

SQLite keeps the plain table: every function here returns at once (and does nothing) on another dialect.

Why hand-written: PostgreSQL creates no partitions on its own and pg_partman is an extension the project cannot
assume on a managed server; what is needed (create months ahead, move rows out of DEFAULT) is a few statements.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Connection, Engine

SCHEMA = "observation_months"
PARENT = "price_observation"
DEFAULT = "other"
# one maintenance run at a time per database (several services may schedule it)
_LOCK_KEY = 0x70770006


def month_start(value: date | datetime) -> date:
    return date(value.year, value.month, 1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def partition_name(month: date) -> str:
    return f"y{month.year:04d}m{month.month:02d}"


def _bound(month: date) -> str:
    return f"'{month.isoformat()} 00:00:00+00'"


def is_partitioned(conn: Connection) -> bool:
    """True when ``price_observation`` is a partitioned table (PostgreSQL after revision 0006)."""
    if conn.dialect.name != "postgresql":
        return False
    return bool(conn.exec_driver_sql(
        "SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
        "WHERE c.oid = to_regclass('public.price_observation')").scalar())


@dataclass(frozen=True)
class Partition:
    """One partition: its qualified name, its month (None for DEFAULT), and PostgreSQL's row estimate."""

    name: str
    month: date | None
    rows: int


def list_partitions(conn: Connection) -> list[Partition]:
    """The partitions of ``price_observation``, months in order, DEFAULT last (empty on SQLite)."""
    if not is_partitioned(conn):
        return []
    rows = conn.exec_driver_sql(
        "SELECT n.nspname || '.' || c.relname, c.relname, GREATEST(c.reltuples, 0)::bigint "
        "FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE i.inhparent = 'public.price_observation'::regclass").all()
    out = []
    for qualified, name, estimate in rows:
        month = None if name == DEFAULT else date(int(name[1:5]), int(name[6:8]), 1)
        out.append(Partition(qualified, month, int(estimate)))
    return sorted(out, key=lambda p: (p.month is None, p.month or date.min))


def _existing_months(conn: Connection) -> set[date]:
    return {p.month for p in list_partitions(conn) if p.month is not None}


def create_month(conn: Connection, month: date) -> bool:
    """Give ``month`` its own partition unless it has one; rows of that month waiting in DEFAULT move into it.

    Runs in the caller's transaction. DEFAULT is locked first: a row of that month inserted between the move and
    the ATTACH would make the ATTACH fail. Returns True when a partition was created.
    """
    month = month_start(month)
    if month in _existing_months(conn):
        return False
    name, lo, hi = partition_name(month), _bound(month), _bound(next_month(month))
    other = f"{SCHEMA}.{DEFAULT}"
    conn.exec_driver_sql(f"LOCK TABLE {other} IN ACCESS EXCLUSIVE MODE")
    conn.exec_driver_sql(f"CREATE TABLE {SCHEMA}.{name} (LIKE {PARENT} INCLUDING DEFAULTS)")
    conn.exec_driver_sql(
        f"WITH moved AS (DELETE FROM {other} WHERE observed_at >= {lo} AND observed_at < {hi} RETURNING *) "
        f"INSERT INTO {SCHEMA}.{name} SELECT * FROM moved")
    # the CHECK lets ATTACH skip its validation scan; PostgreSQL creates the partition's indexes on ATTACH
    conn.exec_driver_sql(f"ALTER TABLE {SCHEMA}.{name} ADD CONSTRAINT {name}_range "
                         f"CHECK (observed_at IS NOT NULL AND observed_at >= {lo} AND observed_at < {hi})")
    conn.exec_driver_sql(f"ALTER TABLE {PARENT} ATTACH PARTITION {SCHEMA}.{name} FOR VALUES FROM ({lo}) TO ({hi})")
    conn.exec_driver_sql(f"ALTER TABLE {SCHEMA}.{name} DROP CONSTRAINT {name}_range")
    return True


def ensure_partitions(conn: Connection, *, ahead: int = 3, now: datetime | None = None,
                      since: date | None = None) -> list[str]:
    """Create the partitions of this month and the next ``ahead`` months, of every month from ``since`` on (before
    loading history, so its rows go straight to their months), and one for every month that has rows waiting in
    DEFAULT (which then leave it). Returns the names created, in month order; [] on SQLite.

    Idempotent, and serialised by an advisory lock so several services may schedule it.
    """
    if not is_partitioned(conn):
        return []
    if ahead < 0:
        raise ValueError("ahead must be 0 or more months")
    conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_LOCK_KEY})")
    month = month_start(now or datetime.now(UTC))
    wanted = {month}
    for _ in range(ahead):
        month = next_month(month)
        wanted.add(month)
    if since is not None:
        month = month_start(since)
        while month < max(wanted):
            wanted.add(month)
            month = next_month(month)
    waiting = conn.exec_driver_sql(
        f"SELECT DISTINCT date_trunc('month', observed_at AT TIME ZONE 'UTC')::date FROM {SCHEMA}.{DEFAULT}").scalars()
    wanted |= set(waiting)
    return [partition_name(m) for m in sorted(wanted) if create_month(conn, m)]


def maintain(engine: Engine, *, ahead: int = 3, since: date | None = None) -> list[str]:
    """:func:`ensure_partitions` in its own transaction (the CLI command and the service job)."""
    with engine.begin() as conn:
        return ensure_partitions(conn, ahead=ahead, since=since)
