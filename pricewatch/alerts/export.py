"""Alert export with the public column contract (DESIGN.md § Alert export columns). Times are ISO 8601 UTC."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from sqlalchemy import select

from pricewatch.store.engine import Database
from pricewatch.store.models import Alert, Listing, Platform, Seller

COLUMNS = ["alert_id", "platform", "listing_id", "seller_id", "category", "rule", "severity", "status",
           "first_violation_at", "detected_at", "baseline_unit_price", "observed_unit_price", "unit", "increase_pct",
           "currency", "explanation"]
SEVERITY_ORDER = {"egregious": 0, "severe": 1, "alert": 2, "watch": 3}


def _utc(value) -> str | None:  # noqa: ANN001
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value is not None else None


def alerts_frame(db: Database, *, status: list[str] | None = None) -> pd.DataFrame:
    """All alerts with the export columns, most severe first."""
    stmt = (select(Alert, Platform.name, Listing.listing_key, Seller.seller_key, Listing.category)
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
        "first_violation_at": _utc(a.first_violation_at), "detected_at": _utc(a.detected_at),
        "baseline_unit_price": a.baseline_unit_price, "observed_unit_price": a.observed_unit_price, "unit": a.unit,
        "increase_pct": None if a.increase_pct is None else round(a.increase_pct, 2), "currency": a.currency,
        "explanation": a.explanation,
    } for a, platform, key, seller, category in rows], columns=COLUMNS)
    if frame.empty:
        return frame
    order = frame["severity"].map(SEVERITY_ORDER).fillna(9)
    return frame.assign(_o=order).sort_values(["_o", "increase_pct"], ascending=[True, False]).drop(columns="_o")


def export_alerts(db: Database, path: str | Path, fmt: str = "csv", status: list[str] | None = None) -> int:
    """Write alerts to ``path`` as csv or jsonl; returns the number written."""
    frame = alerts_frame(db, status=status)
    path = Path(path)
    if fmt == "csv":
        frame.to_csv(path, index=False)
    elif fmt == "jsonl":
        with path.open("w", encoding="utf-8") as out:
            for record in frame.to_dict("records"):
                clean = {k: (None if isinstance(v, float) and v != v else v) for k, v in record.items()}
                out.write(json.dumps(clean, ensure_ascii=False) + "\n")
    else:
        raise ValueError("format must be csv or jsonl")
    return len(frame)
