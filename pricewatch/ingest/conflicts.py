"""Conflicts are not duplicates: two different values for one observation key.

An observation is unique per (listing, observed_at, source). A row with a key that is already stored is

- a **duplicate** when its price, shipping and currency equal the stored ones (missing shipping counts as zero,
  as in the unit price): it adds nothing;
- a **conflict** otherwise — the same listing, instant and source with another price, shipping or currency,
  whether the stored row came from an earlier run, an earlier file of this run or an earlier line of the same
  file.

The rule for a conflict (it must never be able to create or inflate an alert):

1. One ``observation_conflict`` row records the key, both sides' price, shipping and currency, the file and line
   of each side where known (``price_observation.file_id``/``line``; NULL for rows stored before revision 0002
   or from unnamed inputs), ``detected_at`` and a ``resolution``.
2. The stored observation keeps the **lower** of the conflicting values, compared as the amount paid, price +
   shipping (the amount the unit price is computed from; a lower item price with a higher shipping fee is not
   lower). The kept side's price and shipping are taken together, with its file and line; ties keep the stored
   side. The observation's quantity stays, and its unit price is recomputed as (price + shipping) / quantity
   (NULL when the quantity is unknown), as in ``pricewatch.normalize.unit_price`` — so a conflict can only lower
   a stored unit price, never raise it. Resolution ``lower_kept``.
3. When the currencies differ the amounts cannot be compared: the stored values stay. Resolution
   ``stored_kept``.
4. Either way the stored observation gets ``conflict = true``, so detectors, exports and reviewers can tell it.

Re-ingesting the same files is idempotent: each conflict is recorded once (``fingerprint`` is a hash of the key
and of both sides, in either order), the stored values do not move again, and a row that still disagrees with
the stored observation is counted as conflicting again, never as a duplicate.

Detection is set-based and runs per chunk while the chunk is still staged (``pricewatch.ingest.writer``): when
every staged row was new there is nothing to check; otherwise one join of the staging table with
price_observation on the unique key returns only the rows whose values differ. Only those rows (normally none or
a few) reach Python.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
from sqlalchemy import Connection, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite

from pricewatch.store.engine import Database
from pricewatch.store.models import Listing, ObservationConflict, Platform, PriceObservation, utcnow

LOWER_KEPT = "lower_kept"
STORED_KEPT = "stored_kept"


def _differ(dialect: str) -> str:
    distinct = "IS DISTINCT FROM" if dialect == "postgresql" else "IS NOT"
    return (f"p.price {distinct} i.price OR COALESCE(p.shipping, 0) <> COALESCE(i.shipping, 0) "
            f"OR p.currency {distinct} i.currency")


def find_staged_conflicts(conn: Connection) -> pd.DataFrame:
    """Staged rows whose key is stored with other values, beside the stored row (one query, one join).

    Each staged row probes the unique index once, so the cost follows the chunk, not the table. On PostgreSQL the
    probe is a LATERAL subquery with LIMIT 1 (the key is unique): a plain join is planned as a hash join over the
    whole of price_observation, since the temporary table has no statistics.
    """
    if conn.dialect.name == "postgresql":
        stored = ("CROSS JOIN LATERAL (SELECT * FROM price_observation s WHERE s.listing_id = i.listing_id "
                  "AND s.observed_at = i.observed_at AND s.source = i.source LIMIT 1) p")
    else:
        stored = ("JOIN price_observation p "
                  "ON p.listing_id = i.listing_id AND p.observed_at = i.observed_at AND p.source = i.source")
    sql = f"""
        SELECT p.id AS observation_id, p.listing_id, p.observed_at, p.source, p.quantity,
               p.price AS stored_price, p.shipping AS stored_shipping, p.currency AS stored_currency,
               p.file_id AS stored_file_id, f.name AS stored_file, p.line AS stored_line,
               i.price AS incoming_price, i.shipping AS incoming_shipping, i.currency AS incoming_currency,
               i.file_id AS incoming_file_id, i.line AS incoming_line
        FROM incoming_observation i
        {stored}
        LEFT JOIN feed_file f ON f.id = p.file_id
        WHERE {_differ(conn.dialect.name)}
    """
    result = conn.exec_driver_sql(sql)
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def record_staged_conflicts(conn: Connection, *, file: str | None) -> int:
    """Record and resolve the conflicts of the staged chunk (see the module docstring); returns how many staged
    rows conflict with a stored observation. ``file`` names the staged rows' input."""
    found = find_staged_conflicts(conn)
    if found.empty:
        return 0
    for name in ("stored_price", "stored_shipping", "incoming_price", "incoming_shipping", "quantity"):
        found[name] = pd.to_numeric(found[name], errors="coerce").astype("float64")
    # SQLite hands back the stored UTC text, PostgreSQL aware datetimes: one form for both
    found["observed_at"] = pd.to_datetime(found["observed_at"], utc=True)
    found["incoming_file"] = file
    _record(conn, found)
    _resolve(conn, found)
    return len(found)


