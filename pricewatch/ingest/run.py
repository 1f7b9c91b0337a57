"""Ingestion: feed rows → validated, normalised, stored observations (and quarantined rejects).

One chunk is one transaction: validate (vectorised) → normalise (once per distinct title/pack size) → upsert
platforms, sellers, listings → insert observations idempotently → tell the rows that were not new apart into
duplicates and conflicts (``pricewatch.ingest.conflicts``) → quarantine bad rows → commit. When a file breaks
half-way (truncated gzip, wrong encoding) the committed chunks stay and are reported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from pricewatch.errors import FeedError
from pricewatch.feed.reader import read_feed
from pricewatch.feed.schema import validate
from pricewatch.ingest import conflicts, writer
from pricewatch.normalize import resolve_quantities, unit_prices
from pricewatch.normalize.product import product_key
from pricewatch.store.engine import Database

DEFAULT_SOURCE = "feed"
COMMIT_ROWS = 400_000


@dataclass
class IngestStats:
    """Counts for one run. ``accepted`` rows were new; ``duplicate`` rows were valid and already stored with the
    same values; ``conflicts`` rows were valid but their key was stored with another price, shipping or currency
    (recorded in ``observation_conflict``; see ``pricewatch.ingest.conflicts``)."""

    rows: int = 0
    accepted: int = 0
    duplicate: int = 0
    conflicts: int = 0
    rejected: int = 0
    new_listings: int = 0
    unnormalised: int = 0  # accepted rows whose quantity could not be read (no unit price)
    files: int = 0
    errors: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)  # the first few quarantine reasons, "FILE:LINE: field: …"

    MAX_EXAMPLES = 5

    def add(self, other: IngestStats) -> None:
        for name in ("rows", "accepted", "duplicate", "conflicts", "rejected", "new_listings", "unnormalised",
                     "files"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.errors.extend(other.errors)
        self.examples.extend(other.examples[:self.MAX_EXAMPLES - len(self.examples)])

    @property
    def stored_or_known(self) -> int:
        """Valid rows: new, already stored, or conflicting with a stored row."""
        return self.accepted + self.duplicate + self.conflicts

    @property
    def all_rejected(self) -> bool:
        return self.rows > 0 and self.stored_or_known == 0

    def summary(self) -> str:
        text = (f"{self.rows:,} rows: {self.accepted:,} accepted, {self.duplicate:,} duplicate, "
                f"{self.conflicts:,} conflicting, {self.rejected:,} rejected; {self.new_listings:,} new listings")
        if self.unnormalised:
            text += f"; {self.unnormalised:,} without a readable pack quantity (no unit price)"
        return text


@dataclass
class Prepared:
    """A validated, normalised chunk waiting to be written."""

    rows: int
    valid: pd.DataFrame
    rejected: pd.DataFrame
    listings: pd.DataFrame | None = None  # one row per (platform, listing_id) in the chunk
    listing_of_row: np.ndarray | None = None  # for each valid row, its position in `listings`
    sellers: pd.DataFrame | None = None
    columns: list[list] | None = None  # observation columns after listing_id, ready for executemany (SQLite)


class Ingestor:
    """Holds the per-run caches (platform/seller/listing ids) across chunks and files."""

    def __init__(self, db: Database, *, source: str = DEFAULT_SOURCE, assume_tz: str | None = None):
        self.db = db
        self.source = source
        self.assume_tz = assume_tz
        self.cache = writer.ListingCache()

    def prepare(self, chunk: pd.DataFrame) -> Prepared:
        """Validate, normalise and group a chunk — no database access, so it runs ahead in a worker thread."""
        if "_line" not in chunk.columns:
            chunk = chunk.assign(_line=range(1, len(chunk) + 1))
        checked = validate(chunk, assume_tz=self.assume_tz)
        valid = checked.valid
        prepared = Prepared(rows=len(chunk), valid=valid, rejected=checked.rejected)
        if valid.empty:
            return prepared
        quantities = resolve_quantities(valid["title"], valid["pack_size"], valid["category"])
        valid = valid.assign(
            category=quantities["category"],
            quantity=quantities["quantity"],
            quantity_unit=quantities["quantity_unit"],
            quantity_source=quantities["quantity_source"],
            unnormalised_reason=quantities["unnormalised_reason"],
            unit_price=unit_prices(valid["price"], valid["shipping"], quantities["quantity"]),
            source=self.source,
        )
        # one row per listing: the newest observation's attributes, first/last seen in this chunk
        grouped = valid.groupby(["platform", "listing_id"], sort=False)
        times = grouped["observed_at"]
        listings = valid.loc[times.idxmax().to_numpy()].reset_index(drop=True)
        span = times.agg(first="min", last="max").reset_index(drop=True)
        listings["first"], listings["last"] = span["first"], span["last"]
        listing_of_row = grouped.ngroup().to_numpy()
        # Insert in listing order: the unique index on (listing, time, source) then grows in runs instead of at
        # random places (a day-major feed touches every listing once per day), which halves B-tree page churn.
        order = np.argsort(listing_of_row, kind="stable")
        valid = valid.iloc[order]
        prepared.listing_of_row = listing_of_row[order]  # row → position in `listings`
        with_seller = valid[valid["seller_id"].notna()]
        if not with_seller.empty:
            sg = with_seller.groupby(["platform", "seller_id"], sort=False)
            sellers = with_seller.loc[sg["observed_at"].idxmax().to_numpy()].reset_index(drop=True)
            seller_span = sg["observed_at"].agg(first="min", last="max").reset_index(drop=True)
            sellers["first"], sellers["last"] = seller_span["first"], seller_span["last"]
            prepared.sellers = sellers
        prepared.valid = valid
        prepared.listings = listings
        if self.db.dialect == "sqlite":
            prepared.columns = writer.observation_columns(valid)
        return prepared

    def store(self, prepared: Prepared, *, file: str | None = None, conn=None) -> IngestStats:  # noqa: ANN001
        """Write a prepared chunk: in ``conn``'s open transaction when given, else in a transaction of its own."""
        if conn is None:
            with self.db.engine.begin() as own:
                return self.store(prepared, file=file, conn=own)
        stats = IngestStats(rows=prepared.rows, rejected=len(prepared.rejected))
        new_before = self.cache.new_listings
        valid = prepared.valid
        if not valid.empty:
            inserted, conflicting = self._store(conn, prepared, file=file)
            stats.accepted = inserted
            stats.conflicts = conflicting
            stats.duplicate = len(valid) - inserted - conflicting
            stats.unnormalised = int(valid["quantity"].isna().sum())
        writer.quarantine(conn, prepared.rejected, source=self.source, file=file)
        for line, reason in zip(prepared.rejected["line"].tolist()[:IngestStats.MAX_EXAMPLES],
                                prepared.rejected["reason"].tolist()):
            stats.examples.append(writer.storable(f"{file}:{line}: {reason}" if file else f"row {line}: {reason}"))
        stats.new_listings = self.cache.new_listings - new_before
        return stats

    def ingest_chunk(self, chunk: pd.DataFrame, *, file: str | None = None) -> IngestStats:
        return self.store(self.prepare(chunk), file=file)

    def _store(self, conn, prepared: Prepared, *, file: str | None) -> tuple[int, int]:  # noqa: ANN001
        """Write a chunk's listings and observations; returns (new observations, conflicting rows)."""
        listings = prepared.listings
        pids = writer.platform_ids(conn, sorted(listings["platform"].unique().tolist()), self.cache)
        listings["platform_id"] = listings["platform"].map(pids).astype("int64")
        if prepared.sellers is not None:
            sellers = prepared.sellers
            sellers["platform_id"] = sellers["platform"].map(pids).astype("int64")
            writer.upsert_sellers(conn, sellers, self.cache, source=self.source)
        seller_keys = zip(listings["platform_id"].tolist(), listings["seller_id"].tolist())
        seller_ref = [self.cache.sellers.get(k) if k[1] is not None else None for k in seller_keys]

        listing_rows = pd.DataFrame({
            "platform_id": listings["platform_id"],
            "listing_key": listings["listing_id"],
            "seller_id": pd.Series(seller_ref, index=listings.index, dtype=object),
            "url": listings["url"],
            "title": listings["title"],
            "category": listings["category"],
            "pack_quantity": listings["quantity"],
            "pack_unit": listings["quantity_unit"],
            "normalised": listings["quantity"].notna(),
            "region": listings["region"],
            # where the quantity came from (pack_size, title:<rule>, default_single) or why there is none
            "quantity_source": listings["quantity_source"],
            "unnormalised_reason": listings["unnormalised_reason"],
            # one key per listing (not per observation), cached across chunks
            "product_key": pd.Series([product_key(t, c) for t, c in zip(listings["title"], listings["category"])],
                                     index=listings.index, dtype=object),
            "first": listings["first"],
            "last": listings["last"],
        })
        writer.upsert_listings(conn, listing_rows, self.cache)
        refs = np.fromiter((self.cache.listings[k] for k in zip(listing_rows["platform_id"].tolist(),
                                                                 listing_rows["listing_key"].tolist())),
                           dtype="int64", count=len(listing_rows))
        # (Series, not .to_numpy(): that would box every tz-aware time into a Timestamp object)
        seen = pd.DataFrame({"listing_id": refs, "first": listings["first"].reset_index(drop=True),
                             "last": listings["last"].reset_index(drop=True)})
        self.cache.seen = seen if self.cache.seen is None else (
            pd.concat([self.cache.seen, seen]).groupby("listing_id", as_index=False)
            .agg(first=("first", "min"), last=("last", "max")))
        listing_ids = refs[prepared.listing_of_row]
        file_id = writer.feed_file_id(conn, file, self.cache)
        if prepared.columns is not None:
            writer.stage_observation_columns(conn, listing_ids, prepared.columns, file_id)
        else:
            writer.stage_observations(conn, prepared.valid.assign(listing_id=listing_ids), file_id)
        try:
            inserted = writer.insert_staged(conn)
            # every staged row new: no duplicates, no conflicts, nothing to compare (the first ingest of a feed)
            conflicting = (0 if inserted == len(listing_ids)
                           else conflicts.record_staged_conflicts(conn, file=file))
        finally:
            writer.clear_staged(conn)
        return inserted, conflicting

    def finish(self) -> None:
        """Write the gathered first/last-seen times (call at the end of each file or run)."""
        with self.db.engine.begin() as conn:
            writer.flush_seen(conn, self.cache)

    def ingest_file(self, path: str | Path, *, encoding: str = "utf-8",
                    on_read: Callable[[int], None] | None = None) -> IngestStats:
        """Ingest one feed file. A file-level error is recorded in ``errors`` after the chunks before it landed."""
        stats = IngestStats(files=1)
        # Two stages on two cores: a worker thread reads, validates and normalises chunk n+1 (pyarrow, pandas and
        # regex work that releases the GIL often) while this thread writes chunk n to the database.
        chunks = read_feed(path, encoding=encoding, on_read=on_read)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pricewatch-prepare") as pool:
            def ahead():
                try:
                    return self.prepare(next(chunks))
                except StopIteration:
                    return None

            # One transaction per COMMIT_ROWS rows rather than per chunk: fewer commits (and WAL checkpoints) on
            # a big file, while a break still keeps everything committed before it.
            conn = self.db.engine.connect()
            transaction = conn.begin()
            pending_rows = 0
            try:
                pending = pool.submit(ahead)
                while (prepared := pending.result()) is not None:
                    pending = pool.submit(ahead)
                    stats.add(self.store(prepared, file=str(path), conn=conn))
                    pending_rows += prepared.rows
                    if pending_rows >= COMMIT_ROWS:
                        transaction.commit()
                        transaction = conn.begin()
                        pending_rows = 0
            except FeedError as exc:
                stats.errors.append(str(exc))
            finally:
                transaction.commit()
                conn.close()
                self.finish()
        return stats


