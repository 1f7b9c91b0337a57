"""Bulk writes for ingestion: platforms, sellers and listings (upserts), observations, quarantine.

The hot path is the observation insert. A chunk is first staged in a temporary table ``incoming_observation`` —
one ``executemany`` on the raw driver cursor on SQLite (SQLAlchemy Core costs ~40% here, see MEASURED.md), COPY on
PostgreSQL — and then moved with one ``INSERT … SELECT … ON CONFLICT DO NOTHING``. The unique index on (listing,
observed_at, source) makes re-ingesting free of duplicates, and the driver's row count tells how many rows were
new. While the chunk is staged, ``pricewatch.ingest.conflicts`` joins the rows that were not new with the stored
ones to tell duplicates from conflicts (staging into an unindexed temporary table costs about what the direct
insert did, and the join needs the rows in the database anyway). Each staged row carries its ``feed_file`` id and
line, so a stored observation says where its values came from.

Listings are upserted only when new or changed within a run (``ListingCache``): a 1M-row feed mentions each of
its 20,000 listings fifty times. First/last-seen times are gathered in memory and written once per file.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy import Connection, bindparam, case, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from pricewatch.store.models import (
    AuditLog,
    FeedFile,
    Listing,
    Platform,
    PriceObservation,
    RejectedRecord,
    Seller,
    utcnow,
)

OBS_COLUMNS = ("listing_id", "observed_at", "price", "shipping", "currency", "availability", "quantity",
               "quantity_unit", "unit_price", "list_price", "source", "snapshot_sha256")
# what the staging table holds per row: the observation columns plus where it came from
STAGED_COLUMNS = (*OBS_COLUMNS, "file_id", "line")
LISTING_ATTRS = ("seller_id", "url", "title", "category", "pack_quantity", "pack_unit", "normalised", "region",
                 "quantity_source", "unnormalised_reason", "product_key")


def _dialect_insert(conn: Connection):
    return postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert


def nullable(series: pd.Series) -> list:
    """Column values as a list with None for missing (NaN, NA, NaT)."""
    values = series.astype(object)
    return values.where(series.notna(), None).tolist()


def utc_text(ts: pd.Series) -> np.ndarray:
    """UTC timestamps as SQLAlchemy's SQLite DateTime text ('YYYY-MM-DD HH:MM:SS.ffffff'), vectorised."""
    raw = ts.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(dtype="datetime64[us]")
    text = np.datetime_as_string(raw, unit="us")  # 'YYYY-MM-DDTHH:MM:SS.ffffff', fixed width 26
    if len(text):
        text.view(np.uint32).reshape(len(text), -1)[:, 10] = ord(" ")  # the 'T' → ' ' in place
    return text


@dataclass
class ListingCache:
    """Ids and last-written attributes of listings (and sellers, platforms) seen in this run."""

    platforms: dict[str, int] = field(default_factory=dict)
    sellers: dict[tuple[int, str], int] = field(default_factory=dict)
    seller_attrs: dict[tuple[int, str], tuple] = field(default_factory=dict)
    listings: dict[tuple[int, str], int] = field(default_factory=dict)
    listing_attrs: dict[tuple[int, str], tuple] = field(default_factory=dict)
    seen: pd.DataFrame | None = None  # listing_id, first, last (UTC) not yet written
    files: dict[str, int] = field(default_factory=dict)  # feed_file ids by name
    new_listings: int = 0


def platform_ids(conn: Connection, names: list[str], cache: ListingCache) -> dict[str, int]:
    missing = [n for n in names if n not in cache.platforms]
    if missing:
        insert = _dialect_insert(conn)
        conn.execute(insert(Platform).on_conflict_do_nothing(index_elements=["name"]),
                     [{"name": n, "created_at": utcnow()} for n in missing])
        for pid, name in conn.execute(select(Platform.id, Platform.name).where(Platform.name.in_(missing))):
            cache.platforms[name] = pid
    return cache.platforms


