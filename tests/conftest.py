"""Shared fixtures: a real database per test, on SQLite (default) or PostgreSQL.

Backend choice: ``PRICEWATCH_TEST_BACKEND=sqlite`` (default) or ``postgresql``. On PostgreSQL each test gets its
own database cloned from a per-worker template that already carries the schema, so tests are isolated and
fast (the clone is made while the previous test runs and dropped while the next one runs: ``_Clones``). The
server is ``PRICEWATCH_TEST_PG`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``). When
PostgreSQL is selected but unreachable the tests fail; they never skip.

Backend-independent tests (marker ``backend_independent``, set here at collection, never by hand): a test whose
fixtures do not reach ``pg_template`` — the root of every database fixture below (``pg_clones``,
``database_url``, ``db``, ``workdir``, ``run_cli``, ``module_db``) — and whose module never reads this file's
``BACKEND``/``PG_ADMIN_URL`` runs exactly the same code whichever backend is selected, because
``PRICEWATCH_TEST_BACKEND`` and ``PRICEWATCH_TEST_PG`` are read nowhere else (not by pricewatch itself).
``make test-postgres`` deselects those tests (``-m "not backend_independent"``): they already ran in the SQLite
half. A new fixture that opens a database must depend on ``pg_template`` (directly or through ``database_url``)
so that its tests stay in both halves; a module that reads ``BACKEND`` itself is kept whole.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
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


class _Clones:
    """This worker's PostgreSQL test databases, each a fresh clone of the template used by one test (or module)
    and never again. A clone is made one test ahead and dropped behind, on one background thread, so that CREATE
    DATABASE and DROP DATABASE (each up to a second or more on a loaded machine) overlap a test instead of
    lengthening its set-up and teardown. An error on that thread surfaces in the next ``take`` or at the end."""

    def __init__(self, template: str) -> None:
        self.template = template
        self.admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        self.thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pg-clones")
        self.ahead: Future = self.thread.submit(self._create)
        self.dropping: list[Future] = []

    def _create(self) -> str:
        name = f"pw_{uuid.uuid4().hex[:12]}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"'))
        return name

    def _drop(self, name: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def take(self) -> str:
        """A database no test has seen (schema only); the next one starts being made at once."""
        for done in [f for f in self.dropping if f.done()]:
            self.dropping.remove(done)
            done.result()  # a failed DROP is an error, not a leak
        name = self.ahead.result()
        self.ahead = self.thread.submit(self._create)
        return name

    def drop(self, name: str) -> None:
        self.dropping.append(self.thread.submit(self._drop, name))

    def close(self) -> None:
        self.drop(self.ahead.result())
        self.thread.shutdown(wait=True)
        for done in self.dropping:
            done.result()
        self.admin.dispose()


@pytest.fixture(scope="session")
def pg_clones(pg_template: str | None) -> Iterator[_Clones | None]:
    if pg_template is None:
        yield None
        return
    clones = _Clones(pg_template)
    yield clones
    clones.close()  # before pg_template drops the template


@contextmanager
def _fresh_database(directory: Path, clones: _Clones | None) -> Iterator[str]:
    """A fresh, empty (schema only) database, removed afterwards; its URL."""
    if BACKEND != "postgresql":
        yield f"sqlite:///{directory / 'pricewatch.db'}"
        return
    name = clones.take()
    try:
        yield _pg_url(name)
    finally:
        clones.drop(name)


@pytest.fixture
def database_url(tmp_path: Path, pg_clones: _Clones | None) -> Iterator[str]:
    """A fresh, empty (schema only) database for this test; its URL."""
    with _fresh_database(tmp_path, pg_clones) as url:
        yield url


@pytest.fixture(scope="module")
def module_db(tmp_path_factory: pytest.TempPathFactory, pg_clones: _Clones | None) -> Iterator[Database]:
    """An open, upgraded database shared by the tests of one module, for a set-up too costly to repeat per test
    (tests/test_feed_corpus.py ingests its whole corpus once). Its tests must only read what that set-up wrote."""
    from pricewatch.store import open_database

    directory = tmp_path_factory.mktemp("module_db")
    with _fresh_database(directory, pg_clones) as url, pytest.MonkeyPatch.context() as mp:
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
