"""`pricewatch ingest`: every bad-input case quarantines with a reason naming the field, valid rows land,
re-ingest adds nothing, time zones agree. Runs on SQLite and PostgreSQL (PRICEWATCH_TEST_BACKEND)."""

from __future__ import annotations

import gzip
import json

import pandas as pd
import pytest
from sqlalchemy import func, select

from pricewatch.ingest import ingest_files, ingest_frame
from pricewatch.store.models import Listing, Platform, PriceObservation, RejectedRecord, Seller

HEADER = "platform,listing_id,observed_at,price,currency,seller_id,seller_name,seller_license,title,shipping,availability,region"
GOOD = [
    "jd,100,2020-01-20T10:00:00+08:00,29.90,CNY,s1,好药师,91110000MA01,医用外科口罩 50只/盒,0,in_stock,CN",
    "jd,101,2020-01-20T10:00:00+08:00,89.00,CNY,s1,好药师,91110000MA01,KN95 口罩 10只/袋×5袋,,in_stock,CN-11",
    "tmall,A7,2020-01-20T03:00:00Z,39.90,CNY,t9,康康,,75%酒精消毒液 500ml*2瓶,5.00,out_of_stock,CN",
]


def write(path, lines, header=HEADER, encoding="utf-8"):
    path.write_text("\n".join([header, *lines]) + "\n", encoding=encoding)
    return path


def count(db, model):
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(model))


def rejected(db):
    with db.session() as s:
        return s.execute(select(RejectedRecord.line, RejectedRecord.field, RejectedRecord.reason)
                         .order_by(RejectedRecord.line)).all()


def test_valid_feed_lands_with_unit_prices(db, workdir, run_cli):
    feed = write(workdir / "feed.csv", GOOD)
    result = run_cli("ingest", str(feed))
    assert result.exit_code == 0, result.output
    assert "3 rows: 3 accepted, 0 duplicate, 0 conflicting, 0 rejected; 3 new listings" in result.output
    with db.session() as s:
        rows = s.execute(select(Listing.listing_key, PriceObservation.unit_price, PriceObservation.quantity,
                                PriceObservation.quantity_unit, PriceObservation.availability)
                         .join(Listing).order_by(Listing.listing_key)).all()
        assert [(r[0], round(r[1], 4), r[2], r[3], r[4]) for r in rows] == [
            ("100", 0.598, 50.0, "piece", "in_stock"),
            ("101", 1.78, 50.0, "piece", "in_stock"),
            ("A7", round(44.90 / 1000, 4), 1000.0, "ml", "out_of_stock"),
        ]
        seller = s.scalars(select(Seller).where(Seller.seller_key == "s1")).one()
        assert seller.name == "好药师" and seller.license == "91110000MA01"
        assert {p.name for p in s.scalars(select(Platform))} == {"jd", "tmall"}
        listing = s.scalars(select(Listing).where(Listing.listing_key == "101")).one()
        assert listing.category == "mask.respirator" and listing.region == "CN-11" and listing.normalised


def test_reingesting_the_same_file_adds_nothing(db, workdir, run_cli):
    feed = write(workdir / "feed.csv", [*GOOD, "jd,102,2020-01-20,1,CNY,,,,x,,,"])
    first = run_cli("ingest", str(feed))
    second = run_cli("ingest", str(feed))
    assert "3 accepted, 0 duplicate, 0 conflicting, 1 rejected" in first.output
    assert "0 accepted, 3 duplicate, 0 conflicting, 1 rejected; 0 new listings" in second.output
    assert count(db, PriceObservation) == 3
    assert count(db, Listing) == 3
    assert count(db, RejectedRecord) == 1  # the bad row is quarantined once, not once per run


def test_same_instant_in_two_zones_is_one_observation(db, workdir, run_cli):
    feed = write(workdir / "feed.csv", [
        "jd,100,2020-01-20T10:00:00+08:00,29.90,CNY,,,,口罩 50只,,,",
        "jd,100,2020-01-20T02:00:00Z,29.90,CNY,,,,口罩 50只,,,",
        "jd,100,2020-01-20T02:00:00.000+00:00,29.90,CNY,,,,口罩 50只,,,",
    ])
    result = run_cli("ingest", str(feed))
    assert "1 accepted, 2 duplicate" in result.output
    with db.session() as s:
        observed = s.scalar(select(PriceObservation.observed_at))
    assert observed.isoformat() == "2020-01-20T02:00:00+00:00"


