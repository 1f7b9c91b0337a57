"""Conflicts are not duplicates: the same listing, instant and source with another price is recorded as a
conflict with both values and both file:line, the stored observation keeps the lower amount and is flagged.
Runs on SQLite and PostgreSQL (PRICEWATCH_TEST_BACKEND)."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from sqlalchemy import create_engine, func, inspect, select, text

from pricewatch.ingest import ingest_files, ingest_frame
from pricewatch.store.engine import current_revision, head_revision, make_engine, upgrade
from pricewatch.store.models import Listing, ObservationConflict, PriceObservation

HEADER = "platform,listing_id,observed_at,price,currency,title,shipping"
ROWS = [
    "jd,100,2020-01-20T10:00:00+08:00,29.90,CNY,医用外科口罩 50只/盒,",
    "jd,101,2020-01-20T10:00:00+08:00,89.00,CNY,KN95 口罩 10只/袋×5袋,5.00",
    "tmall,A7,2020-01-20T03:00:00Z,39.90,CNY,75%酒精消毒液 500ml*2瓶,",
]


def write(path, lines):
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def observation(db, key="100"):
    with db.session() as s:
        return s.scalars(select(PriceObservation).join(Listing).where(Listing.listing_key == key)).one()


def conflicts(db):
    with db.session() as s:
        return s.scalars(select(ObservationConflict).order_by(ObservationConflict.id)).all()


def count(db, model):
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_reingesting_an_identical_file_is_all_duplicates_and_no_conflict(db, workdir, run_cli):
    feed = write(workdir / "feed.csv", ROWS)
    first = run_cli("ingest", str(feed))
    second = run_cli("ingest", str(feed))
    assert "3 rows: 3 accepted, 0 duplicate, 0 conflicting, 0 rejected" in first.output
    assert "3 rows: 0 accepted, 3 duplicate, 0 conflicting, 0 rejected" in second.output
    assert count(db, ObservationConflict) == 0
    assert count(db, PriceObservation) == 3
    with db.session() as s:
        assert s.scalar(select(func.count()).where(PriceObservation.conflict)) == 0
        # where each stored value came from: file and line (header is line 1)
        assert set(s.execute(select(PriceObservation.line)).scalars()) == {2, 3, 4}


def test_missing_and_zero_shipping_are_the_same_amount(db, workdir):
    write(workdir / "a.csv", [ROWS[0]])
    write(workdir / "b.csv", [ROWS[0].rstrip(",") + ",0.00"])
    ingest_files(db, [workdir / "a.csv"])
    stats = ingest_files(db, [workdir / "b.csv"])
    assert (stats.accepted, stats.duplicate, stats.conflicts) == (0, 1, 0)


@pytest.mark.parametrize(("first_price", "second_price"), [("29.90", "35.00"), ("35.00", "29.90")],
                         ids=["higher-second", "lower-second"])
def test_second_file_with_another_price_is_a_conflict_and_the_lower_price_is_kept(
        db, workdir, run_cli, first_price, second_price):
    a = write(workdir / "a.csv", [ROWS[0].replace("29.90", first_price), ROWS[1]])
    # same listing, same instant written in another zone, same source; another line number in another file
    b = write(workdir / "b.csv", [ROWS[1], ROWS[2],
                                  f"jd,100,2020-01-20T02:00:00Z,{second_price},CNY,医用外科口罩 50只/盒,"])
    assert "2 accepted, 0 duplicate, 0 conflicting" in run_cli("ingest", str(a)).output
    result = run_cli("ingest", str(b))
    assert result.exit_code == 0, result.output
    assert "3 rows: 1 accepted, 1 duplicate, 1 conflicting, 0 rejected" in result.output

    [c] = conflicts(db)
    assert (c.stored_price, c.stored_currency, c.stored_file, c.stored_line) == (float(first_price), "CNY",
                                                                                  str(a), 2)
    assert (c.incoming_price, c.incoming_currency, c.incoming_file, c.incoming_line) == (float(second_price),
                                                                                          "CNY", str(b), 4)
    assert c.observed_at.isoformat() == "2020-01-20T02:00:00+00:00" and c.source == "feed"
    assert c.resolution == "lower_kept"
    assert c.detected_at.utcoffset().total_seconds() == 0

    obs = observation(db)
    assert obs.price == 29.90 and obs.conflict is True
    assert obs.unit_price == pytest.approx((obs.price + (obs.shipping or 0)) / obs.quantity)
    assert obs.unit_price == pytest.approx(0.598)
    # the stored values say where they came from: the side that was kept
    assert obs.line == (2 if first_price == "29.90" else 4)
    assert observation(db, "101").conflict is False
    assert count(db, PriceObservation) == 3


def test_a_lower_price_with_a_higher_shipping_is_not_lower(db, workdir):
    write(workdir / "a.csv", ["jd,100,2020-01-20T02:00:00Z,30.00,CNY,口罩 50只,0"])
    write(workdir / "b.csv", ["jd,100,2020-01-20T02:00:00Z,28.00,CNY,口罩 50只,5.00"])
    write(workdir / "c.csv", ["jd,100,2020-01-20T02:00:00Z,25.00,CNY,口罩 50只,2.50"])
    ingest_files(db, [workdir / "a.csv"])
    assert ingest_files(db, [workdir / "b.csv"]).conflicts == 1
    obs = observation(db)
    assert (obs.price, obs.shipping, obs.unit_price) == (30.0, 0.0, pytest.approx(30.0 / 50))
    assert ingest_files(db, [workdir / "c.csv"]).conflicts == 1
    obs = observation(db)
    assert (obs.price, obs.shipping, obs.unit_price) == (25.0, 2.5, pytest.approx(27.5 / 50))
    assert obs.conflict is True
    [first, second] = conflicts(db)
    assert (first.stored_shipping, first.incoming_shipping) == (0.0, 5.0)
    assert (second.stored_price, second.incoming_price, second.incoming_file) == (30.0, 25.0,
                                                                                  str(workdir / "c.csv"))


def test_two_conflicting_rows_inside_one_file(db, workdir, run_cli):
    feed = write(workdir / "feed.csv", [
        ROWS[0].replace("29.90", "39.90"),
        ROWS[1],
        "jd,100,2020-01-20T02:00:00Z,29.90,CNY,医用外科口罩 50只/盒,",
        "jd,100,2020-01-20T10:00:00+08:00,39.90,CNY,医用外科口罩 50只/盒,",  # same as line 2: a duplicate
    ])
    result = run_cli("ingest", str(feed))
    assert "4 rows: 2 accepted, 1 duplicate, 1 conflicting, 0 rejected" in result.output
    [c] = conflicts(db)
    assert (c.stored_price, c.stored_file, c.stored_line) == (39.90, str(feed), 2)
    assert (c.incoming_price, c.incoming_file, c.incoming_line) == (29.90, str(feed), 4)
    obs = observation(db)
    assert (obs.price, obs.conflict, obs.line) == (29.90, True, 4)
    assert obs.unit_price == pytest.approx(29.90 / 50)


def test_reingesting_conflicting_files_records_each_conflict_once(db, workdir):
    a = write(workdir / "a.csv", [ROWS[0]])
    b = write(workdir / "b.csv", [ROWS[0].replace("29.90", "35.00")])
    ingest_files(db, [a, b])
    again = ingest_files(db, [a, b])
    # b still disagrees with what is stored: conflicting again (never a duplicate), but recorded once
    assert (again.accepted, again.duplicate, again.conflicts) == (0, 1, 1)
    assert count(db, ObservationConflict) == 1
    assert observation(db).price == 29.90
    ingest_files(db, [b, a])
    assert count(db, ObservationConflict) == 1


def test_another_currency_is_a_conflict_that_keeps_the_stored_values(db, workdir):
    write(workdir / "a.csv", [ROWS[0].replace("29.90", "99.00")])
    write(workdir / "b.csv", [ROWS[0].replace("29.90,CNY", "9.00,USD")])
    ingest_files(db, [workdir / "a.csv"])
    stats = ingest_files(db, [workdir / "b.csv"])
    assert stats.conflicts == 1 and stats.duplicate == 0
    [c] = conflicts(db)
    assert (c.stored_currency, c.incoming_currency, c.resolution) == ("CNY", "USD", "stored_kept")
    obs = observation(db)
    assert (obs.price, obs.currency, obs.conflict) == (99.0, "CNY", True)


def test_conflicts_through_ingest_frame_and_many_chunks(db, workdir, monkeypatch):
    import pricewatch.feed.reader as reader

    monkeypatch.setattr(reader, "CHUNK_ROWS", 250)
    lines = [f"jd,{i % 100},2020-01-{1 + i // 100:02d}T10:00:00+08:00,{10 + i % 7}.50,CNY,口罩 50只," for i in range(1000)]
    feed = write(workdir / "big.csv", lines)
    assert ingest_files(db, [feed]).accepted == 1000
    changed = [line.replace(".50,CNY", ".10,CNY") if i % 10 == 3 else line for i, line in enumerate(lines)]
    stats = ingest_files(db, [write(workdir / "big2.csv", changed)])
    assert (stats.accepted, stats.duplicate, stats.conflicts) == (0, 900, 100)
    with db.session() as s:
        flagged = s.execute(select(PriceObservation.price, PriceObservation.unit_price, PriceObservation.line)
                            .where(PriceObservation.conflict)).all()
    assert len(flagged) == 100
    assert all(round(price % 1, 2) == 0.10 and unit == pytest.approx(price / 50) for price, unit, _ in flagged)
    assert {line for _, _, line in flagged} == {i + 2 for i in range(1000) if i % 10 == 3}
    frame = pd.DataFrame({"platform": ["jd"], "listing_id": ["0"], "observed_at": ["2020-01-01T02:00:00Z"],
                          "price": ["1.00"], "currency": ["CNY"], "title": ["口罩 50只"]})
    api = ingest_frame(db, frame, file="POST /v1/observations")
    assert (api.accepted, api.duplicate, api.conflicts) == (0, 0, 1)
    latest = conflicts(db)[-1]
    assert (latest.stored_price, latest.stored_file, latest.stored_line) == (10.50, str(feed), 2)
    assert (latest.incoming_price, latest.incoming_file, latest.incoming_line) == (1.00, "POST /v1/observations", 1)
    assert count(db, ObservationConflict) == 101


def test_conflicts_list_names_both_values_and_files(db, workdir, run_cli):
    a = write(workdir / "a.csv", [ROWS[0], ROWS[2]])
    b = write(workdir / "b.csv", [ROWS[2], ROWS[0].replace("29.90", "35.00")])
    run_cli("ingest", str(a))
    run_cli("ingest", str(b))
    result = run_cli("conflicts", "list")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "29.90 CNY" in out and "35.00 CNY" in out
    assert f"{a}:2" in out and f"{b}:3" in out
    assert "2020-01-20T02:00:00Z" in out and "(UTC)" in out
    assert "lower_kept" in out and "jd" in out and "100" in out

    result = run_cli("conflicts", "list", "--format", "csv", "--platform", "jd", "--listing", "100")
    [row] = list(csv.DictReader(io.StringIO(result.output)))
    assert (row["stored_price"], row["stored_file"], row["stored_line"]) == ("29.9", str(a), "2")
    assert (row["incoming_price"], row["incoming_file"], row["incoming_line"]) == ("35.0", str(b), "3")
    assert row["observed_at"] == "2020-01-20T02:00:00Z" and row["detected_at"].endswith("Z")

    assert "no conflicts recorded" in run_cli("conflicts", "list", "--platform", "tmall").output
    assert run_cli("conflicts", "list", "--format", "csv", "--listing", "A7").output.count("\n") == 1  # header


def test_db_upgrade_from_a_0001_database(workdir, database_url, run_cli):
    engine = make_engine(database_url)
    if engine.dialect.name == "postgresql":  # the fixture's database carries head already: start from empty
        engine.dispose()
        base, _, name = database_url.rpartition("/")
        admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        engine = make_engine(database_url)
    upgrade(engine, "0001")
    with engine.begin() as conn:  # an observation written by a 0001 release
        conn.execute(text("INSERT INTO platform (id, name, created_at) VALUES (1, 'jd', :t)"),
                      {"t": "2020-01-01 00:00:00.000000"})
        conn.execute(text("INSERT INTO listing (id, platform_id, listing_key, normalised, status, pack_quantity, "
                          "pack_unit) VALUES (1, 1, '100', true, 'active', 50, 'piece')"))
        conn.execute(text("INSERT INTO price_observation (listing_id, observed_at, price, currency, availability, "
                          "quantity, quantity_unit, unit_price, source) VALUES (1, :t, 35.0, 'CNY', 'unknown', 50, "
                          "'piece', 0.7, 'feed')"), {"t": "2020-01-20 02:00:00.000000"})
    assert current_revision(engine) == "0001"
    assert "conflict" not in {c["name"] for c in inspect(engine).get_columns("price_observation")}

    result = run_cli("db", "upgrade")
    assert result.exit_code == 0, result.output
    assert f"0001 → {head_revision()}" in result.output
    assert current_revision(engine) == head_revision()
    inspector = inspect(engine)
    assert {"conflict", "file_id", "line"} <= {c["name"] for c in inspector.get_columns("price_observation")}
    assert {"quantity_source", "unnormalised_reason", "product_key"} <= {
        c["name"] for c in inspector.get_columns("listing")}
    assert "ix_listing_product_key" in {i["name"] for i in inspector.get_indexes("listing")}
    assert {"observation_conflict", "feed_file"} <= set(inspector.get_table_names())
    with engine.connect() as conn:
        assert conn.execute(text("SELECT \"conflict\", file_id FROM price_observation")).one() == (False, None)
    engine.dispose()

    # the old observation's origin is unknown; the new side's is kept
    feed = write(workdir / "feed.csv", [ROWS[0]])
    assert "0 accepted, 0 duplicate, 1 conflicting" in run_cli("ingest", str(feed)).output
    out = run_cli("conflicts", "list").output
    assert "35.00 CNY" in out and "29.90 CNY" in out and "unknown" in out and f"{feed}:2" in out