def trusted_license_source(source: str) -> bool:
    """Whether a licence from ``source`` may be stored: feeds an operator ingests (files, crawls) are the
    platforms' verified data; pushes through the API (``api:<platform>``) are a platform's claims, audited only."""
    return not source.startswith("api:")


def upsert_sellers(conn: Connection, rows: pd.DataFrame, cache: ListingCache, source: str = "feed") -> None:
    """``rows``: platform_id, seller_id (key), seller_name, seller_license, first, last — one row per seller.

    A seller's licence links it across platforms (joint enforcement), so it is set only by a trusted source
    (:func:`trusted_license_source`) and every change is written to the audit log: ``seller.license_set``,
    ``seller.license_changed`` (old and new value), or ``seller.license_claimed`` for an untrusted source's
    value, which is not stored.
    """
    if rows.empty:
        return
    keys = list(zip(rows["platform_id"].tolist(), rows["seller_id"].tolist()))
    attrs = list(zip(rows["seller_name"].tolist(), rows["seller_license"].tolist()))
    todo = [i for i, (k, a) in enumerate(zip(keys, attrs)) if cache.seller_attrs.get(k) != a]
    if not todo:
        return
    sub = rows.iloc[todo]
    trusted = trusted_license_source(source)
    incoming = dict(zip([keys[i] for i in todo], nullable(sub["seller_license"])))
    stored = _stored_licenses(conn, [k for k, lic in incoming.items() if lic is not None])
    insert = _dialect_insert(conn)
    stmt = insert(Seller)
    stmt = stmt.on_conflict_do_update(
        index_elements=["platform_id", "seller_key"],
        set_={
            "name": func.coalesce(stmt.excluded.name, Seller.name),
            "license": func.coalesce(stmt.excluded.license, Seller.license),
            "last_seen_at": stmt.excluded.last_seen_at,
        },
    ).returning(Seller.id, Seller.platform_id, Seller.seller_key)
    params = [
        {"platform_id": p, "seller_key": k, "name": n, "license": lic if trusted else None,
         "first_seen_at": f, "last_seen_at": la}
        for p, k, n, lic, f, la in zip(sub["platform_id"].tolist(), sub["seller_id"].tolist(),
                                       nullable(sub["seller_name"]), nullable(sub["seller_license"]),
                                       sub["first"].dt.to_pydatetime(), sub["last"].dt.to_pydatetime())
    ]
    for sid, pid, key in conn.execute(stmt, params):
        cache.sellers[(pid, key)] = sid
    audits = []
    for key, lic in incoming.items():
        before = stored.get(key)
        if lic is None or lic == before:
            continue
        action = ("seller.license_claimed" if not trusted else
                  "seller.license_set" if before is None else "seller.license_changed")
        audits.append({"at": utcnow(), "actor": source[:128], "action": action,
                       "target": f"seller:{cache.sellers.get(key)}",
                       "detail": {"seller_id": key[1], "from": before, "to": lic, "source": source,
                                  "stored": trusted}})
    if audits:
        conn.execute(insert(AuditLog), audits)
    for i in todo:
        cache.seller_attrs[keys[i]] = attrs[i]


def _stored_licenses(conn: Connection, keys: list[tuple[int, str]]) -> dict[tuple[int, str], str | None]:
    """The stored licence of each (platform_id, seller_key) that exists."""
    found: dict[tuple[int, str], str | None] = {}
    by_platform: dict[int, list[str]] = {}
    for p, k in keys:
        by_platform.setdefault(p, []).append(k)
    for p, ks in by_platform.items():
        for start in range(0, len(ks), 5000):
            for key, lic in conn.execute(select(Seller.seller_key, Seller.license)
                                         .where(Seller.platform_id == p, Seller.seller_key.in_(ks[start:start + 5000]))):
                found[(p, key)] = lic
    return found