BAD_ROWS = [
    ("jd,,2020-01-20T10:00:00+08:00,29.90,CNY,,,,口罩,,,", "listing_id", "listing_id: required value is missing"),
    (",100,2020-01-20T10:00:00+08:00,29.90,CNY,,,,口罩,,,", "platform", "platform: required value is missing"),
    ("jd,100,2020-01-20T10:00:00+08:00,abc,CNY,,,,口罩,,,", "price", "price: 'abc' is not a decimal number"),
    ("jd,100,2020-01-20T10:00:00+08:00,0,CNY,,,,口罩,,,", "price", "price: '0' must be greater than 0"),
    ("jd,100,2020-01-20T10:00:00+08:00,-3.5,CNY,,,,口罩,,,", "price", "price: '-3.5' is not a decimal number"),
    ("jd,100,2020-01-20T10:00:00+08:00,\"1,299.00\",CNY,,,,口罩,,,", "price", "price: '1,299.00' is not a decimal"),
    ("jd,100,2020-01-20T10:00:00+08:00,29.90,RMB,,,,口罩,,,", "currency", "currency: 'RMB' is not an ISO 4217"),
    ("jd,100,2020-01-20T10:00:00+08:00,29.90,,,,,口罩,,,", "currency", "currency: required value is missing"),
    ("jd,100,2020-01-20T10:00:00,29.90,CNY,,,,口罩,,,", "observed_at", "has no time zone"),
    ("jd,100,yesterday+08:00,29.90,CNY,,,,口罩,,,", "observed_at", "is not an ISO 8601 instant"),
    ("jd,100,2020-02-30T10:00:00Z,29.90,CNY,,,,口罩,,,", "observed_at", "is not an ISO 8601 instant"),
    ("jd,100,2020-01-20T10:00:00Z,29.90,CNY,,,,口罩,-1,,", "shipping", "shipping: '-1' is not a decimal number >= 0"),
    ("jd,100,2020-01-20T10:00:00Z,29.90,CNY,,,,口罩,,sold out,", "availability", "'sold out' is not one of"),
    ("jd,100,2020-01-20T10:00:00Z,29.90,CNY,,,,口罩,,,Atlantis", "region", "'Atlantis' is not an ISO 3166"),
    ("jd,100,2020-01-20T10:00:00Z,29.90,CNY,,,,口罩,,in_stock", "row", "expected 12 fields, found 11"),
]


@pytest.mark.parametrize(("line", "field", "reason"), BAD_ROWS, ids=[f"{f}-{i}" for i, (_, f, _) in enumerate(BAD_ROWS)])
def test_bad_row_is_quarantined_with_its_field_and_the_rest_lands(db, workdir, run_cli, line, field, reason):
    feed = write(workdir / "feed.csv", [GOOD[0], line, GOOD[2]])
    result = run_cli("ingest", str(feed))
    assert result.exit_code == 0, result.output
    assert "2 accepted, 0 duplicate, 0 conflicting, 1 rejected" in result.output
    assert count(db, PriceObservation) == 2
    [(at_line, stored_field, stored_reason)] = rejected(db)
    assert at_line == 3 and stored_field == field
    assert stored_reason.startswith(f"{feed}:3: ")
    assert reason in stored_reason


def test_unknown_category_id_is_rejected(db, workdir, run_cli):
    feed = write(workdir / "feed.csv", ["jd,1,2020-01-20T10:00:00Z,9.9,CNY,口罩 50只,masks", GOOD[0][:0] or
                                        "jd,2,2020-01-20T10:00:00Z,9.9,CNY,口罩 50只,mask.surgical"],
                 header="platform,listing_id,observed_at,price,currency,title,category")
    result = run_cli("ingest", str(feed))
    assert "1 accepted, 0 duplicate, 0 conflicting, 1 rejected" in result.output
    [(line, field, reason)] = rejected(db)
    assert (line, field) == (2, "category") and "'masks' is not a taxonomy id" in reason


def test_assume_tz_accepts_local_times(db, workdir, run_cli):
    feed = write(workdir / "feed.csv", ["jd,100,2020-01-20 10:00:00,29.90,CNY,,,,口罩 50只,,,"])
    result = run_cli("ingest", "--assume-tz", "Asia/Shanghai", str(feed))
    assert "1 accepted" in result.output, result.output
    with db.session() as s:
        assert s.scalar(select(PriceObservation.observed_at)).isoformat() == "2020-01-20T02:00:00+00:00"


