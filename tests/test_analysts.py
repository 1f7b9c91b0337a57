"""The analysts' side: figures right to the cent, exact decimals in every format, one written form per date kind,
exports that need no join, charts with gaps as gaps, and the notebook API that mirrors the commands."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import httpx
import pandas as pd
import pyarrow.parquet as pq
import pytest
from api_seed import seed_violation

import pricewatch as pw
from pricewatch.alerts.export import COLUMNS, EXTRA_COLUMNS
from pricewatch.api.serve import serve_api
from pricewatch.ingest import ingest_frame
from pricewatch.keys import create_key
from pricewatch.store.models import Alert, Listing

INSTANT = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"
DAY = r"^\d{4}-\d{2}-\d{2}$"

# One sanitiser listing (500 ml) whose unit prices carry float noise when computed in binary
# (103.40 / 500 = 0.20679999999999998), sold out twice — once honestly marked out_of_stock, once at a 9999
# placeholder that the feed calls in stock — and a mask listing with a placeholder day of its own.
ROWS = [
    # platform, listing, observed_at (UTC), price, availability, title
    ("jd", "gel", "2020-03-01T02:00:00Z", "103.40", "in_stock", "免洗洗手液 500ml"),
    ("jd", "gel", "2020-03-01T06:00:00Z", "104.60", "in_stock", "免洗洗手液 500ml"),
    ("jd", "gel", "2020-03-01T08:00:00Z", "9999", "in_stock", "免洗洗手液 500ml"),       # placeholder, "in stock"
    ("jd", "gel", "2020-03-01T09:00:00Z", "150.00", "out_of_stock", "免洗洗手液 500ml"),
    ("jd", "gel", "2020-03-02T02:00:00Z", "9999", "unknown", "免洗洗手液 500ml"),        # the whole day sold out
    ("jd", "gel", "2020-03-03T02:00:00Z", "99.98", "in_stock", "免洗洗手液 500ml"),
    ("jd", "mask", "2020-03-01T03:00:00Z", "29.90", "in_stock", "医用外科口罩 50只/盒"),
    ("jd", "mask", "2020-03-01T04:00:00Z", "999.99", "out_of_stock", "医用外科口罩 50只/盒"),
]


@pytest.fixture
def market(db):
    frame = pd.DataFrame(ROWS, columns=["platform", "listing_id", "observed_at", "price", "availability", "title"])
    frame = frame.assign(currency="CNY", seller_id="s1", seller_name="康宁药房", seller_license="91110000MA01",
                         url=lambda f: "https://item.jd.com/" + f["listing_id"] + ".html")
    stats = ingest_frame(db, frame)
    assert stats.accepted == len(ROWS)
    return db


def test_placeholders_and_sold_out_prices_stay_out_of_daily_figures(market):
    daily = pw.history(market, listing="gel", daily=True)
    rows = {str(r.day): (r.median, r.min, r.max, r.n_prices, r.n_observations)
            for r in daily.fillna(-1).itertuples()}
    # display zone Asia/Shanghai: every observation above falls on its UTC date there too
    assert rows == {
        "2020-03-01": (0.208, 0.2068, 0.2092, 2, 4),  # 103.40 and 104.60 over 500 ml; 9999 and sold-out left out
        "2020-03-02": (-1, -1, -1, 0, 1),             # only a placeholder: no figure, not 20.00 per ml
        "2020-03-03": (0.2, 0.2, 0.2, 1, 1),          # 99.98 / 500 = 0.19996 → 4 significant digits
    }
    included = pw.history(market, listing="gel", daily=True, include_unavailable=True)
    first = included.iloc[0]
    # 103.40, 104.60, 150 (sold out) and 9999 (placeholder) over 500 ml: the placeholder makes the max 20.00 per ml
    assert (first["median"], first["min"], first["max"], first["n_prices"]) == (0.2546, 0.2068, 20.0, 4)
    # per observation every row is kept for the record, marked
    obs = pw.history(market, listing="gel")
    assert obs["offer"].tolist() == [True, True, False, False, False, True]


def test_placeholders_stay_out_of_the_category_figures_the_api_serves(market):
    with serve_api(market) as base:
        key = create_key(market, role="analyst")[1]
        rows = httpx.get(f"{base}/v1/prices", params={"category": "mask.surgical"},
                         headers={"Authorization": f"Bearer {key}"}).json()["rows"]
        assert [(r["day"], r["median"], r["max"], r["n_prices"], r["n_observations"]) for r in rows] == [
            ("2020-03-01", 0.598, 0.598, 1, 2)]  # 29.90 / 50; the 999.99 placeholder is not a max of 20.00


def _csv_rows(path) -> list[dict]:  # noqa: ANN001
    with open(path, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _csv_decimals(text: str, column: str) -> list[Decimal]:
    return [Decimal(r[column]) for r in csv.DictReader(io.StringIO(text)) if r[column]]


def test_unit_prices_round_trip_exactly_through_csv_parquet_and_the_api(market, run_cli, workdir):
    out = run_cli("history", "--listing", "gel", "--format", "csv")
    assert out.exit_code == 0, out.output
    assert "0.2068" in out.output and "0.20679999" not in out.output  # no binary noise in the file
    from_csv = _csv_decimals(out.output, "unit_price")
    assert run_cli("history", "--listing", "gel", "--format", "parquet", "-o", "gel.parquet").exit_code == 0
    table = pq.read_table(workdir / "gel.parquet")
    assert str(table.schema.field("unit_price").type).startswith("decimal128")
    assert str(table.schema.field("price").type).startswith("decimal128")
    from_parquet = [v for v in table.column("unit_price").to_pylist() if v is not None]
    with serve_api(market) as base:
        key = create_key(market, role="analyst")[1]
        body = httpx.get(f"{base}/v1/listings/jd/gel/prices", headers={"Authorization": f"Bearer {key}"}).text
    from_api = [r["unit_price"] for r in json.loads(body, parse_float=Decimal)["observations"]
                if r["unit_price"] is not None]
    assert from_csv == from_parquet == from_api
    assert from_csv[:2] == [Decimal("0.2068"), Decimal("0.2092")] and "0.20679999" not in body
    # money to the currency's minor unit, in both
    assert _csv_decimals(out.output, "price")[:2] == [Decimal("103.4"), Decimal("104.6")]
    assert table.column("price").to_pylist()[:2] == [Decimal("103.4000"), Decimal("104.6000")]


def test_daily_figures_round_trip_exactly_through_csv_parquet_and_the_api(market, run_cli, workdir):
    out = run_cli("history", "--category", "hand_sanitizer", "--daily", "--by", "category", "--format", "csv")
    from_csv = _csv_decimals(out.output, "median")
    run_cli("history", "--category", "hand_sanitizer", "--daily", "--by", "category", "--format", "parquet",
            "-o", "d.parquet")
    from_parquet = [v for v in pq.read_table(workdir / "d.parquet").column("median").to_pylist() if v is not None]
    with serve_api(market) as base:
        key = create_key(market, role="analyst")[1]
        body = httpx.get(f"{base}/v1/prices", params={"category": "hand_sanitizer"},
                         headers={"Authorization": f"Bearer {key}"}).text
    from_api = [r["median"] for r in json.loads(body, parse_float=Decimal)["rows"] if r["median"] is not None]
    assert from_csv == from_parquet == from_api == [Decimal("0.208"), Decimal("0.2")]


def test_alert_export_decimals_agree_in_csv_jsonl_and_parquet(db, run_cli, workdir):
    alert_id = seed_violation(db)
    with db.session() as s:
        alert = s.get(Alert, alert_id)
        alert.baseline_unit_price, alert.observed_unit_price, alert.increase_pct = 0.598, 17.953999999999997, 2902.5
        s.commit()
    for fmt in ("csv", "jsonl", "parquet"):
        assert run_cli("alerts", "export", "--format", fmt, "-o", f"a.{fmt}").exit_code == 0
    row = _csv_rows(workdir / "a.csv")[0]
    line = json.loads((workdir / "a.jsonl").read_text(encoding="utf-8").splitlines()[0], parse_float=Decimal)
    parquet = pq.read_table(workdir / "a.parquet").to_pylist()[0]
    for name, expected in (("observed_unit_price", "17.95"), ("baseline_unit_price", "0.598"),
                           ("increase_pct", "2902.5")):
        assert Decimal(row[name]) == line[name] == parquet[name] == Decimal(expected), name


def test_increase_reads_the_same_in_the_list_and_the_explanation():
    from analysis.explain import percent

    # +2902.4999… was "+2902 %" in the explanation and "+2903 %" where it had been rounded to 0.01 first
    raw = 2902.4999999
    assert percent(raw) == percent(round(raw, 2)) == "+2902%"
    assert percent(2902.51) == "+2903%"


@pytest.mark.parametrize("field", ["observed_at"])
def test_history_csv_instants_are_utc_with_z(market, run_cli, field):
    out = run_cli("history", "--listing", "gel", "--format", "csv")
    values = [r[field] for r in csv.DictReader(io.StringIO(out.output))]
    assert values[0] == "2020-03-01T02:00:00Z"
    assert all(pd.Series(values).str.match(INSTANT))


@pytest.fixture
def api(db):
    alert_id = seed_violation(db)
    keys = {role: create_key(db, role=role, platform="jd" if role == "platform" else None)[1]
            for role in ("analyst", "regulator", "platform")}
    with serve_api(db) as base:
        def get(role, path, **params):
            response = httpx.get(base + path, params=params, headers={"Authorization": f"Bearer {keys[role]}"})
            assert response.status_code == 200, response.text
            return response.json()
        yield get, alert_id, base, keys


@pytest.mark.parametrize("path,field,kind", [
    ("/v1/listings/jd/J1/prices", "observations[].observed_at", INSTANT),
    ("/v1/prices", "rows[].day", DAY),
    ("/v1/index", "rows[].day", DAY),
    ("/v1/index", "reference_window_end", INSTANT),
    ("/v1/violations", "violations[].violation.first_violation_at", INSTANT),
    ("/v1/violations", "violations[].requested_action.deadline", INSTANT),
])
def test_api_date_fields_have_one_form_per_kind(api, db, path, field, kind):
    get, alert_id, _base, _keys = api
    if path == "/v1/index":  # an index needs five listings with a reference window: add them
        rows = [{"platform": "tmall", "listing_id": f"T{i}", "observed_at": f"2020-01-{d:02d}T02:00:00Z",
                 "price": f"{20 + i}.00", "currency": "CNY", "title": "医用外科口罩 50只/盒"}
                for i in range(6) for d in range(1, 29)]
        ingest_frame(db, pd.DataFrame(rows))
    from pricewatch.store.models import Platform
    with db.session() as s:  # a pledge, so the violation has a deadline
        s.query(Platform).filter(Platform.name == "jd").update({"delisting_deadline_hours": 24})
        s.commit()
    body = get("platform" if path.startswith("/v1/violations") else "analyst", path)
    values = [body]
    for part in field.split("."):
        name, many = part.removesuffix("[]"), part.endswith("[]")
        values = [item for v in values for item in (v[name] if many else [v[name]])]
    assert values and all(pd.Series(values).str.match(kind)), values


def test_answered_at_is_utc_with_z(api):
    _get, alert_id, base, keys = api
    response = httpx.post(f"{base}/v1/violations/{alert_id}/response", json={"action": "delisted"},
                          headers={"Authorization": f"Bearer {keys['platform']}"})
    assert response.status_code == 200, response.text
    assert pd.Series([response.json()["answered_at"]]).str.match(INSTANT).all()


def test_a_violations_history_times_are_utc_with_z(api):
    get, alert_id, base, keys = api
    httpx.post(f"{base}/v1/violations/{alert_id}/response", json={"action": "delisted"},
               headers={"Authorization": f"Bearer {keys['platform']}"})
    history = get("regulator", f"/v1/violations/{alert_id}")["violation"]["history"]
    assert history and all(pd.Series([h["at"] for h in history]).str.match(INSTANT)), history


@pytest.mark.parametrize("field", ["first_violation_at", "detected_at"])
def test_alert_export_instants_are_utc_with_z(db, run_cli, workdir, field):
    seed_violation(db)
    run_cli("alerts", "export", "-o", "a.csv")
    values = [r[field] for r in _csv_rows(workdir / "a.csv")]
    assert values and all(pd.Series(values).str.match(INSTANT))


def test_alert_export_appends_what_saves_a_join(market, run_cli, workdir):
    with market.session() as s:
        listing = s.query(Listing).filter(Listing.listing_key == "mask").one()
        s.add(Alert(listing_id=listing.id, rule="cn-samr-2020", severity="severe",
                    first_violation_at=pd.Timestamp("2020-03-01T03:00:00Z").to_pydatetime(),
                    baseline_unit_price=0.5, observed_unit_price=0.598, unit="piece", currency="CNY",
                    increase_pct=19.6, status="open", history=[]))
        s.commit()
    assert run_cli("alerts", "export", "-o", "a.csv").exit_code == 0
    row = _csv_rows(workdir / "a.csv")[0]
    assert list(row) == COLUMNS + EXTRA_COLUMNS
    assert {k: row[k] for k in EXTRA_COLUMNS} == {
        "title": "医用外科口罩 50只/盒", "url": "https://item.jd.com/mask.html", "seller_name": "康宁药房",
        "seller_license": "91110000MA01", "quantity": "50.0", "quantity_source": row["quantity_source"]}
    assert row["quantity_source"].startswith("title:")
    picked = run_cli("alerts", "export", "-o", "b.csv", "--columns", "title,alert_id,increase_pct")
    assert picked.exit_code == 0
    assert (workdir / "b.csv").read_text(encoding="utf-8").splitlines() == [
        "title,alert_id,increase_pct", f"医用外科口罩 50只/盒,{row['alert_id']},19.6"]
    bad = run_cli("alerts", "export", "-o", "c.csv", "--columns", "alert_id,price_now")
    assert bad.exit_code == 2 and "price_now" in bad.output and "seller_name" in bad.output


def test_parquet_exports_read_directly_in_duckdb_and_polars(market, run_cli, workdir):
    import duckdb
    import polars as pl

    with market.session() as s:
        listing = s.query(Listing).filter(Listing.listing_key == "gel").one()
        s.add(Alert(listing_id=listing.id, rule="cn-samr-2020", severity="alert",
                    first_violation_at=pd.Timestamp("2020-03-01T02:00:00Z").to_pydatetime(),
                    baseline_unit_price=0.2, observed_unit_price=0.20679999999999998, unit="ml", currency="CNY",
                    increase_pct=3.4, status="open", history=[]))
        s.commit()
    assert run_cli("alerts", "export", "--format", "parquet", "-o", "alerts.parquet").exit_code == 0
    assert run_cli("history", "--format", "parquet", "-o", "obs.parquet").exit_code == 0
    query = ("SELECT a.listing_id, a.title, a.observed_unit_price, count(*) AS n FROM 'alerts.parquet' a "
             "JOIN 'obs.parquet' o USING (platform, listing_id) GROUP BY ALL")
    con = duckdb.connect()  # the working directory is workdir: relative paths as in the README
    assert con.execute(query).fetchall() == [("gel", "免洗洗手液 500ml", Decimal("0.2068000000"), 6)]
    frame = pl.read_parquet(workdir / "alerts.parquet")
    assert frame["title"].to_list() == ["免洗洗手液 500ml"] and frame.columns == COLUMNS + EXTRA_COLUMNS
    assert str(frame["observed_unit_price"].to_list()[0]).rstrip("0") == "0.2068"
    observations = pl.read_parquet(workdir / "obs.parquet")
    assert observations.height == len(ROWS)


def test_notebook_functions_mirror_the_commands(market, run_cli):
    from pricewatch.history import DAILY_DTYPES, OBSERVATION_DTYPES

    obs = pw.history(market, category="hand_sanitizer")
    for name, dtype in OBSERVATION_DTYPES.items():
        if dtype == "str":
            assert pd.api.types.is_string_dtype(obs[name]), name
        else:
            assert str(obs[name].dtype) == dtype, name
    assert str(obs["observed_at"].dt.tz) == "UTC"
    daily = pw.history(market, category="hand_sanitizer", daily=True, by="platform")
    assert list(daily.columns) == ["day", "platform", *[c for c in DAILY_DTYPES if c != "day"]]
    # the CLI's CSV holds the same numbers as the DataFrame
    out = run_cli("history", "--category", "hand_sanitizer", "--daily", "--by", "platform", "--format", "csv")
    assert _csv_decimals(out.output, "median") == [Decimal(repr(v)) for v in daily["median"].dropna()]
    assert pw.alerts(market).empty and list(pw.alerts(market).columns) == COLUMNS + EXTRA_COLUMNS
    assert pw.index(market).empty  # two listings: too few for an index
    from pricewatch import history

    assert history.query(market, listings="gel")["price"].tolist()[:2] == [103.4, 104.6]  # still a module


def test_the_index_leaves_placeholder_days_out_unless_asked(db):
    rows = []
    for i in range(6):  # six sellers of one mask box, steady; all sold out on 2–3 February at 9999
        for d in range(1, 36):
            day = pd.Timestamp("2020-01-01T02:00:00Z") + pd.Timedelta(days=d - 1)
            sold_out = day.month == 2 and day.day in (2, 3)
            price, availability = ("9999", "out_of_stock") if sold_out else (f"{25 + i}.00", "in_stock")
            rows.append({"platform": "tmall", "listing_id": f"T{i}", "observed_at": day.strftime("%Y-%m-%dT%H:%M:%SZ"),
                         "price": price, "availability": availability, "currency": "CNY",
                         "title": "医用外科口罩 50只/盒"})
    ingest_frame(db, pd.DataFrame(rows))
    offers = pw.index(db)
    assert "2020-02-02" not in set(offers["day"].astype(str)) and offers["index"].max() < 1.05
    everything = pw.index(db, include_unavailable=True)
    assert everything.set_index(everything["day"].astype(str)).loc["2020-02-02", "index"] > 300
