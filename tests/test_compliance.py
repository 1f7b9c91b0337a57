"""Pledge compliance: one function with an explicit clock, the same figures in the CLI, the digest and the web UI."""

from __future__ import annotations

import io
import re
from datetime import date

import pandas as pd
import pytest
from compliance_seed import h, seed_compliance

from pricewatch.digest import build_digest
from pricewatch.enforcement.compliance import COLUMNS, compliance

SHOWN = ["notified", "answered", "answered_in_time", "delisted", "disputed", "awaiting", "overdue",
         "relistings_caught"]


@pytest.fixture
def seeded(db):
    seed_compliance(db)
    return db


def test_every_figure_as_it_stood_when_all_deadlines_had_passed(seeded):
    report = compliance(seeded, h(72)).set_index("platform")
    assert list(compliance(seeded, h(72)).columns) == COLUMNS
    jd, tmall, nopledge = report.loc["jd"], report.loc["tmall"], report.loc["nopledge"]
    assert (jd.violations, jd.notified, jd.answered, jd.answered_in_time, jd.answered_late) == (6, 6, 3, 2, 1)
    assert (jd.delisted, jd.disputed, jd.awaiting, jd.overdue) == (2, 1, 0, 2)  # J4, J5; dismissed J6 is not
    assert jd.median_hours_to_delist == pytest.approx(20.0)  # 10 h and 30 h
    assert (tmall.answered, tmall.answered_in_time, tmall.overdue, tmall.relistings_caught) == (1, 1, 1, 1)
    assert nopledge.overdue == 0 and nopledge.awaiting == 1 and pd.isna(nopledge.answered_in_time)
    assert pd.isna(nopledge.deadline_hours) and jd.deadline_hours == 24


def test_overdue_depends_on_the_stated_clock(seeded):
    at = {hours: compliance(seeded, h(hours)).set_index("platform") for hours in (23, 30, 37, 49)}
    assert at[23].loc["jd", "overdue"] == 0 and at[23].loc["jd", "awaiting"] == 3  # J2 unanswered yet, J4, J5
    assert at[30].loc["jd", "overdue"] == 1 and at[30].loc["jd", "awaiting"] == 1  # J4 past 24 h; J5 until 36 h
    assert at[37].loc["jd", "overdue"] == 2
    assert at[37].loc["tmall", "overdue"] == 0 and at[49].loc["tmall", "overdue"] == 1  # 48 h pledge
    assert all(frame.attrs["as_of"] == pd.Timestamp(h(hours)) for hours, frame in at.items())


def test_what_happened_after_the_clock_is_not_counted(seeded):
    before = compliance(seeded, h(-0.5)).set_index("platform")
    assert before.loc["jd", "violations"] == 6 and before.loc["jd", "notified"] == 0  # notified at T0
    mid = compliance(seeded, h(15)).set_index("platform")
    assert mid.loc["jd", "answered"] == 1 and mid.loc["jd", "delisted"] == 1  # only J1 (10 h) by then
    assert mid.loc["tmall", "relistings_caught"] == 0 and compliance(seeded, h(61)).set_index(
        "platform").loc["tmall", "relistings_caught"] == 1
    assert compliance(seeded, h(-2)).set_index("platform").loc["jd", "violations"] == 0  # detected at -1 h


def test_compliance_cli_states_its_clock_and_its_csv_is_the_report(seeded, run_cli):
    result = run_cli("compliance", "--format", "csv", "--as-of", "2020-02-13T02:00:00Z")  # h(72)
    assert result.exit_code == 0, result.output
    cli = pd.read_csv(io.StringIO(result.output)).set_index("platform")
    report = compliance(seeded, h(72)).set_index("platform")
    for column in SHOWN + ["answered_late", "violations", "warned"]:
        assert cli[column].fillna(-1).astype(int).tolist() == report[column].fillna(-1).astype(int).tolist(), column
    assert set(cli["as_of"]) == {"2020-02-13T02:00:00.000000Z"}
    table = run_cli("compliance", "--as-of", "2020-02-13T10:00:00+08:00")
    assert "as of 2020-02-13 10:00 UTC+08:00 (2020-02-13 02:00 UTC)" in table.output
    assert re.search(r"jd\s.*24h", table.output)