def test_missing_required_column_is_a_clear_error_and_nothing_lands(db, workdir, run_cli):
    feed = write(workdir / "feed.csv", ["jd,100,2020-01-20T10:00:00Z,29.90"],
                 header="platform,listing_id,observed_at,price")
    result = run_cli("ingest", str(feed))
    assert result.exit_code == 1
    assert "missing required column(s) currency" in result.output
    assert f"{feed}:1:" in result.output
    assert count(db, PriceObservation) == 0


def test_unreadable_file_is_a_clear_error(db, workdir, run_cli):
    result = run_cli("ingest", str(workdir / "nope.csv"))
    assert result.exit_code == 1
    assert "nope.csv: no such file" in result.output
    (workdir / "locked.csv").write_text(HEADER + "\n")
    (workdir / "locked.csv").chmod(0)
    try:
        import os

        if os.geteuid() != 0:  # root reads anything; the directory case below covers root
            result = run_cli("ingest", str(workdir / "locked.csv"))
            assert result.exit_code == 1 and "cannot open" in result.output
    finally:
        (workdir / "locked.csv").chmod(0o644)
    result = run_cli("ingest", str(workdir))
    assert result.exit_code == 1 and "is a directory" in result.output


def test_gbk_feed_needs_encoding_and_says_so(db, workdir, run_cli):
    feed = write(workdir / "gbk.csv", GOOD, encoding="gbk")
    result = run_cli("ingest", str(feed))
    assert result.exit_code == 1
    assert "--encoding gbk" in result.output
    assert count(db, PriceObservation) == 0
    result = run_cli("ingest", "--encoding", "gbk", str(feed))
    assert result.exit_code == 0 and "3 accepted" in result.output
    with db.session() as s:
        assert s.scalar(select(Seller.name).where(Seller.seller_key == "s1")) == "好药师"