def upsert_listings(conn: Connection, rows: pd.DataFrame, cache: ListingCache) -> None:
    """``rows``: one row per listing with platform_id, listing_key, the LISTING_ATTRS and first/last seen.

    The newest observation's attributes win (a re-ingested old file does not roll a title back); identity fields
    (seller, url) are never overwritten with NULL.
    """
    if rows.empty:
        return
    keys = list(zip(rows["platform_id"].tolist(), rows["listing_key"].tolist()))
    attrs = list(zip(*(nullable(rows[a]) for a in LISTING_ATTRS)))
    todo = [i for i, (k, a) in enumerate(zip(keys, attrs)) if cache.listing_attrs.get(k) != a]
    if not todo:
        return
    sub = rows.iloc[todo]
    insert = _dialect_insert(conn)
    stmt = insert(Listing)
    ex = stmt.excluded
    newer = (ex.last_seen_at >= Listing.last_seen_at) | Listing.last_seen_at.is_(None)
    def newest(col: str, keep_old_when_null: bool = False):
        new, old = getattr(ex, col), getattr(Listing, col)
        if keep_old_when_null:
            return case((newer, func.coalesce(new, old)), else_=func.coalesce(old, new))
        return case((newer, new), else_=old)

    least, greatest = (func.least, func.greatest) if conn.dialect.name == "postgresql" else (func.min, func.max)
    stmt = stmt.on_conflict_do_update(
        index_elements=["platform_id", "listing_key"],
        set_={
            "seller_id": newest("seller_id", True),
            "url": newest("url", True),
            "title": newest("title", True),
            "category": newest("category", True),
            "pack_quantity": newest("pack_quantity"),
            "pack_unit": newest("pack_unit"),
            "normalised": newest("normalised"),
            "region": newest("region", True),
            "quantity_source": newest("quantity_source"),
            "unnormalised_reason": newest("unnormalised_reason"),
            "product_key": newest("product_key"),
            "first_seen_at": least(func.coalesce(Listing.first_seen_at, ex.first_seen_at), ex.first_seen_at),
            "last_seen_at": greatest(func.coalesce(Listing.last_seen_at, ex.last_seen_at), ex.last_seen_at),
        },
    )
    columns = {a: nullable(sub[a]) for a in LISTING_ATTRS}
    params = []
    for i, (p, k, f, la) in enumerate(zip(sub["platform_id"].tolist(), sub["listing_key"].tolist(),
                                          sub["first"].dt.to_pydatetime(), sub["last"].dt.to_pydatetime())):
        row = {"platform_id": p, "listing_key": k, "first_seen_at": f, "last_seen_at": la, "status": "active"}
        for a in LISTING_ATTRS:
            row[a] = columns[a][i]
        row["normalised"] = bool(row["normalised"])
        params.append(row)
    unknown: dict[int, list[str]] = {}
    for p, k in (keys[i] for i in todo):
        if (p, k) not in cache.listings:
            unknown.setdefault(p, []).append(k)
    for p, ks in unknown.items():
        cache.new_listings += len(ks) - len(existing_listing_keys(conn, p, ks))
    # a plain executemany (no RETURNING: that would process every row in Python), then the ids in one pass
    conn.execute(stmt, params)
    by_platform: dict[int, list[str]] = {}
    for p, k in (keys[i] for i in todo):
        by_platform.setdefault(p, []).append(k)
    for p, ks in by_platform.items():
        for start in range(0, len(ks), 5000):
            part = ks[start:start + 5000]
            for lid, key in conn.execute(select(Listing.id, Listing.listing_key)
                                         .where(Listing.platform_id == p, Listing.listing_key.in_(part))):
                cache.listings[(p, key)] = lid
    for i in todo:
        cache.listing_attrs[keys[i]] = attrs[i]


def existing_listing_keys(conn: Connection, platform_id: int, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), 5000):
        part = keys[start:start + 5000]
        found.update(k for (k,) in conn.execute(
            select(Listing.listing_key).where(Listing.platform_id == platform_id, Listing.listing_key.in_(part))))
    return found