def test_a_date_as_clock_means_the_end_of_that_day_in_the_display_zone(seeded, run_cli):
    result = run_cli("compliance", "--format", "csv", "--as-of", "2020-02-11")  # Asia/Shanghai by default
    assert pd.read_csv(io.StringIO(result.output))["as_of"].iloc[0] == "2020-02-11T15:59:59.999999Z"


def test_bad_clock_is_refused_with_the_accepted_forms(seeded, run_cli):
    result = run_cli("compliance", "--as-of", "yesterday-ish")
    assert result.exit_code == 2 and "ISO 8601" in result.output


def _digest_compliance(html: str) -> pd.DataFrame:
    """The digest's compliance table by column, whatever other columns it shows (read by the English labels)."""
    from pricewatch.digest.build import LABELS

    card = html[html.index('<p class="as-of">'):]
    card = card[:card.index("</table>") + len("</table>")]
    table = pd.read_html(io.StringIO(card))[0]
    label = LABELS["en"]
    names = {label["platform"]: "platform", label["notified"]: "notified", label["answered"]: "answered",
             label["in_time"]: "answered_in_time", label["delisted"]: "delisted", label["disputed"]: "disputed",
             label["awaiting"]: "awaiting", label["overdue"]: "overdue", label["relisted"]: "relistings_caught"}
    table = table.rename(columns=names)[["platform", *SHOWN]]
    table["platform"] = table["platform"].str.replace(r" \(\d+h\)$", "", regex=True)
    return table.set_index("platform")


def _ui_compliance(db, clock) -> pd.DataFrame:  # noqa: ANN001
    from fastapi.testclient import TestClient

    from pricewatch.api.app import create_app
    from pricewatch.keys import create_key

    client = TestClient(create_app(db), base_url="https://testserver")
    assert client.post("/ui/login", data={"key": create_key(db, role="regulator")[1]},
                       follow_redirects=False).status_code == 303
    html = client.get("/ui/platforms", params={"as_of": clock.isoformat()}).text
    stated = re.search(r'id="as-of">Figures as of ([^<]+)<', html).group(1)
    rows = {}
    for platform, row in re.findall(r'<tr data-platform="([^"]+)">(.*?)</tr>', html, re.S):
        rows[platform] = {name: value.strip() for name, value in
                          re.findall(r'class="num c-([a-z_]+)">([^<]*)<', row)}
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.attrs["stated"] = stated
    return table


UI_COLUMNS = {"notified": "notified", "answered": "answered", "answered_in_time": "in_time",
              "delisted": "delisted", "disputed": "disputed", "awaiting": "awaiting", "overdue": "overdue",
              "relistings_caught": "relisted"}


def test_cli_digest_and_ui_show_the_same_figures_for_the_same_clock(seeded, run_cli):
    for hours in (30, 72):
        clock = h(hours)
        csv = run_cli("compliance", "--format", "csv", "--as-of", clock.isoformat()).output
        cli = pd.read_csv(io.StringIO(csv)).set_index("platform")
        digest = build_digest(seeded, date(2020, 2, 13), as_of=clock, max_charts=0)
        shown = _digest_compliance(digest.html)
        ui = _ui_compliance(seeded, clock)
        assert len(shown) == len(ui) == len(cli) == 3
        for column in SHOWN:
            expected = cli[column].map(lambda v: "-" if pd.isna(v) else str(int(v)))
            assert shown[column].astype(str).tolist() == expected.tolist(), (hours, column)
            assert ui.loc[cli.index, UI_COLUMNS[column]].str.replace("—", "-").tolist() == expected.tolist(), \
                (hours, column)
        assert digest.compliance.attrs["as_of"] == pd.Timestamp(clock)
        local = pd.Timestamp(clock).tz_convert("Asia/Shanghai").strftime("%Y-%m-%d %H:%M UTC+08:00")
        assert ui.attrs["stated"] == local and local in digest.html


def test_digest_for_a_past_day_counts_as_of_the_end_of_that_day(seeded):
    digest = build_digest(seeded, date(2020, 2, 11), max_charts=0)  # ends 2020-02-11 16:00 UTC = T0 + 38 h
    assert "2020-02-11 23:59 UTC+08:00" in digest.html
    assert _digest_compliance(digest.html).loc["jd", "overdue"] == 2
    assert _digest_compliance(digest.html).loc["tmall", "overdue"] == 0