def test_truncated_gzip_keeps_the_rows_before_the_break(db, workdir, monkeypatch):
    import pricewatch.feed.reader as reader

    monkeypatch.setattr(reader, "BLOCK_BYTES", 64 << 10)
    import random

    rnd = random.Random(5)  # varied text, so the gzip stream is long enough to break in the middle
    lines = [f"jd,{rnd.getrandbits(48):x},2020-01-{1 + i % 28:02d}T10:{i % 60:02d}:00+08:00,{rnd.randint(100, 9999) / 100},"
             f"CNY,s{rnd.randint(1, 999)},x,,口罩 {rnd.randint(1, 99)}只,,in_stock,CN" for i in range(60000)]
    data = gzip.compress(("\n".join([HEADER, *lines]) + "\n").encode())
    path = workdir / "feed.csv.gz"
    path.write_bytes(data[: len(data) * 2 // 3])
    stats = ingest_files(db, [path])
    assert stats.errors and "truncated or corrupt gzip" in stats.errors[0]
    assert str(path) in stats.errors[0]
    stored = count(db, PriceObservation)
    assert stats.accepted == stored and 0 < stored < 60000


def test_truncated_gzip_exits_nonzero_on_the_command_line(db, workdir, run_cli):
    data = gzip.compress(("\n".join([HEADER, *GOOD * 2000]) + "\n").encode())
    path = workdir / "feed.csv.gz"
    path.write_bytes(data[:-20])
    result = run_cli("ingest", str(path))
    assert result.exit_code == 1
    assert "truncated or corrupt gzip" in result.output


def test_jsonl_and_gzip_feeds(db, workdir, run_cli):
    records = [
        {"platform": "amazon", "listing_id": "B08X", "observed_at": "2020-03-01T12:00:00-05:00", "price": 19.99,
         "currency": "USD", "title": "Disposable Face Masks 50 Count (Pack of 2)", "shipping": "4.99"},
        {"platform": "amazon", "listing_id": "B08Y", "observed_at": "2020-03-01T12:00:00Z", "price": "n/a",
         "currency": "USD"},
    ]
    text = "\n".join(json.dumps(r) for r in records) + "\n{not json\n"
    (workdir / "feed.jsonl.gz").write_bytes(gzip.compress(text.encode()))
    result = run_cli("ingest", str(workdir / "feed.jsonl.gz"))
    assert result.exit_code == 0, result.output
    assert "3 rows: 1 accepted, 0 duplicate, 0 conflicting, 2 rejected" in result.output
    fields = [(line, field) for line, field, _ in rejected(db)]
    assert fields == [(2, "price"), (3, "row")]
    with db.session() as s:
        unit_price = s.scalar(select(PriceObservation.unit_price))
    assert unit_price == pytest.approx((19.99 + 4.99) / 100)


def test_unknown_quantity_leaves_unit_price_empty_and_listing_unnormalised(db, workdir, run_cli):
    feed = write(workdir / "feed.csv", ["jd,9,2020-01-20T10:00:00Z,59.00,CNY,,,,口罩 2盒,,,"])
    result = run_cli("ingest", str(feed))
    assert "without a readable pack quantity" in result.output
    with db.session() as s:
        obs = s.scalars(select(PriceObservation)).one()
        listing = s.scalars(select(Listing)).one()
    assert obs.unit_price is None and obs.quantity is None
    assert listing.normalised is False


def test_pack_size_change_keeps_unit_price_and_newest_title_wins(db, workdir):
    frame = pd.DataFrame({
        "platform": ["jd", "jd"], "listing_id": ["7", "7"],
        "observed_at": ["2020-01-21T00:00:00Z", "2020-01-20T00:00:00Z"],
        "price": ["59.80", "29.90"], "currency": ["CNY", "CNY"],
        "title": ["口罩 100只/盒", "口罩 50只/盒"],
    })
    stats = ingest_frame(db, frame, source="test")
    assert (stats.accepted, stats.rejected) == (2, 0)
    with db.session() as s:
        prices = s.scalars(select(PriceObservation.unit_price).order_by(PriceObservation.observed_at)).all()
        listing = s.scalars(select(Listing)).one()
    assert prices == [pytest.approx(0.598), pytest.approx(0.598)]
    assert listing.title == "口罩 100只/盒" and listing.pack_quantity == 100
    assert listing.first_seen_at.isoformat() == "2020-01-20T00:00:00+00:00"
    assert listing.last_seen_at.isoformat() == "2020-01-21T00:00:00+00:00"


def test_reingesting_an_older_file_does_not_roll_the_title_back(db, workdir):
    new = pd.DataFrame({"platform": ["jd"], "listing_id": ["7"], "observed_at": ["2020-02-01T00:00:00Z"],
                        "price": ["59.80"], "currency": ["CNY"], "title": ["口罩 100只/盒"]})
    old = new.assign(observed_at="2020-01-01T00:00:00Z", price="29.90", title="口罩 50只/盒")
    ingest_frame(db, new)
    ingest_frame(db, old)
    with db.session() as s:
        listing = s.scalars(select(Listing)).one()
    assert listing.title == "口罩 100只/盒"
    assert listing.first_seen_at.isoformat() == "2020-01-01T00:00:00+00:00"


def test_ingest_frame_reports_rows_numbered_from_one(db):
    frame = pd.DataFrame({"platform": ["jd", "jd"], "listing_id": ["1", "2"],
                          "observed_at": ["2020-01-20T00:00:00Z", "2020-01-20T00:00:00Z"],
                          "price": ["9.9", "free"], "currency": ["CNY", "CNY"]})
    stats = ingest_frame(db, frame, source="api", file="POST /v1/observations")
    assert (stats.accepted, stats.rejected) == (1, 1)
    [(line, field, reason)] = rejected(db)
    assert (line, field) == (2, "price") and reason.startswith("POST /v1/observations:2: price: 'free'")


def test_many_chunks_and_listings_are_counted_once(db, workdir, monkeypatch):
    import pricewatch.feed.reader as reader

    monkeypatch.setattr(reader, "CHUNK_ROWS", 700)
    lines = [f"jd,{i % 300},2020-01-{1 + i // 300:02d}T10:00:00+08:00,{10 + i % 7}.50,CNY,s{i % 13},x,,"
             f"口罩 50只,,in_stock,CN" for i in range(3000)]
    feed = write(workdir / "big.csv", lines)
    stats = ingest_files(db, [feed])
    assert (stats.rows, stats.accepted, stats.duplicate, stats.rejected) == (3000, 3000, 0, 0)
    assert stats.new_listings == 300
    assert count(db, Listing) == 300 and count(db, Seller) == 13
    with db.session() as s:
        first, last = s.execute(select(func.min(Listing.first_seen_at), func.max(Listing.last_seen_at))).one()
    assert str(first)[:10] == "2020-01-01" and str(last)[:10] == "2020-01-10"