def ingest_frame(db: Database, frame: pd.DataFrame, *, source: str = DEFAULT_SOURCE, file: str | None = None,
                 assume_tz: str | None = None) -> IngestStats:
    """Ingest feed v1 rows held in a DataFrame (values as strings; see ``pricewatch.feed.schema``).

    Used by the spiders' pipeline and the HTTP API. Rows are numbered from 1 in quarantine messages unless the
    frame carries its own ``_line`` column.
    """
    ingestor = Ingestor(db, source=source, assume_tz=assume_tz)
    frame = frame.astype(object).where(frame.notna(), None)
    for name in frame.columns:
        if name != "_line":
            # object dtype kept: an inferred Arrow string column cannot hold a lone surrogate ("\ud800")
            frame[name] = pd.Series([v if v is None or isinstance(v, str) else str(v) for v in frame[name]],
                                    index=frame.index, dtype=object)
    stats = ingestor.ingest_chunk(frame, file=file)
    ingestor.finish()
    return stats


def ingest_files(db: Database, paths: Iterable[str | Path], *, source: str = DEFAULT_SOURCE,
                 assume_tz: str | None = None, encoding: str = "utf-8",
                 on_read: Callable[[int], None] | None = None) -> IngestStats:
    """Ingest feed files in order; one ``IngestStats`` for all of them (file errors listed in ``errors``)."""
    ingestor = Ingestor(db, source=source, assume_tz=assume_tz)
    total = IngestStats()
    for path in paths:
        total.add(ingestor.ingest_file(path, encoding=encoding, on_read=on_read))
    return total
