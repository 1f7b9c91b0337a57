"""Ingestion: feed rows → validated, normalised, stored observations (and quarantined rejects).

One chunk is one transaction: validate (vectorised) → normalise (once per distinct title/pack size) → upsert
platforms, sellers, listings → insert observations idempotently → quarantine bad rows → commit. When a file
breaks half-way (truncated gzip, wrong encoding) the committed chunks stay and are reported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pricewatch.errors import FeedError
from pricewatch.feed.reader import read_feed
from pricewatch.feed.schema import validate
from pricewatch.ingest import writer
from pricewatch.normalize import resolve_quantities, unit_prices
from pricewatch.store.engine import Database

DEFAULT_SOURCE = "feed"


@dataclass
class IngestStats:
    """Counts for one run. ``accepted`` rows were new; ``duplicate`` rows were valid but already stored."""

    rows: int = 0
    accepted: int = 0
    duplicate: int = 0
    rejected: int = 0
    new_listings: int = 0
    unnormalised: int = 0  # accepted rows whose quantity could not be read (no unit price)
    files: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: IngestStats) -> None:
        for name in ("rows", "accepted", "duplicate", "rejected", "new_listings", "unnormalised", "files"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.errors.extend(other.errors)

    def summary(self) -> str:
        text = (f"{self.rows:,} rows: {self.accepted:,} accepted, {self.duplicate:,} duplicate, "
                f"{self.rejected:,} rejected; {self.new_listings:,} new listings")
        if self.unnormalised:
            text += f"; {self.unnormalised:,} without a readable pack quantity (no unit price)"
        return text


class Ingestor:
    """Holds the per-run caches (platform/seller/listing ids) across chunks and files."""

    def __init__(self, db: Database, *, source: str = DEFAULT_SOURCE, assume_tz: str | None = None):
        self.db = db
        self.source = source
        self.assume_tz = assume_tz
        self.cache = writer.ListingCache()

    def ingest_chunk(self, chunk: pd.DataFrame, *, file: str | None = None) -> IngestStats:
        stats = IngestStats(rows=len(chunk))
        if "_line" not in chunk.columns:
            chunk = chunk.assign(_line=range(1, len(chunk) + 1))
        checked = validate(chunk, assume_tz=self.assume_tz)
        valid = checked.valid
        stats.rejected = len(checked.rejected)
        new_before = self.cache.new_listings
        with self.db.engine.begin() as conn:
            if not valid.empty:
                inserted, unnormalised = self._store(conn, valid)
                stats.accepted = inserted
                stats.duplicate = len(valid) - inserted
                stats.unnormalised = unnormalised
            writer.quarantine(conn, checked.rejected, source=self.source, file=file)
        stats.new_listings = self.cache.new_listings - new_before
        return stats

    def _store(self, conn, valid: pd.DataFrame) -> tuple[int, int]:  # noqa: ANN001
        quantities = resolve_quantities(valid["title"], valid["pack_size"], valid["category"])
        valid = valid.assign(
            category=quantities["category"],
            quantity=quantities["quantity"],
            quantity_unit=quantities["quantity_unit"],
            unit_price=unit_prices(valid["price"], valid["shipping"], quantities["quantity"]),
        )

        pids = writer.platform_ids(conn, sorted(valid["platform"].unique().tolist()), self.cache)
        valid["platform_id"] = valid["platform"].map(pids).astype("int64")

        # one row per listing/seller: the newest observation's attributes, first/last seen in this chunk
        valid = valid.sort_values("observed_at", kind="stable")
        grouped = valid.groupby(["platform_id", "listing_id"], sort=False)
        latest = grouped.tail(1).set_index(["platform_id", "listing_id"])
        span = grouped["observed_at"].agg(first="min", last="max")
        listings = latest.join(span).reset_index()

        with_seller = valid[valid["seller_id"].notna()]
        if not with_seller.empty:
            sg = with_seller.groupby(["platform_id", "seller_id"], sort=False)
            sellers = sg.tail(1).set_index(["platform_id", "seller_id"]).join(
                sg["observed_at"].agg(first="min", last="max")).reset_index()
            writer.upsert_sellers(conn, sellers, self.cache)
        seller_keys = list(zip(listings["platform_id"].tolist(), listings["seller_id"].tolist()))
        listings["seller_ref"] = [self.cache.sellers.get(k) if k[1] is not None else None for k in seller_keys]

        listing_rows = pd.DataFrame({
            "platform_id": listings["platform_id"],
            "listing_key": listings["listing_id"],
            "seller_id": listings["seller_ref"],
            "url": listings["url"],
            "title": listings["title"],
            "category": listings["category"],
            "pack_quantity": listings["quantity"],
            "pack_unit": listings["quantity_unit"],
            "normalised": listings["quantity"].notna(),
            "region": listings["region"],
            "first": listings["first"],
            "last": listings["last"],
        })
        writer.upsert_listings(conn, listing_rows, self.cache)
        keys = pd.MultiIndex.from_arrays([valid["platform_id"], valid["listing_id"]])
        ids = pd.Series(self.cache.listings).reindex(keys)
        valid["listing_id"] = ids.to_numpy(dtype="int64")

        seen = pd.DataFrame({"listing_id": listings.set_index(["platform_id", "listing_id"]).index.map(
            self.cache.listings), "first": listings["first"].to_numpy(), "last": listings["last"].to_numpy()})
        self.cache.seen = seen if self.cache.seen is None else (
            pd.concat([self.cache.seen, seen]).groupby("listing_id", as_index=False).agg(first=("first", "min"),
                                                                                          last=("last", "max")))
        valid["source"] = self.source
        inserted = writer.insert_observations(conn, valid)
        return inserted, int(valid["quantity"].isna().sum())

    def finish(self) -> None:
        """Write the gathered first/last-seen times (call at the end of each file or run)."""
        with self.db.engine.begin() as conn:
            writer.flush_seen(conn, self.cache)

    def ingest_file(self, path: str | Path, *, encoding: str = "utf-8",
                    on_read: Callable[[int], None] | None = None) -> IngestStats:
        """Ingest one feed file. A file-level error is recorded in ``errors`` after the chunks before it landed."""
        stats = IngestStats(files=1)
        try:
            for chunk in read_feed(path, encoding=encoding, on_read=on_read):
                stats.add(self.ingest_chunk(chunk, file=str(path)))
        except FeedError as exc:
            stats.errors.append(str(exc))
        finally:
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
            frame[name] = frame[name].map(lambda v: v if v is None or isinstance(v, str) else str(v))
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
