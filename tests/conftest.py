"""Shared fixtures: a real database per test, on SQLite (default) or PostgreSQL.

Backend choice: ``PRICEWATCH_TEST_BACKEND=sqlite`` (default) or ``postgresql``. On PostgreSQL each test gets its
own database cloned from a per-worker template that already carries the schema, so tests are isolated and
fast. The server is ``PRICEWATCH_TEST_PG`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``).
When PostgreSQL is selected but unreachable the tests fail; they never skip.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from pricewatch.config import load_settings
from pricewatch.store.engine import Database, make_engine, upgrade

BACKEND = os.environ.get("PRICEWATCH_TEST_BACKEND", "sqlite")
PG_ADMIN_URL = os.environ.get("PRICEWATCH_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
DATA = Path(__file__).parent / "data"


def _pg_url(dbname: str) -> str:
    base, _, _ = PG_ADMIN_URL.rpartition("/")
    return f"{base}/{dbname}"


@pytest.fixture(scope="session")
def pg_template(worker_id: str = "master") -> Iterator[str | None]:
    if BACKEND != "postgresql":
        yield None
        return
    name = f"pw_tmpl_{os.getpid()}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(_pg_url(name))
    upgrade(engine)
    engine.dispose()
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def database_url(tmp_path: Path, pg_template: str | None) -> Iterator[str]:
    """A fresh, empty (schema only) database for this test; its URL."""
    if BACKEND != "postgresql":
        yield f"sqlite:///{tmp_path / 'pricewatch.db'}"
        return
    name = f"pw_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"'))
    yield _pg_url(name)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str) -> Path:
    """Run the test in an empty working directory whose pricewatch commands use ``database_url``."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PRICEWATCH_DATABASE_URL", database_url)
    monkeypatch.delenv("PRICEWATCH_CONFIG", raising=False)
    return tmp_path


@pytest.fixture
def db(workdir: Path, database_url: str) -> Iterator[Database]:
    """An open, upgraded database (the same one the CLI sees in ``workdir``)."""
    from pricewatch.store import open_database

    database = open_database(load_settings(), url=database_url)
    yield database
    database.engine.dispose()


@pytest.fixture
def run_cli(workdir: Path):
    """Invoke ``pricewatch ARGS…`` in-process; returns click's Result (exit_code, output, stderr)."""
    from click.testing import CliRunner

    from pricewatch.cli import cli

    def _run(*args: str, input: str | None = None):
        runner = CliRunner()
        return runner.invoke(cli, list(args), input=input, catch_exceptions=False)

    return _run
