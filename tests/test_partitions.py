"""price_observation by month on PostgreSQL: rows land in their month's partition (DEFAULT when none exists yet,
until `pricewatch db partitions` gives the month its own), re-ingesting adds nothing, a time-bounded history query
scans only its months (EXPLAIN), and revision 0006 converts an existing database keeping ids and keys.
SQLite keeps one plain table; every test states what happens on each backend."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import IntegrityError

from pricewatch import history
from pricewatch.ingest import ingest_files
from pricewatch.store import open_database
from pricewatch.store.engine import current_revision, head_revision, upgrade
from pricewatch.store.models import Listing, Platform, PriceObservation
from pricewatch.store.partitions import (
    ensure_partitions,
    is_partitioned,
    list_partitions,
    next_month,
    partition_name,
)

HEADER = "platform,listing_id,observed_at,price,currency,seller_id,title,availability"


def feed(path, rows):
    """Feed v1 rows (listing, ISO instant, price) for one jd listing each, CNY, in stock."""
    lines = [f"jd,{listing},{at},{price},CNY,s1,医用外科口罩 50只/盒,in_stock" for listing, at, price in rows]
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


# three months of 2020 (no partitions exist for them in a new database: they start in DEFAULT)
ROWS = [("100", "2020-01-20T10:00:00Z", "29.90"), ("100", "2020-02-03T10:00:00Z", "31.00"),
        ("101", "2020-02-28T23:59:59Z", "12.00"), ("100", "2020-03-01T00:00:00Z", "33.00"),
        ("101", "2020-03-31T23:00:00Z", "15.00")]


def where_rows_are(db) -> dict[str, int]:
    """Rows per partition (exact counts, by tableoid), e.g. {'observation_months.other': 5}."""
    with db.engine.connect() as conn:
        return dict(conn.execute(text("SELECT tableoid::regclass::text, count(*) FROM price_observation "
                                      "GROUP BY 1")).all())


def stored(db) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(PriceObservation))


def test_sqlite_keeps_one_plain_table_and_postgresql_partitions_by_month(db, run_cli):
    with db.engine.connect() as conn:
        partitioned, parts = is_partitioned(conn), list_partitions(conn)
    result = run_cli("db", "partitions")
    assert result.exit_code == 0, result.output
    if db.dialect == "sqlite":
        assert not partitioned and parts == []
        assert "nothing to partition" in result.output
        return
    assert partitioned
    this_month = date(datetime.now(UTC).year, datetime.now(UTC).month, 1)
    months = [p.month for p in parts]
    # created by the migration: this month and three ahead, then the DEFAULT partition last
    expected = [this_month]
    for _ in range(3):
        expected.append(next_month(expected[-1]))
    assert months == [*expected, None]
    assert "every partition was already there" in result.output
    assert partition_name(this_month) in result.output and "DEFAULT" in result.output


def test_rows_of_a_month_without_partition_wait_in_default_then_move_to_their_own(db, workdir, run_cli):
    result = run_cli("ingest", str(feed(workdir / "feed.csv", ROWS)))
    assert result.exit_code == 0, result.output
    assert stored(db) == 5
    if db.dialect == "sqlite":
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM price_observation")).scalar() == 5
        return
    assert where_rows_are(db) == {"observation_months.other": 5}
    ids_before = sorted(db.engine.connect().execute(text("SELECT id FROM price_observation")).scalars())

    result = run_cli("db", "partitions", "--ahead", "0")
    assert result.exit_code == 0, result.output
    assert "created: y2020m01, y2020m02, y2020m03" in result.output
    assert where_rows_are(db) == {"observation_months.y2020m01": 1, "observation_months.y2020m02": 2,
                                  "observation_months.y2020m03": 2}
    with db.engine.connect() as conn:
        assert sorted(conn.execute(text("SELECT id FROM price_observation")).scalars()) == ids_before

    # the same feed again through COPY: the unique key (listing, observed_at, source) holds across partitions
    result = run_cli("ingest", str(feed(workdir / "feed.csv", ROWS)))
    assert result.exit_code == 0, result.output
    assert "5 rows: 0 accepted, 5 duplicate" in result.output
    assert stored(db) == 5


def test_reingesting_the_same_feed_adds_nothing(db, workdir, run_cli):
    path = feed(workdir / "feed.csv", ROWS)
    assert run_cli("ingest", str(path)).exit_code == 0
    if db.dialect == "postgresql":
        with db.engine.begin() as conn:
            ensure_partitions(conn, ahead=0)
    result = run_cli("ingest", str(path))
    assert result.exit_code == 0, result.output
    assert "0 accepted, 5 duplicate" in result.output
    assert stored(db) == 5


def _explain_history(db, **filters) -> str:
    """Run pricewatch.history.query and EXPLAIN the very statement it sent (same SQL, same parameters)."""
    sent = []

    def capture(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        if "price_observation" in statement:
            sent.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        frame = history.query(db, tz="UTC", **filters)
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    assert len(sent) == 1
    statement, parameters = sent[0]
    with db.engine.connect() as conn:
        cursor = conn.connection.cursor()
        cursor.execute("EXPLAIN " + statement, parameters)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    return frame, plan


def test_a_time_bounded_history_query_scans_only_its_months(db, workdir, run_cli):
    assert run_cli("ingest", str(feed(workdir / "feed.csv", ROWS))).exit_code == 0
    if db.dialect == "sqlite":
        frame = history.query(db, tz="UTC", start="2020-02-01", end="2020-02-29")
        assert sorted(frame["price"]) == [12.0, 31.0]
        return
    with db.engine.begin() as conn:
        ensure_partitions(conn, ahead=0)
    frame, plan = _explain_history(db, start="2020-02-01", end="2020-02-29")
    assert sorted(frame["price"]) == [12.0, 31.0]
    scanned = {name for name in ("y2020m01", "y2020m02", "y2020m03", "other") if f"observation_months.{name}"
               in plan or f" {name} " in plan}
    assert scanned == {"y2020m02"}, plan
    # a query spanning two months scans those two; one without bounds scans every partition
    _, plan = _explain_history(db, start="2020-02-15", end="2020-03-10")
    assert "y2020m02" in plan and "y2020m03" in plan and "y2020m01" not in plan and "other" not in plan, plan
    _, plan = _explain_history(db)
    assert all(name in plan for name in ("y2020m01", "y2020m02", "y2020m03", "other")), plan


def test_migration_0006_converts_an_existing_database_keeping_ids_and_keys(db, workdir, run_cli, database_url):
    """Down to 0005 (a plain table, as before this issue), rows stored, then up to head: same rows and ids, one
    partition per month, new ids continue after the old ones, foreign keys and the unique key still hold."""
    upgrade_to = head_revision()
    from alembic import command

    from pricewatch.store.engine import alembic_config

    def migrate(direction: str, revision: str) -> None:
        with db.engine.begin() as conn:
            cfg = alembic_config(str(db.engine.url.render_as_string(hide_password=False)))
            cfg.attributes["connection"] = conn
            getattr(command, direction)(cfg, revision)

    migrate("downgrade", "0005")
    assert current_revision(db.engine) == "0005"
    with db.engine.connect() as conn:
        assert not is_partitioned(conn)
    # ingested by this version's code on the old schema (the CLI would upgrade first)
    old_schema = open_database(db.settings, url=database_url, auto_upgrade=False)
    assert ingest_files(old_schema, [feed(workdir / "feed.csv", ROWS)], source="feed").accepted == 5
    old_schema.engine.dispose()
    with db.engine.connect() as conn:
        before = conn.execute(text("SELECT id, listing_id, observed_at, price FROM price_observation "
                                   "ORDER BY id")).all()
    assert len(before) == 5

    upgrade(db.engine, upgrade_to)
    assert current_revision(db.engine) == upgrade_to
    with db.engine.connect() as conn:
        after = conn.execute(text("SELECT id, listing_id, observed_at, price FROM price_observation "
                                  "ORDER BY id")).all()
        partitioned = is_partitioned(conn)
    assert after == before
    if db.dialect == "postgresql":
        assert partitioned
        assert where_rows_are(db) == {"observation_months.y2020m01": 1, "observation_months.y2020m02": 2,
                                      "observation_months.y2020m03": 2}
    else:
        assert not partitioned

    # new rows get new ids after the old ones (the sequence survived the swap on PostgreSQL)
    result = run_cli("ingest", str(feed(workdir / "more.csv", [("102", "2020-02-10T08:00:00Z", "9.50")])))
    assert result.exit_code == 0, result.output
    with db.session() as s:
        newest = s.scalar(select(PriceObservation.id).join(Listing).where(Listing.listing_key == "102"))
        listing = s.scalar(select(Listing.id).where(Listing.listing_key == "100"))
    assert newest > max(row.id for row in before)
    # the unique key and the foreign key to listing still hold
    with pytest.raises(IntegrityError), db.engine.begin() as conn:
        conn.execute(text("INSERT INTO price_observation (listing_id, observed_at, price, currency, availability, "
                          "source, conflict) SELECT listing_id, observed_at, price, currency, availability, source, "
                          "false FROM price_observation WHERE listing_id = :l LIMIT 1"), {"l": listing})
    with pytest.raises(IntegrityError), db.engine.begin() as conn:
        conn.execute(text("INSERT INTO price_observation (listing_id, observed_at, price, currency, availability, "
                          "source, conflict) VALUES (987654, '2020-02-01 00:00:00+00', 1, 'CNY', 'in_stock', 'x', "
                          "false)"))
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Platform)) == 1


def test_months_of_history_can_be_created_before_loading_it(db, workdir, run_cli):
    result = run_cli("db", "partitions", "--since", "2020-01", "--ahead", "0")
    assert result.exit_code == 0, result.output
    if db.dialect == "sqlite":
        assert "nothing to partition" in result.output
    else:
        with db.engine.connect() as conn:
            months = [p.month for p in list_partitions(conn) if p.month is not None]
        assert months[0] == date(2020, 1, 1) and date(2020, 3, 1) in months
        assert all(next_month(a) == b for a, b in zip(months, months[1:]))  # no gap up to this month
        assert run_cli("ingest", str(feed(workdir / "feed.csv", ROWS))).exit_code == 0
        assert "observation_months.other" not in where_rows_are(db)  # straight to their months
    for bad in ("2020", "2020-13", "1899-01"):
        result = run_cli("db", "partitions", "--since", bad)
        assert result.exit_code == 2 and "--since" in result.output
