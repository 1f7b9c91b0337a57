"""Load the signals detection applies after grading (``analysis.signals``): confirmed public reports and
regulators' warnings, as the DataFrames the pure functions take."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select

from pricewatch.store.engine import Database
from pricewatch.store.models import Alert, Listing, PublicReport, SellerWarning


def confirmed_reports(db: Database) -> pd.DataFrame:
    """listing_id, page_observed_at (UTC) of every confirmed report whose page has a time."""
    with db.session() as s:
        rows = s.execute(select(PublicReport.listing_id, PublicReport.crawled_at)
                         .where(PublicReport.status == "confirmed", PublicReport.listing_id.is_not(None),
                                PublicReport.crawled_at.is_not(None))).all()
    frame = pd.DataFrame(rows, columns=["listing_id", "page_observed_at"])
    frame["page_observed_at"] = pd.to_datetime(frame["page_observed_at"], utc=True)
    return frame


def feed_conflicts(db: Database) -> pd.DataFrame:
    """listing_id, page_observed_at of recorded crawled-vs-feed discrepancies (``pricewatch.reconcile``)."""
    from pricewatch.store.models import PriceDiscrepancy

    with db.session() as s:
        rows = s.execute(select(PriceDiscrepancy.listing_id, PriceDiscrepancy.page_observed_at)).all()
    frame = pd.DataFrame(rows, columns=["listing_id", "page_observed_at"])
    frame["page_observed_at"] = pd.to_datetime(frame["page_observed_at"], utc=True)
    return frame


def warnings_by_listing(db: Database) -> pd.DataFrame:
    """listing_id, issued_at, correct_by: each warning once per listing it covers (its listing, its alert's
    listing, or every listing of the warned seller)."""
    with db.session() as s:
        direct = s.execute(select(SellerWarning.listing_id, SellerWarning.issued_at, SellerWarning.correct_by)
                           .where(SellerWarning.listing_id.is_not(None))).all()
        via_alert = s.execute(select(Alert.listing_id, SellerWarning.issued_at, SellerWarning.correct_by)
                              .join(Alert, Alert.id == SellerWarning.alert_id)).all()
        via_seller = s.execute(select(Listing.id, SellerWarning.issued_at, SellerWarning.correct_by)
                               .join(Listing, Listing.seller_id == SellerWarning.seller_id)
                               .where(SellerWarning.seller_id.is_not(None))).all()
    frame = pd.DataFrame([*direct, *via_alert, *via_seller], columns=["listing_id", "issued_at", "correct_by"])
    for name in ("issued_at", "correct_by"):
        frame[name] = pd.to_datetime(frame[name], utc=True)
    return frame.drop_duplicates()


def apply_signals(db: Database, episodes: pd.DataFrame, presets: dict) -> pd.DataFrame:
    """Episodes after confirmed reports (one tier up) and then warnings (presets' ``warning_required``: held at
    ``watch`` until a warning was issued and ignored — a report does not lift that hold)."""
    from analysis.signals import apply_warnings, escalate_reported, flag_feed_conflicts

    episodes = escalate_reported(episodes, confirmed_reports(db))
    episodes = flag_feed_conflicts(episodes, feed_conflicts(db))
    required = {pid: tuple(getattr(p, "warning_required", ()) or ()) for pid, p in presets.items()}
    required = {k: v for k, v in required.items() if v}
    if required:
        episodes = apply_warnings(episodes, warnings_by_listing(db), required)
    return episodes
