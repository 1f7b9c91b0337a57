"""A careless producer's feed files (tests/data/bad_feeds, made by make_corpus.py): none crashes ingestion, none
loses a valid row, and every summary adds up; `pricewatch feed validate` gives exactly the reasons ingest stores,
and the published JSON Schema rejects every row kind validation rejects.

Each file's expectation is in manifest.json: how many valid rows must be stored, how many rows the summary must
count, and which files must end in a one-line error naming the file.

The corpus is ingested once and validated once per module (``corpus_ingested``, ``corpus_checked``) and the
corpus-wide tests read those results: ingesting it was the slowest part of the suite, and each test used to
repeat the same pass (same files, same order, a fresh database each time).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import pytest
from sqlalchemy import func, select

from pricewatch.feed.check import FileCheck, check_file
from pricewatch.feed.json_schema import feed_schema
from pricewatch.ingest import Ingestor
from pricewatch.ingest.run import IngestStats
from pricewatch.store.models import PriceObservation, RejectedRecord

CORPUS = Path(__file__).parent / "data" / "bad_feeds"
MANIFEST = json.loads((CORPUS / "manifest.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(feed_schema(), format_checker=jsonschema.FormatChecker())


@dataclass
class Ingested:
    """One corpus file after ``Ingestor.ingest_file``: its statistics, or what it raised; the quarantine's reasons."""

    stats: IngestStats | None
    crash: str | None
    quarantine: Counter


@pytest.fixture(scope="module")
def corpus_ingested(module_db) -> dict[str, Ingested]:  # noqa: ANN001
    """Every corpus file ingested in name order into one fresh database, with the reasons stored for each file
    read right after that file (as the per-test passes did)."""
    ingestor = Ingestor(module_db, source="corpus")
    done = {}
    for name in sorted(MANIFEST):
        path = CORPUS / name
        stats, crash = None, None
        try:
            stats = ingestor.ingest_file(path)
        except Exception as exc:  # the defect test_no_bad_file_crashes… is about: report every file, not the first
            crash = f"{type(exc).__name__}: {exc}"[:300]
        with module_db.session() as s:
            reasons = s.scalars(select(RejectedRecord.reason).where(RejectedRecord.file == str(path))).all()
        done[name] = Ingested(stats, crash, Counter(reasons))
    return done


@pytest.fixture(scope="module")
def corpus_checked() -> dict[str, FileCheck]:
    """Every corpus file through ``check_file`` (what `pricewatch feed validate` runs); writes nothing."""
    return {name: check_file(CORPUS / name) for name in sorted(MANIFEST)}


def test_the_corpus_holds_at_least_200_bad_files():
    assert len(MANIFEST) >= 200
    assert all((CORPUS / name).is_file() for name in MANIFEST)


def test_no_bad_file_crashes_or_loses_a_valid_row(corpus_ingested):
    failures = []
    for name, expect in sorted(MANIFEST.items()):
        done = corpus_ingested[name]
        if done.stats is None:
            failures.append(f"{name}: {done.crash}")
            continue
        stats = done.stats
        counted = stats.accepted + stats.duplicate + stats.conflicts + stats.rejected
        if counted != stats.rows:
            failures.append(f"{name}: counts do not add up: {stats.summary()}")
        if expect["rows"] is not None and stats.rows != expect["rows"]:
            failures.append(f"{name}: {stats.rows} rows counted, the file has {expect['rows']}")
        if expect["valid"] >= 0 and stats.accepted != expect["valid"]:
            failures.append(f"{name}: {stats.accepted} valid rows stored, expected {expect['valid']}: "
                            f"{stats.summary()} {stats.examples[:2]}")
        if expect["valid"] == -1 and (stats.accepted == 0 or stats.rejected):  # truncated: the complete rows only
            failures.append(f"{name}: a truncated file must keep its complete rows, nothing else: {stats.summary()}")
        if expect["error"]:
            if not stats.errors:
                failures.append(f"{name}: expected an error about {expect['error']!r}, got none")
            elif expect["error"] not in stats.errors[0] or "\n" in stats.errors[0] or name not in stats.errors[0]:
                failures.append(f"{name}: error should be one line naming the file and {expect['error']!r}: "
                                f"{stats.errors[0][:200]}")
        elif stats.errors:
            failures.append(f"{name}: unexpected error {stats.errors[0][:200]}")
        quarantined = sum(done.quarantine.values())
        if quarantined != stats.rejected:
            failures.append(f"{name}: {stats.rejected} rejected but {quarantined} rows in quarantine")
    assert not failures, f"{len(failures)} of {len(MANIFEST)} files:\n" + "\n".join(failures)


