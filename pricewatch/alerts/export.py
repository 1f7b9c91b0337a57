"""Alert export with the public column contract (DESIGN.md § Alert export columns), then what saves a join.

:data:`COLUMNS` is the contract, in its order; :data:`EXTRA_COLUMNS` follow it (``title, url, seller_name,
seller_license, quantity, quantity_source``: the listing and seller as stored now) so an analysis needs no join by
hand. ``columns=`` picks and orders any of them. Formats: CSV, JSON Lines, Parquet (DuckDB and Polars read it as
it is). Written forms are the same in all three and in the API:

- ``first_violation_at``, ``detected_at``: ISO 8601 UTC with ``Z`` (``pricewatch.instants``; in Parquet too, as
  text, so a reader sees the same string as in the CSV);
- ``baseline_unit_price``, ``observed_unit_price``: 4 significant digits, at least the currency's minor unit
  (``pricewatch.amounts``); ``increase_pct`` to 0.01 % — in CSV/JSON as the exact decimal, in Parquet as
  ``decimal128``; ``quantity`` as stored (a count or ml/g total), empty when unknown.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from sqlalchemy import select

from pricewatch.amounts import round_percent, round_unit_price
from pricewatch.instants import utc_texts
from pricewatch.store.engine import Database
from pricewatch.store.models import Alert, Listing, Platform, Seller

COLUMNS = ["alert_id", "platform", "listing_id", "seller_id", "category", "rule", "severity", "status",
           "first_violation_at", "detected_at", "baseline_unit_price", "observed_unit_price", "unit", "increase_pct",
           "currency", "explanation"]
EXTRA_COLUMNS = ["title", "url", "seller_name", "seller_license", "quantity", "quantity_source"]
ALL_COLUMNS = COLUMNS + EXTRA_COLUMNS
FORMATS = ("csv", "jsonl", "parquet")
SEVERITY_ORDER = {"egregious": 0, "severe": 1, "alert": 2, "watch": 3}


def check_columns(columns: Sequence[str] | None) -> list[str]:
    """The export's columns: all (contract, then extras) when ``columns`` is empty; ValueError naming unknown ones."""
    if not columns:
        return list(ALL_COLUMNS)
    unknown = [c for c in columns if c not in ALL_COLUMNS]
    if unknown:
        raise ValueError(f"unknown column(s) {', '.join(unknown)}; known: {', '.join(ALL_COLUMNS)}")
    return list(dict.fromkeys(columns))


def alerts_frame(db: Database, *, status: list[str] | None = None, columns: Sequence[str] | None = None,
                 utc_text: bool = True) -> pd.DataFrame:
    """All alerts, most severe first (then by increase), with :data:`ALL_COLUMNS` (or ``columns``).

    ``utc_text=False`` keeps the two times as tz-aware UTC Timestamps (the notebook API, ``pricewatch.alerts``)."""
    stmt = (select(Alert, Platform.name, Listing.listing_key, Seller.seller_key, Listing.category, Listing.title,
                   Listing.url, Seller.name, Seller.license, Listing.pack_quantity, Listing.quantity_source)
            .join(Listing, Listing.id == Alert.listing_id)
            .join(Platform, Platform.id == Listing.platform_id)
            .outerjoin(Seller, Seller.id == Listing.seller_id)
            .order_by(Alert.id))
    if status:
        stmt = stmt.where(Alert.status.in_(status))
    with db.session() as s:
        rows = s.execute(stmt).all()
    frame = pd.DataFrame([{
        "alert_id": a.id, "platform": platform, "listing_id": key, "seller_id": seller, "category": category,
        "rule": a.rule, "severity": a.severity, "status": a.status,
        "first_violation_at": a.first_violation_at, "detected_at": a.detected_at,
        "baseline_unit_price": a.baseline_unit_price, "observed_unit_price": a.observed_unit_price, "unit": a.unit,
        "increase_pct": a.increase_pct, "currency": a.currency, "explanation": a.explanation,
        "title": title, "url": url, "seller_name": seller_name, "seller_license": license_,
        "quantity": quantity, "quantity_source": source,
    } for a, platform, key, seller, category, title, url, seller_name, license_, quantity, source in rows],
        columns=ALL_COLUMNS)
    frame["alert_id"] = frame["alert_id"].astype("int64")
    for name in ("first_violation_at", "detected_at"):
        stamps = pd.to_datetime(frame[name], utc=True)
        frame[name] = utc_texts(stamps) if utc_text else stamps
    for name in ("baseline_unit_price", "observed_unit_price"):
        frame[name] = round_unit_price(pd.to_numeric(frame[name], errors="coerce"), frame["currency"])
    frame["increase_pct"] = round_percent(pd.to_numeric(frame["increase_pct"], errors="coerce"))
    frame["quantity"] = pd.to_numeric(frame["quantity"], errors="coerce").astype("float64")
    if len(frame):
        order = frame["severity"].map(SEVERITY_ORDER).fillna(9)
        frame = (frame.assign(_o=order).sort_values(["_o", "increase_pct"], ascending=[True, False], kind="stable")
                 .drop(columns="_o").reset_index(drop=True))
    return frame[check_columns(columns)]


def write_alerts(frame: pd.DataFrame, path: str | Path, fmt: str = "csv") -> None:
    """Write an :func:`alerts_frame` as csv, jsonl or parquet."""
    path = Path(path)
    if fmt == "csv":
        frame.to_csv(path, index=False)
    elif fmt == "jsonl":
        with path.open("w", encoding="utf-8") as out:
            for record in frame.astype(object).where(frame.notna(), None).to_dict("records"):
                clean = {k: (v.item() if hasattr(v, "item") else v) for k, v in record.items()}
                out.write(json.dumps(clean, ensure_ascii=False) + "\n")
    elif fmt == "parquet":
        import pyarrow.parquet as pq

        from pricewatch.amounts import arrow_table

        pq.write_table(arrow_table(frame), path)
    else:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")


def export_alerts(db: Database, path: str | Path, fmt: str = "csv", status: list[str] | None = None,
                  columns: Sequence[str] | None = None) -> int:
    """Write alerts to ``path`` as csv, jsonl or parquet; returns the number written."""
    frame = alerts_frame(db, status=status, columns=columns)
    write_alerts(frame, path, fmt)
    return len(frame)
