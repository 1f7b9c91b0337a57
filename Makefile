# pricewatch developer and CI entry points. Everything installs into .venv from PyPI; nothing else is needed
# beyond python3, git and make (and, for the PostgreSQL half of `make test`, the server on 127.0.0.1:5432).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
PYTEST_ARGS ?= -q -n 2 --dist loadfile

.PHONY: venv demo test test-sqlite test-postgres lint bench clean

venv: $(BIN)/pricewatch

$(BIN)/pricewatch: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	@touch $@

## the main job: the end-to-end demo on the embedded SQLite database
demo: venv
	$(BIN)/pricewatch demo

## the whole test suite, on SQLite and on PostgreSQL (fails, never skips, if PostgreSQL is down); the PostgreSQL
## half leaves out the tests that reach no database (marked backend_independent by tests/conftest.py)
test: test-sqlite test-postgres

test-sqlite: venv
	@mkdir -p .ci/out
	$(BIN)/pytest $(PYTEST_ARGS) --junitxml=.ci/out/sqlite.xml

test-postgres: venv
	@mkdir -p .ci/out
	PRICEWATCH_TEST_BACKEND=postgresql PRICEWATCH_TEST_PG=$(PG_URL) $(BIN)/pytest $(PYTEST_ARGS) \
		-m "not backend_independent" --junitxml=.ci/out/postgresql.xml

lint: venv
	$(BIN)/ruff check pricewatch analysis spiders tests bench

bench: venv
	$(BIN)/python bench/ingest.py

clean:
	rm -rf $(VENV) .ci/out .pytest_cache