def test_feed_validate_gives_exactly_the_reasons_ingest_stores(corpus_ingested, corpus_checked):
    """Every file of the bad-input corpus: the lines `feed validate` prints are the quarantine's reasons."""
    mismatches = []
    for name in sorted(MANIFEST):
        checked, done = corpus_checked[name], corpus_ingested[name]
        if done.stats is None:
            mismatches.append(f"{name}: ingest raised {done.crash}")
            continue
        stats, stored = done.stats, done.quarantine
        printed = Counter(bad.message() for bad in checked.bad)
        if printed != stored:
            mismatches.append(f"{name}: validate {sum(printed.values())} vs ingest {sum(stored.values())}: "
                              f"{list((printed - stored).items())[:1]} / {list((stored - printed).items())[:1]}")
        if checked.valid != stats.stored_or_known:
            mismatches.append(f"{name}: {checked.valid} valid rows vs {stats.stored_or_known} stored by ingest")
        if (checked.error is None) != (not stats.errors) or (checked.error and checked.error != stats.errors[0]):
            mismatches.append(f"{name}: error {checked.error!r} vs ingest {stats.errors[:1]!r}")
    assert not mismatches, f"{len(mismatches)} of {len(MANIFEST)} files:\n" + "\n".join(mismatches[:20])


def test_the_schema_rejects_every_row_kind_the_validator_rejects_in_the_corpus(corpus_checked):
    """Each JSON Lines row of the corpus that validation rejects (and that is a JSON object) breaks the schema."""
    kinds: Counter = Counter()
    accepted = []
    for name in sorted(MANIFEST):
        if not name.endswith(".jsonl"):
            continue
        lines = (CORPUS / name).read_bytes().decode("utf-8", errors="replace").splitlines()
        for bad in corpus_checked[name].bad:
            if bad.field == "row":
                continue  # not a JSON object / not text: no row for a schema to judge
            try:
                row = json.loads(lines[bad.line - 1].lstrip("\ufeff"))
            except (ValueError, IndexError):
                continue
            kinds[bad.field] += 1
            if VALIDATOR.is_valid(row):
                accepted.append(f"{name}:{bad.line}: {bad.reason[:100]}")
    assert not accepted, "\n".join(accepted[:20])
    assert len(kinds) >= 4, kinds


@pytest.mark.parametrize("name", ["instant_00.csv", "instant_01.jsonl", "instant_02.csv", "instant_05.jsonl"])
def test_an_instant_outside_the_storable_years_is_quarantined_with_its_reason(db, name):
    stats = Ingestor(db).ingest_file(CORPUS / name)
    assert (stats.accepted, stats.rejected) == (3, 1)
    with db.session() as s:
        reason = s.scalar(select(RejectedRecord.reason).where(RejectedRecord.field == "observed_at"))
    line = 4 if name.endswith(".csv") else 3  # the bad row is the third row; a CSV header is line 1
    assert "outside the years 1678–2261" in reason and f"{name}:{line}:" in reason


def test_a_latin1_byte_costs_its_own_row_only_and_says_which_byte(db):
    stats = Ingestor(db).ingest_file(CORPUS / "latin1_row.csv")
    assert (stats.accepted, stats.rejected) == (3, 1)
    assert "byte 0xE9" in stats.examples[0] and "latin1_row.csv:5:" in stats.examples[0]


def test_trailing_garbage_after_gzip_keeps_every_row_and_says_so(db):
    stats = Ingestor(db).ingest_file(CORPUS / "trailing_garbage.csv.gz")
    assert stats.accepted == 5 and "trailing data" in stats.errors[0]


def test_column_limits_are_the_same_on_every_backend(db):
    """Rows a PostgreSQL column would refuse are quarantined before the database sees them (and SQLite gets the
    same answer instead of an infinite price)."""
    for name in ("price_01.csv", "price_02.jsonl", "price_00.csv", "nul_title.csv", "nul_seller_id.jsonl",
                 "long_seller_id.csv", "long_seller_name.jsonl", "long_pack_size.csv"):
        stats = Ingestor(db).ingest_file(CORPUS / name)
        assert (stats.accepted, stats.rejected) == (3, 1), name
    with db.session() as s:
        assert s.scalar(select(func.max(PriceObservation.price))) < 1e14


def test_a_long_title_without_a_brand_is_stored_on_every_backend(db):
    """The product key of a brandless title is the title's words; past the column's 200 characters it is a digest
    (PostgreSQL refused the row, and the whole chunk with it)."""
    import pandas as pd

    from pricewatch.ingest import ingest_frame

    title = "医用外科口罩 一次性 三层 防护 " * 20 + " 50只/盒"
    stats = ingest_frame(db, pd.DataFrame([{"platform": "jd", "listing_id": "LONG", "price": "29.90", "currency": "CNY",
                                            "observed_at": "2020-01-20T10:00:00Z", "title": title}]))
    assert stats.accepted == 1
    from pricewatch.store.models import Listing

    with db.session() as s:
        key = s.scalar(select(Listing.product_key).where(Listing.listing_key == "LONG"))
    assert key and len(key) <= 200 and "title-sha1:" in key
