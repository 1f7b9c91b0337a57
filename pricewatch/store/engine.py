"""Engine set-up and schema upgrades.

SQLite (the embedded default) runs in WAL mode with foreign keys on and a busy timeout, so a service and a
CLI command can share the file. PostgreSQL is used through ``postgresql+psycopg://`` URLs. Either way the
schema is brought to the newest Alembic revision on first use (``auto_upgrade``), or explicitly by
``pricewatch db upgrade``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.orm import Session, sessionmaker

from pricewatch.config import Settings, load_settings

MIGRATIONS = Path(__file__).parent / "migrations"
_upgrade_lock = threading.Lock()


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` and use psycopg 3 for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 60})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # noqa: ANN001
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=60000")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config(url: str):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` on ``engine``'s database."""
    from alembic import command

    with _upgrade_lock, engine.begin() as conn:
        cfg = alembic_config(str(engine.url.render_as_string(hide_password=False)))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    head = script.get_current_head()
    assert head is not None
    return head


@dataclass
class Database:
    """An engine plus a session factory, for one configured database."""

    engine: Engine
    settings: Settings

    def __post_init__(self) -> None:
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def session(self) -> Session:
        return self._sessions()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def has_schema(self) -> bool:
        return inspect(self.engine).has_table("price_observation")

    def raw_rows(self, sql: str) -> list[tuple]:
        """All rows of one read-only ``sql`` through the driver's own cursor, as tuples: no ORM or per-value
        type conversion, for the bulk reads that feed DataFrames (values come as the driver returns them)."""
        with self.engine.connect() as conn:
            cursor = conn.connection.cursor()
            try:
                cursor.execute(sql)
                return [tuple(row) for row in cursor.fetchall()]
            finally:
                cursor.close()


def open_database(settings: Settings | None = None, *, auto_upgrade: bool = True, url: str | None = None) -> Database:
    """Open the configured database and bring its schema up to date.

    ``url`` overrides the configured URL (tests, benchmarks). With ``auto_upgrade`` the schema is upgraded to the
    newest revision when it is behind; that is idempotent and cheap when it is current.
    """
    settings = settings or load_settings()
    engine = make_engine(url or settings.database_url)
    if auto_upgrade and current_revision(engine) != head_revision():
        upgrade(engine)
    return Database(engine=engine, settings=settings)