def _number(value: float) -> str:
    return "" if value is None or value != value else f"{value:.4f}"


def _fingerprints(found: pd.DataFrame) -> list[str]:
    out = []
    for row in found.itertuples(index=False):
        sides = sorted(
            "\x1e".join((_number(getattr(row, f"{side}_price")), _number(getattr(row, f"{side}_shipping")),
                         str(getattr(row, f"{side}_currency")), str(getattr(row, f"{side}_file") or ""),
                         str(_line(getattr(row, f"{side}_line")) or "")))
            for side in ("stored", "incoming"))
        key = f"{row.listing_id}\x1f{row.observed_at.isoformat()}\x1f{row.source}\x1f{sides[0]}\x1f{sides[1]}"
        out.append(hashlib.sha1(key.encode()).hexdigest())
    return out


def _line(value) -> int | None:  # noqa: ANN001
    return None if value is None or value != value else int(value)


def _money(value: float) -> float | None:
    return None if value != value else float(value)


def _record(conn: Connection, found: pd.DataFrame) -> None:
    now = utcnow()
    instants = found["observed_at"].dt.to_pydatetime().tolist()
    same_currency = (found["stored_currency"] == found["incoming_currency"]).tolist()
    rows = [
        {
            "listing_id": int(row.listing_id), "observed_at": at, "source": row.source,
            "stored_price": _money(row.stored_price), "stored_shipping": _money(row.stored_shipping),
            "stored_currency": row.stored_currency, "stored_file": row.stored_file,
            "stored_line": _line(row.stored_line),
            "incoming_price": _money(row.incoming_price), "incoming_shipping": _money(row.incoming_shipping),
            "incoming_currency": row.incoming_currency, "incoming_file": row.incoming_file,
            "incoming_line": _line(row.incoming_line),
            "resolution": LOWER_KEPT if same else STORED_KEPT, "detected_at": now, "fingerprint": digest,
        }
        for row, at, same, digest in zip(found.itertuples(index=False), instants, same_currency,
                                         _fingerprints(found))
    ]
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    conn.execute(insert(ObservationConflict).on_conflict_do_nothing(index_elements=["fingerprint"]), rows)


