"""price_observation partitioned by month on PostgreSQL

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 21:40:00

PostgreSQL: ``price_observation`` becomes a table range-partitioned on ``observed_at`` by UTC calendar month
(see ``pricewatch.store.partitions``). An existing table is converted in one transaction: its constraints are
dropped and it is renamed aside, the partitioned table is created with the same columns (``LIKE``), partitions for
every month holding rows plus this month and three ahead, and a DEFAULT partition, the rows are copied (ids kept),
the old table dropped, and the id sequence handed to the new table so new ids continue after the old ones.
Keys: primary key (id, observed_at), unique (listing_id, observed_at, source) as before, the same foreign keys,
a BRIN index on observed_at instead of the B-tree. The copy holds an exclusive lock: plan a maintenance window
for a large database (about a minute per 10 M rows on ordinary hardware).

SQLite: nothing changes (the plain table stays).
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op

import pricewatch.store.models  # noqa: F401

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

_COLUMNS = ("id, listing_id, observed_at, price, shipping, currency, availability, quantity, quantity_unit, "
            "unit_price, list_price, source, snapshot_sha256, conflict, file_id, line")
_FOREIGN_KEYS = (
    "ALTER TABLE price_observation ADD CONSTRAINT fk_price_observation_listing_id_listing "
    "FOREIGN KEY (listing_id) REFERENCES listing (id)",
    "ALTER TABLE price_observation ADD CONSTRAINT fk_price_observation_snapshot_sha256_snapshot "
    "FOREIGN KEY (snapshot_sha256) REFERENCES snapshot (sha256)",
)


def _strip_old(run) -> str:
    """Rename the current table aside without constraints or indexes; returns its id sequence's name."""
    sequence = op.get_bind().exec_driver_sql(
        "SELECT pg_get_serial_sequence('price_observation', 'id')").scalar()
    run(f"ALTER SEQUENCE {sequence} OWNED BY NONE")  # otherwise dropping the old table drops the sequence
    run("ALTER TABLE price_observation RENAME TO price_observation_old")
    for name in ("fk_price_observation_listing_id_listing", "fk_price_observation_snapshot_sha256_snapshot",
                 "uq_price_observation_listing_time_source", "pk_price_observation"):
        run(f"ALTER TABLE price_observation_old DROP CONSTRAINT IF EXISTS {name}")
    run("DROP INDEX IF EXISTS ix_price_observation_observed_at")
    return sequence


def _finish(run, sequence: str) -> None:
    run("DROP TABLE price_observation_old")
    run(f"ALTER SEQUENCE {sequence} OWNED BY price_observation.id")
    for statement in _FOREIGN_KEYS:
        run(statement)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    from pricewatch.store.partitions import DEFAULT, SCHEMA, create_month, ensure_partitions

    run = bind.exec_driver_sql
    sequence = _strip_old(run)
    run("CREATE TABLE price_observation (LIKE price_observation_old INCLUDING DEFAULTS) "
        "PARTITION BY RANGE (observed_at)")
    run("ALTER TABLE price_observation ADD CONSTRAINT pk_price_observation PRIMARY KEY (id, observed_at)")
    run("ALTER TABLE price_observation ADD CONSTRAINT uq_price_observation_listing_time_source "
        "UNIQUE (listing_id, observed_at, source)")
    run("CREATE INDEX ix_price_observation_observed_at ON price_observation USING brin (observed_at)")
    run(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    run(f"CREATE TABLE {SCHEMA}.{DEFAULT} PARTITION OF price_observation DEFAULT")
    # every month holding rows gets its partition before the copy, so each row is written once
    months = run("SELECT DISTINCT date_trunc('month', observed_at AT TIME ZONE 'UTC')::date "
                 "FROM price_observation_old").scalars().all()
    for month in sorted(months):
        create_month(bind, month)
    ensure_partitions(bind, ahead=3)
    run(f"INSERT INTO price_observation ({_COLUMNS}) SELECT {_COLUMNS} FROM price_observation_old")
    _finish(run, sequence)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    from pricewatch.store.partitions import SCHEMA

    run = bind.exec_driver_sql
    sequence = _strip_old(run)
    run("CREATE TABLE price_observation (LIKE price_observation_old INCLUDING DEFAULTS)")
    run("ALTER TABLE price_observation ADD CONSTRAINT pk_price_observation PRIMARY KEY (id)")
    run("ALTER TABLE price_observation ADD CONSTRAINT uq_price_observation_listing_time_source "
        "UNIQUE (listing_id, observed_at, source)")
    run(f"INSERT INTO price_observation ({_COLUMNS}) SELECT {_COLUMNS} FROM price_observation_old")
    run("CREATE INDEX ix_price_observation_observed_at ON price_observation (observed_at)")
    _finish(run, sequence)
    run(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
