"""Reconciliation of crawled pages and platform feeds (``pricewatch reconcile``, ``GET /v1/reconciliation``).

Where a platform sends a feed and pricewatch also crawls its pages, the two should agree. ``reconcile`` pairs each
crawled page observation (one with an evidence snapshot) with the feed observation of the same listing current at
that time (``analysis.reconcile``: the latest feed row at or before the page, within ``window``) and records every
pair that disagrees beyond the tolerance as a ``price_discrepancy`` — both prices, both sources and times, the
evidence hash, the difference. Recording is idempotent (a fingerprint per pair). Settings: ``[reconcile]
window_hours`` (24), ``tolerance_pct`` (1.0), ``tolerance_abs`` (0.01).

**Which value detection uses when they conflict** (docs/reports.md § Conflicting prices): both observations stay
stored — nothing is overwritten — and detection judges the listing on all of them, so a page observation above the
line counts like any other; the evidence-backed page wins in the sense that a feed row can never hide it. The
discrepancy is flagged: the listing's alert carries ``feed_page_conflict`` (pricewatch.reports.signals) and the
platform's feed accuracy falls in ``pricewatch compliance``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import select

from analysis.reconcile import feed_accuracy, pair_observations
from pricewatch.store.engine import Database
from pricewatch.store.models import Listing, Platform, PriceDiscrepancy, utcnow

DISCREPANCY_COLUMNS = ["discrepancy_id", "platform", "listing_id", "currency", "page_observed_at", "page_price",
                       "page_source", "snapshot_sha256", "feed_observed_at", "feed_price", "feed_source",
                       "difference", "difference_pct", "detected_at"]


@dataclass
class ReconcileSettings:
    window_hours: float = 24.0
    tolerance_pct: float = 1.0
    tolerance_abs: float = 0.01

    @classmethod
    def of(cls, db: Database) -> ReconcileSettings:
        section = db.settings.section("reconcile")
        return cls(**{k: float(v) for k, v in section.items() if k in cls.__dataclass_fields__})


@dataclass
class ReconcileStats:
    pages: int = 0
    pairs: int = 0
    disagreeing: int = 0
    new: int = 0

    def summary(self) -> str:
        return (f"{self.pages:,} crawled page observations, {self.pairs:,} compared with the platform's feed: "
                f"{self.disagreeing:,} disagree ({self.new:,} new discrepancies recorded)")


def _observations(db: Database, *, until: datetime | None = None, platforms: list[str] | None = None
                  ) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """(pages, feeds, platform by listing id) for listings that have a crawled page: one query on the driver's
    cursor (the ORM's per-row conversion cost seconds per 100k rows), times at second precision as detection
    loads them."""
    from pricewatch.detect.load import _epoch_sql

    columns = ["listing_id", "observed_at", "price", "shipping", "currency", "source", "snapshot_sha256", "platform"]
    sql = (f"SELECT o.listing_id, {_epoch_sql(db.dialect).replace('observed_at', 'o.observed_at')}, o.price, "
           "o.shipping, o.currency, o.source, o.snapshot_sha256, p.name FROM price_observation o "
           "JOIN listing l ON l.id = o.listing_id JOIN platform p ON p.id = l.platform_id "
           "WHERE o.listing_id IN (SELECT DISTINCT listing_id FROM price_observation "
           "WHERE snapshot_sha256 IS NOT NULL)")
    frame = pd.DataFrame(db.raw_rows(sql), columns=columns)
    frame["observed_at"] = pd.to_datetime(frame["observed_at"].astype("int64"), unit="s", utc=True)
    for name in ("price", "shipping"):
        frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64")
    if until is not None:
        frame = frame[frame["observed_at"] <= pd.Timestamp(until)]
    if platforms:
        frame = frame[frame["platform"].isin(platforms)]
    platform_of = frame.drop_duplicates("listing_id").set_index("listing_id")["platform"]
    frame = frame.drop(columns=["platform"])
    is_page = frame["snapshot_sha256"].notna()
    return frame[is_page], frame[~is_page].drop(columns=["snapshot_sha256"]), platform_of


def pairs(db: Database, *, until: datetime | None = None, settings: ReconcileSettings | None = None,
          platforms: list[str] | None = None) -> tuple[pd.DataFrame, pd.Series, int]:
    """(every page/feed pair, platform by listing id, page observations considered)."""
    settings = settings or ReconcileSettings.of(db)
    pages, feeds, platform_of = _observations(db, until=until, platforms=platforms)
    found = pair_observations(pages, feeds, window=pd.Timedelta(hours=settings.window_hours),
                              tolerance_pct=settings.tolerance_pct, tolerance_abs=settings.tolerance_abs)
    return found, platform_of, len(pages)


def _fingerprint(row) -> str:  # noqa: ANN001
    key = f"{row.listing_id}|{row.page_observed_at.isoformat()}|{row.page_source}|{row.feed_observed_at.isoformat()}|{row.feed_source}"
    return hashlib.sha1(key.encode()).hexdigest()


def reconcile(db: Database, *, settings: ReconcileSettings | None = None) -> ReconcileStats:
    """Pair pages with feeds and record the disagreeing pairs (idempotent)."""
    found, _platform_of, n_pages = pairs(db, settings=settings)
    stats = ReconcileStats(pages=n_pages, pairs=len(found))
    bad = found[found["disagrees"]]
    stats.disagreeing = len(bad)
    if bad.empty:
        return stats
    now = utcnow()
    prints = [_fingerprint(r) for r in bad.itertuples(index=False)]  # one per disagreeing pair, not per observation
    with db.session() as s:
        known = set()
        for start in range(0, len(prints), 5000):
            known |= set(s.scalars(select(PriceDiscrepancy.fingerprint)
                                   .where(PriceDiscrepancy.fingerprint.in_(prints[start:start + 5000]))).all())
        rows = []
        for fp, r in zip(prints, bad.itertuples(index=False)):
            if fp in known:
                continue
            known.add(fp)
            rows.append({"listing_id": int(r.listing_id), "currency": r.currency, "page_source": r.page_source,
                         "page_observed_at": r.page_observed_at.to_pydatetime(), "page_price": float(r.page_price),
                         "page_shipping": None if pd.isna(r.page_shipping) else float(r.page_shipping),
                         "snapshot_sha256": r.snapshot_sha256, "feed_source": r.feed_source,
                         "feed_observed_at": r.feed_observed_at.to_pydatetime(), "feed_price": float(r.feed_price),
                         "feed_shipping": None if pd.isna(r.feed_shipping) else float(r.feed_shipping),
                         "difference": float(r.difference), "difference_pct": float(r.difference_pct),
                         "detected_at": now, "fingerprint": fp})
        if rows:
            s.execute(PriceDiscrepancy.__table__.insert(), rows)
        s.commit()
    stats.new = len(rows)
    return stats


def discrepancies_frame(db: Database, *, platform: str | None = None, since: datetime | None = None,
                        limit: int | None = None) -> pd.DataFrame:
    """Recorded discrepancies, largest understatement first (:data:`DISCREPANCY_COLUMNS`; times UTC)."""
    stmt = (select(PriceDiscrepancy, Platform.name, Listing.listing_key)
            .join(Listing, Listing.id == PriceDiscrepancy.listing_id)
            .join(Platform, Platform.id == Listing.platform_id)
            .order_by(PriceDiscrepancy.difference_pct.desc(), PriceDiscrepancy.id))
    if platform:
        stmt = stmt.where(Platform.name == platform)
    if since is not None:
        stmt = stmt.where(PriceDiscrepancy.page_observed_at >= since)
    if limit:
        stmt = stmt.limit(limit)
    with db.session() as s:
        rows = [{"discrepancy_id": d.id, "platform": name, "listing_id": key, "currency": d.currency,
                 "page_observed_at": d.page_observed_at, "page_price": d.page_price, "page_source": d.page_source,
                 "snapshot_sha256": d.snapshot_sha256, "feed_observed_at": d.feed_observed_at,
                 "feed_price": d.feed_price, "feed_source": d.feed_source, "difference": d.difference,
                 "difference_pct": d.difference_pct, "detected_at": d.detected_at}
                for d, name, key in s.execute(stmt).all()]
    frame = pd.DataFrame(rows, columns=DISCREPANCY_COLUMNS)
    for name in ("page_observed_at", "feed_observed_at", "detected_at"):
        frame[name] = pd.to_datetime(frame[name], utc=True)
    return frame


def accuracy_by_platform(db: Database, *, until: datetime | None = None) -> pd.DataFrame:
    """Per platform, how well its feed agrees with its crawled pages (``analysis.reconcile.feed_accuracy``),
    counting page observations up to ``until``."""
    found, platform_of, _ = pairs(db, until=until)
    return feed_accuracy(found, platform_of)
