"""Every wrong option value is refused with a message listing what is known (never a traceback, never exit 0);
`pricewatch reject list|show` shows the quarantine; an ingest whose every row was rejected exits 1."""

from __future__ import annotations

import json

import pytest

GOOD = ("platform,listing_id,observed_at,price,currency\n"
        "jd,100,2020-01-20T10:00:00+08:00,29.90,CNY\n")


@pytest.fixture
def with_data(run_cli, workdir):
    (workdir / "good.csv").write_text(GOOD)
    assert run_cli("ingest", "good.csv").exit_code == 0
    return run_cli


@pytest.mark.parametrize("args, says", [
    (["history", "--since", "2020-13-45"], "is not a date YYYY-MM-DD"),
    (["history", "--since", "yesterday"], "'yesterday' is not a date"),
    (["history", "--until", "9999-12-31"], "between 1678 and 2261"),
    (["history", "--since", "2020-02-01", "--until", "2020-01-01"], "is after until"),
    (["history", "--platform", "JD"], "did you mean 'jd'"),
    (["history", "--platform", "nosuch"], "known: jd"),
    (["history", "--category", "masks"], "mask.surgical"),
    (["history", "--limit", "-1"], "-1"),
    (["alerts", "list", "--status", "bogus"], "'bogus' is not one of"),
    (["alerts", "export", "--status", "bogus", "-o", "x.csv"], "'bogus' is not one of"),
    (["emergency", "add", "--name", "x", "--jurisdiction", "XX", "--start", "2020-01-24"], "not an ISO 3166-1"),
    (["emergency", "add", "--name", "x", "--jurisdiction", "US-XX", "--start", "2020-01-24"], "subdivision of US"),
    (["emergency", "add", "--name", "x", "--jurisdiction", "CN", "--start", "2020-01-24", "--end", "2020-01-01"],
     "is after until"),
    (["emergency", "add", "--name", "x", "--jurisdiction", "CN", "--start", "soon"], "'soon' is not a date"),
    (["keys", "create", "--role", "platform", "--platform", "nosuch"], "no platform named 'nosuch'"),
    (["conflicts", "list", "--platform", "JD"], "did you mean 'jd'"),
    (["conflicts", "list", "--limit", "-5"], "-5"),
    (["platforms", "set", "jd", "--deadline-hours", "0"], "0"),
    (["platforms", "set", "jd", "--country", "ZZ"], "not an ISO 3166-1"),
    (["webhooks", "dispatch", "--concurrency", "0"], "0"),
    (["webhooks", "dispatch", "--timeout", "-1"], "-1"),
    (["ingest", "--source", "api:jd", "good.csv"], "reserved"),
    (["ingest", "--source", "x" * 129, "good.csv"], "1 to 128 characters"),
])
def test_a_wrong_value_is_refused_with_what_is_known(with_data, args, says):
    result = with_data(*args)
    assert result.exit_code == 2, result.output
    assert says in result.output
    assert "Traceback" not in result.output


def test_valid_values_still_work(with_data):
    assert with_data("history", "--platform", "jd", "--since", "2020-01-01", "--until", "2020-02-01").exit_code == 0
    assert with_data("emergency", "add", "--name", "x", "--jurisdiction", "us-ca", "--start", "2020-03-04").exit_code == 0
    assert with_data("emergency", "add", "--name", "y", "--jurisdiction", "US-NY-NYC", "--start", "2020-03-04").exit_code == 0
    assert with_data("keys", "create", "--role", "platform", "--platform", "jd").exit_code == 0


def test_an_ingest_whose_every_row_is_rejected_exits_1_and_points_to_the_quarantine(run_cli, workdir):
    (workdir / "bad.csv").write_text("platform,listing_id,observed_at,price,currency\n"
                                     "jd,1,0001-01-01T00:00:00Z,29.90,CNY\njd,2,2020-01-20T10:00:00Z,abc,CNY\n")
    result = run_cli("ingest", "bad.csv")
    assert result.exit_code == 1
    assert "2 rejected" in result.output and "pricewatch reject list" in result.output
    assert "every row was rejected" in result.output
    assert "bad.csv:2: observed_at: '0001-01-01T00:00:00Z' is outside the years" in result.output

    listed = run_cli("reject", "list", "--file", "bad.csv")
    assert listed.exit_code == 0 and listed.output.count("bad.csv:") == 2
    by_reason = run_cli("reject", "list", "--reason", "outside the years", "--format", "jsonl")
    rows = [json.loads(line) for line in by_reason.output.splitlines()]
    assert len(rows) == 1 and rows[0]["field"] == "observed_at" and rows[0]["line"] == 2
    shown = run_cli("reject", "show", str(rows[0]["id"]))
    assert shown.exit_code == 0 and json.loads(shown.output)["raw"]["observed_at"] == "0001-01-01T00:00:00Z"
    assert run_cli("reject", "list", "--file", "other.csv").output.strip() == "no quarantined rows match"
    missing = run_cli("reject", "show", "999")
    assert missing.exit_code == 1 and "no quarantined row 999" in missing.output
