"""Feed v1 as a published standard: the JSON Schema generated from the one definition, `pricewatch feed validate`
(the same validation as ingest, nothing written), `pricewatch feed example`, and POST /v1/feeds/validate."""

from __future__ import annotations

import csv
import io
import json

import httpx
import jsonschema
import pandas as pd
import pytest
from sqlalchemy import func, select

from pricewatch.feed.example import example_text
from pricewatch.feed.json_schema import DOC, feed_schema, render
from pricewatch.feed.schema import COLUMNS, validate
from pricewatch.store.models import PriceObservation, RejectedRecord

VALIDATOR = jsonschema.Draft202012Validator(feed_schema(), format_checker=jsonschema.FormatChecker())


def _present(row: dict) -> dict:
    """A CSV row as the CSV profile reads it: an empty cell is an absent value."""
    return {k: v for k, v in row.items() if v not in ("", None)}


def test_the_published_schema_is_the_generated_one():
    assert DOC.read_text(encoding="utf-8") == render(), "run: python -m pricewatch.feed.json_schema"


def test_every_feed_column_is_in_the_schema_with_its_contract():
    schema = feed_schema()
    assert list(schema["properties"]) == [c.name for c in COLUMNS]
    assert schema["required"] == ["platform", "listing_id", "observed_at", "price", "currency"]
    for column in COLUMNS:
        assert schema["properties"][column.name]["description"].startswith(column.contract)


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_the_example_file_is_valid_for_the_cli_and_the_schema(run_cli, workdir, fmt):
    path = workdir / f"sample.{fmt}"
    assert run_cli("feed", "example", "--format", fmt, "-o", str(path)).exit_code == 0
    result = run_cli("feed", "validate", str(path))
    assert result.exit_code == 0, result.output
    assert "4 rows: 4 valid, 0 bad" in result.output
    text = path.read_text(encoding="utf-8")
    rows = [json.loads(line) for line in text.splitlines()] if fmt == "jsonl" else list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 4
    for row in rows:
        errors = [e.message for e in VALIDATOR.iter_errors(_present(row))]
        assert not errors, (row, errors)


def test_validate_writes_nothing_and_exits_1_naming_file_line_and_field(run_cli, workdir):
    path = workdir / "jd.csv"
    path.write_text("platform,listing_id,observed_at,price,currency\n"
                    "jd,1,2020-01-27T09:30:00+08:00,29.90,CNY\n"
                    "jd,2,2020-01-27T09:30:00+08:00,abc,CNY\n"
                    "jd,3,2020-01-27 09:30:00,29.90,CNY\n"
                    "jd,4,2020-01-27T09:30:00Z,29.90,XYZ\n", encoding="utf-8")
    result = run_cli("feed", "validate", str(path))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith(f"{path}:3: price: 'abc' is not a decimal number")
    assert lines[1].startswith(f"{path}:4: observed_at: '2020-01-27 09:30:00' has no time zone")
    assert lines[2].startswith(f"{path}:5: currency: 'XYZ' is not an ISO 4217 currency code")
    assert "1 file, 4 rows: 1 valid, 3 bad" in result.output
    assert not (workdir / "pricewatch.db").exists()  # no database was even opened
    # with --assume-tz the zone-less row is valid, as with ingest --assume-tz
    assert "2 valid, 2 bad" in run_cli("feed", "validate", "--assume-tz", "Asia/Shanghai", str(path)).output


# The corpus-wide checks — `feed validate` gives exactly the reasons ingest stores, and the schema rejects every
# row kind validation rejects — are in tests/test_feed_corpus.py, which ingests and validates the corpus once.


BAD_ROWS = {
    "price": ["abc", "0", "0.00", "-1", "1,000.00", "¥29.90", "1e3"],
    "currency": ["XYZ", "RMB", "", "XXX"],
    "observed_at": ["2020-01-27 09:30:00", "2020-01-27", "27/01/2020 09:30+08:00", "0001-01-01T00:00:00Z"],
    "platform": ["", "x" * 65],
    "listing_id": ["", "y" * 257],
    "shipping": ["-1", "free"],
    "availability": ["maybe"],
    "category": ["masks"],
    "region": ["ZZ", "CN-999"],
    "seller_id": ["s" * 129],
}
GOOD = {"platform": "jd", "listing_id": "1", "observed_at": "2020-01-27T09:30:00+08:00", "price": "29.90",
        "currency": "CNY"}


@pytest.mark.parametrize(("field", "value"), [(f, v) for f, values in BAD_ROWS.items() for v in values])
def test_each_bad_row_kind_is_rejected_by_the_validator_and_the_schema(field, value):
    row = {**GOOD, field: value}
    checked = validate(pd.DataFrame([row], dtype=object).assign(_line=[2]))
    assert len(checked.rejected) == 1 and checked.rejected["field"].iloc[0] == field
    assert not VALIDATOR.is_valid(row if value != "" or field in GOOD else {**GOOD, field: None} | row)


def test_the_schema_and_the_validator_accept_the_same_good_row():
    assert VALIDATOR.is_valid(GOOD)
    assert len(validate(pd.DataFrame([GOOD], dtype=object).assign(_line=[2])).valid) == 1


def test_platforms_validate_a_feed_over_http_and_nothing_is_stored(db):
    from api_seed import role_keys

    from pricewatch.api.serve import serve_api

    keys = role_keys(db)
    csv_body = ("platform,listing_id,observed_at,price,currency\njd,1,2020-01-27T09:30:00+08:00,29.90,CNY\n"
                "jd,2,2020-01-27T09:30:00+08:00,abc,CNY\n")
    with serve_api(db) as base:
        auth = {"Authorization": f"Bearer {keys['platform']}"}
        r = httpx.post(f"{base}/v1/feeds/validate", content=csv_body, headers={**auth, "Content-Type": "text/csv"})
        assert r.status_code == 200, r.text
        body = r.json()
        assert (body["valid"], body["rows"], body["valid_rows"], body["bad_rows"]) == (False, 2, 1, 1)
        assert body["rejected"][0]["message"].startswith("body:3: price: 'abc' is not a decimal number")
        good = example_text("jsonl")
        r = httpx.post(f"{base}/v1/feeds/validate", content=good,
                       headers={**auth, "Content-Type": "application/x-ndjson"})
        assert r.json()["valid"] is True and r.json()["rows"] == 4
        rows = [json.loads(line) for line in good.splitlines()]
        r = httpx.post(f"{base}/v1/feeds/validate", json=rows, headers=auth)
        assert r.json()["valid"] is True and r.json()["rows"] == 4
        assert httpx.post(f"{base}/v1/feeds/validate", content=csv_body).status_code == 401
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(PriceObservation)) == 0
        assert s.scalar(select(func.count()).select_from(RejectedRecord)) == 0