def _resolve(conn: Connection, found: pd.DataFrame) -> None:
    """Give each stored observation the lowest amount paid among its own and its same-currency rivals."""
    paid_in = found["incoming_price"] + found["incoming_shipping"].fillna(0.0)
    paid_stored = found["stored_price"] + found["stored_shipping"].fillna(0.0)
    rivals = found.assign(paid=paid_in)[(found["incoming_currency"] == found["stored_currency"]) &
                                         (paid_in < paid_stored)]
    lowest = rivals.sort_values(["paid", "incoming_line"], kind="stable").drop_duplicates("observation_id")
    if not lowest.empty:
        qty = lowest["quantity"]
        with np.errstate(divide="ignore", invalid="ignore"):
            unit = lowest["paid"] / qty.where(qty > 0)
        params = [
            {"oid": int(oid), "new_price": _money(price), "new_shipping": _money(ship), "new_unit_price": _money(u),
             "new_file_id": _line(fid), "new_line": _line(line)}
            for oid, price, ship, u, fid, line in zip(
                lowest["observation_id"].tolist(), lowest["incoming_price"].tolist(),
                lowest["incoming_shipping"].tolist(), unit.tolist(), lowest["incoming_file_id"].tolist(),
                lowest["incoming_line"].tolist())
        ]
        conn.execute(
            update(PriceObservation).where(PriceObservation.id == bindparam("oid")).values(
                price=bindparam("new_price"), shipping=bindparam("new_shipping"),
                unit_price=bindparam("new_unit_price"), file_id=bindparam("new_file_id"), line=bindparam("new_line"),
                conflict=True,
            ).execution_options(synchronize_session=False),
            params,
        )
    flagged = sorted(set(found["observation_id"].tolist()) - set(lowest["observation_id"].tolist()))
    if flagged:
        conn.execute(
            update(PriceObservation).where(PriceObservation.id == bindparam("oid"))
            .values(conflict=True).execution_options(synchronize_session=False),
            [{"oid": int(oid)} for oid in flagged],
        )


CONFLICT_COLUMNS = ["conflict_id", "platform", "listing_id", "observed_at", "source",
                    "stored_price", "stored_shipping", "stored_currency", "stored_file", "stored_line",
                    "incoming_price", "incoming_shipping", "incoming_currency", "incoming_file", "incoming_line",
                    "resolution", "detected_at"]


def conflicts_frame(db: Database, *, platforms: list[str] | None = None, listings: list[str] | None = None,
                    limit: int | None = None) -> pd.DataFrame:
    """Recorded conflicts, newest first, with CONFLICT_COLUMNS (``listing_id`` is the platform's id).

    ``observed_at`` and ``detected_at`` are timezone-aware UTC Timestamps; missing files and lines are None.
    """
    stmt = (select(ObservationConflict, Platform.name, Listing.listing_key)
            .join(Listing, Listing.id == ObservationConflict.listing_id)
            .join(Platform, Platform.id == Listing.platform_id)
            .order_by(ObservationConflict.detected_at.desc(), ObservationConflict.id.desc()))
    if platforms:
        stmt = stmt.where(Platform.name.in_(platforms))
    if listings:
        stmt = stmt.where(Listing.listing_key.in_(listings))
    if limit:
        stmt = stmt.limit(limit)
    with db.session() as s:
        rows = s.execute(stmt).all()
    frame = pd.DataFrame([{
        "conflict_id": c.id, "platform": platform, "listing_id": key, "observed_at": c.observed_at,
        "source": c.source, "stored_price": c.stored_price, "stored_shipping": c.stored_shipping,
        "stored_currency": c.stored_currency, "stored_file": c.stored_file, "stored_line": c.stored_line,
        "incoming_price": c.incoming_price, "incoming_shipping": c.incoming_shipping,
        "incoming_currency": c.incoming_currency, "incoming_file": c.incoming_file,
        "incoming_line": c.incoming_line, "resolution": c.resolution, "detected_at": c.detected_at,
    } for c, platform, key in rows], columns=CONFLICT_COLUMNS)
    for name in ("observed_at", "detected_at"):
        frame[name] = pd.to_datetime(frame[name], utc=True)
    for name in ("stored_line", "incoming_line"):
        frame[name] = frame[name].astype("Int64")
    for name in ("stored_price", "stored_shipping", "incoming_price", "incoming_shipping"):
        frame[name] = frame[name].astype("float64")  # SQLite hands an integral NUMERIC back as an int
    return frame


__all__ = ["CONFLICT_COLUMNS", "LOWER_KEPT", "STORED_KEPT", "conflicts_frame", "find_staged_conflicts",
           "record_staged_conflicts"]
