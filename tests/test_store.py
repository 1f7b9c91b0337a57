"""Storage: migrations apply on first use and by `pricewatch db upgrade`; SQLite runs in WAL with foreign keys."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import IntegrityError

from pricewatch.store.engine import current_revision, head_revision
from pricewatch.store.models import Base, Listing, Platform


def test_schema_is_at_head_with_every_table(db):
    assert current_revision(db.engine) == head_revision()
    tables = set(inspect(db.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_migration_matches_the_models(db):
    """Alembic's autogenerate finds nothing to add: models and migrations agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), Base.metadata)
    assert diff == []


def test_connection_settings(db):
    if db.dialect == "postgresql":
        with db.engine.connect() as conn:
            assert conn.execute(text("SHOW TimeZone")).scalar()  # timestamptz columns; values come back in UTC
        return
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_foreign_keys_are_enforced(db):
    with pytest.raises(IntegrityError), db.session() as s:
        s.add(Listing(platform_id=999, listing_key="x"))
        s.commit()


def test_times_come_back_aware_utc(db):
    with db.session() as s:
        s.add(Platform(name="jd", created_at=datetime(2020, 1, 20, 10, tzinfo=UTC).astimezone()))
        s.commit()
    with db.session() as s:
        created = s.scalar(select(Platform.created_at))
    assert created == datetime(2020, 1, 20, 10, tzinfo=UTC)
    assert created.utcoffset().total_seconds() == 0


def test_naive_datetimes_are_refused(db):
    with pytest.raises(Exception, match="naive datetime"), db.session() as s:
        s.add(Platform(name="jd", created_at=datetime(2020, 1, 20, 10)))
        s.commit()


def test_db_upgrade_command(run_cli):
    result = run_cli("db", "upgrade")
    assert result.exit_code == 0, result.output
    assert head_revision() in result.output
    result = run_cli("db", "current")
    assert f"current: {head_revision()}" in result.output
