"""Shared fixtures: a real database per test, on SQLite (default) or PostgreSQL.

Backend choice: ``PRICEWATCH_TEST_BACKEND=sqlite`` (default) or ``postgresql``. On PostgreSQL each test gets its
own database cloned from a per-worker template that already carries the schema, so tests are isolated and
fast. The server is ``PRICEWATCH_TEST_PG`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``).
When PostgreSQL is selected but unreachable the tests fail; they never skip.

Backend-independent tests (marker ``backend_independent``, set here at collection, never by hand): a test whose
fixtures do not reach ``pg_template`` — the root of every database fixture below (``database_url``, ``db``,
``workdir``, ``run_cli``, ``module_db``) — and whose module never reads this file's ``BACKEND``/``PG_ADMIN_URL``
runs exactly the same code whichever backend is selected, because ``PRICEWATCH_TEST_BACKEND`` and
``PRICEWATCH_TEST_PG`` are read nowhere else (not by pricewatch itself). ``make test-postgres`` deselects those
tests (``-m "not backend_independent"``): they already ran in the SQLite half. A new fixture that opens a
database must depend on ``pg_template`` (directly or through ``database_url``) so that its tests stay in both
halves; a module that reads ``BACKEND`` itself is kept whole.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
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


@contextmanager
def _fresh_database(directory: Path, pg_template: str | None) -> Iterator[str]:
    """A fresh, empty (schema only) database, removed afterwards; its URL."""
    if BACKEND != "postgresql":
        yield f"sqlite:///{directory / 'pricewatch.db'}"
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
def database_url(tmp_path: Path, pg_template: str | None) -> Iterator[str]:
    """A fresh, empty (schema only) database for this test; its URL."""
    with _fresh_database(tmp_path, pg_template) as url:
        yield url


@pytest.fixture(scope="module")
def module_db(tmp_path_factory: pytest.TempPathFactory, pg_template: str | None) -> Iterator[Database]:
    """An open, upgraded database shared by the tests of one module, for a set-up too costly to repeat per test
    (tests/test_feed_corpus.py ingests its whole corpus once). Its tests must only read what that set-up wrote."""
    from pricewatch.store import open_database

    directory = tmp_path_factory.mktemp("module_db")
    with _fresh_database(directory, pg_template) as url, pytest.MonkeyPatch.context() as mp:
        mp.chdir(directory)  # no pricewatch.toml of the caller's is read
        mp.delenv("PRICEWATCH_CONFIG", raising=False)
        database = open_database(load_settings(), url=url)
        yield database
        database.engine.dispose()


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
def seeded_api(db: Database) -> Iterator[tuple[str, dict[str, str]]]:
    """The live API on 127.0.0.1 over ``db`` holding api_seed's listing of jd's and its notified violation;
    yields (base_url, one key per role). Shared by tests/test_api_docs.py and tests/test_api_schema.py."""
    from api_seed import role_keys, seed_violation

    from pricewatch.api.serve import serve_api

    seed_violation(db)
    keys = role_keys(db)
    with serve_api(db) as base:
        yield base, keys


@pytest.fixture
def run_cli(workdir: Path):
    """Invoke ``pricewatch ARGS…`` in-process; returns click's Result (exit_code, output, stderr)."""
    from click.testing import CliRunner

    from pricewatch.cli import cli

    def _run(*args: str, input: str | None = None):
        runner = CliRunner()
        return runner.invoke(cli, list(args), input=input, catch_exceptions=False)

    return _run


# fixtures through which a test reaches a database of the selected backend (every one depends on pg_template)
_BACKEND_ROOT = "pg_template"
_READS_BACKEND = re.compile(r"\b(BACKEND|PG_ADMIN_URL|_pg_url)\b")


@pytest.hookimpl(tryfirst=True)  # before -m selects on it
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark ``backend_independent`` every test that provably runs the same on either backend (module docstring)."""
    module_reads_backend: dict[str, bool] = {}
    handmade = []
    for item in items:
        names = getattr(item, "fixturenames", None)
        module = getattr(item, "module", None)
        if names is None or module is None:
            continue
        if item.get_closest_marker("backend_independent") is not None:
            handmade.append(item.nodeid)
            continue
        key = module.__name__
        if key not in module_reads_backend:
            source = Path(module.__file__).read_text(encoding="utf-8")
            module_reads_backend[key] = bool(_READS_BACKEND.search(source))
        if _BACKEND_ROOT not in names and not module_reads_backend[key]:
            item.add_marker(pytest.mark.backend_independent)
    if handmade:
        raise pytest.UsageError("backend_independent is derived from a test's fixtures, not set by hand: "
                                + ", ".join(handmade[:5]))
