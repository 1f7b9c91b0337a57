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


DIGEST_LABELS = {
    "en": {"title": "Public reports", "received": "received", "confirmed": "confirmed by a crawl",
           "not_confirmed": "not confirmed", "duplicate": "duplicates", "waiting": "waiting for a check",
           "review": "Reported, no alert yet (review)", "reported": "reported", "crawled": "page shows",
           "none": "No reports on this day.", "feed_accuracy": "feed accuracy",
           "note": "A report alone is never a violation; a confirmed one escalates the listing's alert."},
    "zh": {"title": "公众举报", "received": "收到", "confirmed": "经抓取核实", "not_confirmed": "未能核实",
           "duplicate": "重复举报", "waiting": "待核实", "review": "已举报、尚无预警（待审查）", "reported": "举报价格",
           "crawled": "页面价格", "none": "当日无举报。", "feed_accuracy": "数据源准确率",
           "note": "单凭举报不构成违规；经核实的举报会提升该商品预警的等级。"},
}


def digest_reports(db: Database, start: datetime, end: datetime, language: str = "en") -> dict:
    """The digest's public-reports card for reports received in [start, end) (UTC): counts by status and the
    "reported" review items (confirmed, no alert), at most ten. No contact details: the digest is e-mailed."""
    frame = reports_frame(db, since=start)
    frame = frame[frame["received_at"] < end]
    counts = frame["status"].value_counts().to_dict()
    items = review_items(frame).head(10)
    return {"L": DIGEST_LABELS.get(language, DIGEST_LABELS["en"]), "total": len(frame),
            "counts": {"received": len(frame), "confirmed": counts.get("confirmed", 0),
                       "not_confirmed": counts.get("not_confirmed", 0), "duplicate": counts.get("duplicate", 0),
                       "waiting": counts.get("received", 0) + counts.get("checking", 0)},
            "rows": [{"platform": r.platform, "listing_id": r.listing_id, "url": r.url,
                       "reported": f"{r.price:.2f} {r.currency}",
                       "crawled": "-" if pd.isna(r.crawled_price) else f"{r.crawled_price:.2f} {r.currency}"}
                      for r in items.itertuples(index=False)]}
