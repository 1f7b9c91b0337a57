"""Public reports as a table (``pricewatch reports list``, the digest, ``GET /v1/reports``) and contact purging.

Who sees what: regulators see everything, contact details included; analysts and platforms see the reports
without the reporter's note, contact or address hash (a platform only its own listings'). Receipts are never
listed: a receipt is the reporter's own handle on their report.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import delete, select

from pricewatch.store.engine import Database
from pricewatch.store.models import Listing, Platform, PublicReport, ReportContact, utcnow

COLUMNS = ["report_id", "received_at", "platform", "listing_id", "url", "price", "currency", "observed_at",
           "status", "status_reason", "crawled_price", "crawled_at", "snapshot_sha256", "alert_id", "duplicate_of",
           "candidate", "has_image"]
PRIVATE = ["note", "contact"]


def reports_frame(db: Database, *, status: str | None = None, since: datetime | None = None,
                  platform: str | None = None, with_private: bool = False, limit: int | None = None) -> pd.DataFrame:
    """Reports, newest first, with :data:`COLUMNS` (+ ``note``, ``contact`` when ``with_private``: regulators).
    Times are UTC."""
    stmt = (select(PublicReport, Platform.name, Listing.listing_key)
            .outerjoin(Platform, Platform.id == PublicReport.platform_id)
            .outerjoin(Listing, Listing.id == PublicReport.listing_id)
            .order_by(PublicReport.id.desc()))
    if status:
        stmt = stmt.where(PublicReport.status == status)
    if since is not None:
        stmt = stmt.where(PublicReport.received_at >= since)
    if platform:
        stmt = stmt.where(Platform.name == platform)
    if limit:
        stmt = stmt.limit(limit)
    with db.session() as s:
        rows = s.execute(stmt).all()
        contacts = {}
        if with_private and rows:
            ids = [r.id for r, _, _ in rows]
            for start in range(0, len(ids), 5000):
                contacts.update(s.execute(select(ReportContact.report_id, ReportContact.contact)
                                          .where(ReportContact.report_id.in_(ids[start:start + 5000]))).all())
    records = []
    for r, platform_name, listing_key in rows:
        record = {"report_id": r.id, "received_at": r.received_at, "platform": platform_name,
                  "listing_id": listing_key, "url": r.url, "price": r.price, "currency": r.currency,
                  "observed_at": r.observed_at, "status": r.status, "status_reason": r.status_reason,
                  "crawled_price": r.crawled_price, "crawled_at": r.crawled_at, "snapshot_sha256": r.snapshot_sha256,
                  "alert_id": r.alert_id, "duplicate_of": r.duplicate_of, "candidate": bool(r.candidate),
                  "has_image": r.image_sha256 is not None}
        if with_private:
            record["note"] = r.note
            record["contact"] = contacts.get(r.id)
        records.append(record)
    frame = pd.DataFrame(records, columns=COLUMNS + (PRIVATE if with_private else []))
    for name in ("received_at", "observed_at", "crawled_at"):
        frame[name] = pd.to_datetime(frame[name], utc=True)
    return frame


def review_items(frame: pd.DataFrame) -> pd.DataFrame:
    """"Reported" items for review: confirmed reports with no alert (a report alone is never a violation)."""
    return frame[(frame["status"] == "confirmed") & frame["alert_id"].isna()]


def purge_contacts(db: Database, now: datetime | None = None) -> int:
    """Delete contact details past their retention (``purge_after``); returns how many were deleted."""
    now = now or utcnow()
    with db.session() as s:
        gone = s.execute(delete(ReportContact).where(ReportContact.purge_after <= now)).rowcount
        s.commit()
    return int(gone or 0)