def flush_seen(conn: Connection, cache: ListingCache) -> None:
    """Write first/last-seen times gathered since the last flush (one executemany)."""
    if cache.seen is None or cache.seen.empty:
        return
    seen = cache.seen
    least, greatest = (func.least, func.greatest) if conn.dialect.name == "postgresql" else (func.min, func.max)
    stmt = (
        update(Listing)
        .where(Listing.id == bindparam("lid"))
        .values(
            first_seen_at=least(func.coalesce(Listing.first_seen_at, bindparam("first", type_=Listing.first_seen_at.type)),
                                bindparam("first", type_=Listing.first_seen_at.type)),
            last_seen_at=greatest(func.coalesce(Listing.last_seen_at, bindparam("last", type_=Listing.last_seen_at.type)),
                                  bindparam("last", type_=Listing.last_seen_at.type)),
        )
    )
    params = [{"lid": int(lid), "first": f, "last": la} for lid, f, la in
              zip(seen["listing_id"].tolist(), seen["first"].dt.to_pydatetime(), seen["last"].dt.to_pydatetime())]
    conn.execute(stmt.execution_options(synchronize_session=False), params)
    cache.seen = None


def observation_columns(obs: pd.DataFrame) -> list[list]:
    """The observation columns after ``listing_id`` as Python lists, ready for SQLite's executemany.

    The last list is the row's line in its file (``line``, else ``_line``; None when neither is there).
    """
    lines = obs["line"] if "line" in obs else obs.get("_line")
    return [utc_text(obs["observed_at"]).tolist(), *(nullable(obs[c]) for c in OBS_COLUMNS[2:]),
            nullable(lines) if lines is not None else [None] * len(obs)]


def storable(text: str | None) -> str | None:
    """``text`` as every backend stores it: NUL and lone surrogates (undecodable file names) as escapes."""
    if text is None or (text.isascii() and "\x00" not in text):
        return text
    return text.encode("utf-8", errors="backslashreplace").decode("utf-8").replace("\x00", "\\x00")


def feed_file_id(conn: Connection, name: str | None, cache: ListingCache) -> int | None:
    """The ``feed_file`` id of a named input (registered on first use); None for an unnamed one."""
    if name is None:
        return None
    name = storable(name)
    if name not in cache.files:
        conn.execute(_dialect_insert(conn)(FeedFile).on_conflict_do_nothing(index_elements=["name"]),
                     [{"name": name, "first_ingested_at": utcnow()}])
        cache.files[name] = conn.execute(select(FeedFile.id).where(FeedFile.name == name)).scalar_one()
    return cache.files[name]


# The staging table holds one chunk: loaded with one executemany (SQLite) or COPY (PostgreSQL), moved into
# price_observation with one INSERT … SELECT, then joined with the stored rows by pricewatch.ingest.conflicts.
_SQLITE_STAGE = ("CREATE TEMP TABLE IF NOT EXISTS incoming_observation (listing_id INTEGER, observed_at DATETIME, "
                 "price NUMERIC, shipping NUMERIC, currency VARCHAR(3), availability VARCHAR(16), quantity FLOAT, "
                 "quantity_unit VARCHAR(8), unit_price FLOAT, list_price NUMERIC, source VARCHAR(128), "
                 "snapshot_sha256 VARCHAR(64), file_id INTEGER, line INTEGER)")
_PG_STAGE = ("CREATE TEMP TABLE IF NOT EXISTS incoming_observation "
             "(LIKE price_observation INCLUDING DEFAULTS) ON COMMIT DELETE ROWS")


def stage_observation_columns(conn: Connection, listing_ids: np.ndarray, columns: list[list],
                              file_id: int | None = None) -> None:
    """SQLite: load prepared columns (see :func:`observation_columns`) into the staging table."""
    cols = ", ".join(STAGED_COLUMNS)
    # file_id is one of our own integer ids (or NULL): a literal, not a parameter bound a million times
    values = ", ".join(["?"] * (len(STAGED_COLUMNS) - 2) + ["NULL" if file_id is None else str(int(file_id)), "?"])
    cursor = conn.connection.cursor()
    try:
        cursor.execute(_SQLITE_STAGE)
        cursor.executemany(f"INSERT INTO incoming_observation ({cols}) VALUES ({values})",
                           zip(listing_ids.tolist(), *columns))
    finally:
        cursor.close()


def stage_observations(conn: Connection, obs: pd.DataFrame, file_id: int | None = None) -> None:
    """Load observation rows (OBS_COLUMNS, observed_at UTC Timestamps, optional ``line``/``_line``) into the
    staging table."""
    if conn.dialect.name != "postgresql":
        stage_observation_columns(conn, obs["listing_id"].to_numpy(dtype="int64"), observation_columns(obs),
                                  file_id)
        return
    frame = obs.loc[:, list(OBS_COLUMNS)].copy()
    frame["observed_at"] = frame["observed_at"].dt.strftime("%Y-%m-%d %H:%M:%S.%f+00")
    frame["file_id"] = file_id
    lines = obs["line"] if "line" in obs else obs.get("_line")
    frame["line"] = lines.astype("Int64") if lines is not None else None
    buffer = io.StringIO()
    frame.to_csv(buffer, header=False, index=False, na_rep="")
    cursor = conn.connection.cursor()
    try:
        cursor.execute(_PG_STAGE)
        with cursor.copy(f"COPY incoming_observation ({', '.join(STAGED_COLUMNS)}) FROM STDIN "
                         "(FORMAT csv, NULL '')") as copy:
            copy.write(buffer.getvalue())
    finally:
        cursor.close()


def insert_staged(conn: Connection) -> int:
    """Move the staged rows into price_observation, skipping stored keys; returns how many rows were new.

    Rows go in the staging order (listing-major, file order within a listing), so of two rows with one key
    inside a chunk the first one is stored and the second one is compared with it.
    """
    cols = ", ".join(STAGED_COLUMNS)
    cursor = conn.connection.cursor()
    try:
        # (WHERE true: SQLite needs it to tell ON CONFLICT from a join constraint after INSERT … SELECT)
        cursor.execute(f"INSERT INTO price_observation ({cols}) SELECT {cols} FROM incoming_observation WHERE true "
                       "ON CONFLICT (listing_id, observed_at, source) DO NOTHING")
        return max(cursor.rowcount, 0)
    finally:
        cursor.close()


def clear_staged(conn: Connection) -> None:
    conn.exec_driver_sql("DELETE FROM incoming_observation")


def quarantine(conn: Connection, rejected: pd.DataFrame, *, source: str, file: str | None) -> None:
    """Store rejected rows (line, field, reason, raw). Re-ingesting the same file does not store them twice."""
    if rejected.empty:
        return
    now = utcnow()
    rows = []
    file = storable(file)
    for line, fld, reason, raw in zip(rejected["line"].tolist(), rejected["field"].tolist(),
                                      rejected["reason"].tolist(), rejected["raw"].tolist()):
        raw, reason = storable(raw), storable(str(reason))
        digest = hashlib.sha1(f"{source}\x1f{file}\x1f{line}\x1f{raw}".encode()).hexdigest()
        location = f"{file}:{line}: " if file else f"row {line}: "
        rows.append({"source": source, "file": file, "line": int(line), "field": fld,
                     "reason": location + reason, "raw": raw, "fingerprint": digest, "received_at": now})
    insert = _dialect_insert(conn)
    conn.execute(insert(RejectedRecord).on_conflict_do_nothing(index_elements=["fingerprint"]), rows)


__all__ = [
    "OBS_COLUMNS",
    "STAGED_COLUMNS",
    "ListingCache",
    "PriceObservation",
    "clear_staged",
    "existing_listing_keys",
    "feed_file_id",
    "flush_seen",
    "insert_staged",
    "platform_ids",
    "quarantine",
    "stage_observation_columns",
    "stage_observations",
    "storable",
    "trusted_license_source",
    "upsert_listings",
    "upsert_sellers",
]
