"""What the public and the platforms tell us, and whether it holds up (revision 0005, issue 14): public reports
with their images, contact details and proof-of-work challenges, and discrepancies between a listing's crawled
page and its platform's feed.

Every timestamp is aware UTC (:class:`~pricewatch.store.models.base.UTCDateTime`); amounts are ``Money`` beside
their ISO 4217 ``currency``. Reporters' contact details live only in ``report_contact`` (purged after
``purge_after``); a report keeps a keyed hash of the sender's address, never the address.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pricewatch.store.models.base import Base, BigId, Money, UTCDateTime, utcnow
from pricewatch.store.models.core import Listing


class ReportImage(Base):
    """A photo or screenshot sent with a public report: re-encoded from its pixels (no EXIF or other metadata),
    content-addressed by the SHA-256 of the stored bytes. ``content_type`` is what the bytes are (checked by
    decoding them), never what the sender declared."""

    __tablename__ = "report_image"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(32))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    stored_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PublicReport(Base):
    """A report from the public (``POST /v1/reports``, no key): a listing page and the price the reporter saw.

    ``status``: received → checking → confirmed | not_confirmed, or duplicate (``duplicate_of``: the report it
    repeats). ``client`` is a keyed hash of the sender's address (rate limits), never the address itself.
    ``listing_id`` is the matched listing (``candidate``: created by this report, not yet seen by a feed or crawl);
    ``crawled_*``/``snapshot_sha256`` are what the priority crawl of the URL found. Contact details are kept apart
    (``report_contact``)."""

    __tablename__ = "public_report"
    __table_args__ = (Index("ix_public_report_listing_received", "listing_id", "received_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    receipt: Mapped[str] = mapped_column(String(40), unique=True)
    url: Mapped[str] = mapped_column(Text)
    host: Mapped[str] = mapped_column(String(255))
    platform_id: Mapped[int | None] = mapped_column(ForeignKey("platform.id"))
    listing_id: Mapped[int | None] = mapped_column(ForeignKey("listing.id"))
    candidate: Mapped[bool] = mapped_column(Boolean, default=False)
    price: Mapped[float] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    observed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    note: Mapped[str | None] = mapped_column(Text)
    image_sha256: Mapped[str | None] = mapped_column(ForeignKey("report_image.sha256"))
    status: Mapped[str] = mapped_column(String(16), default="received", index=True)
    status_reason: Mapped[str | None] = mapped_column(Text)
    duplicate_of: Mapped[int | None] = mapped_column(Integer)
    client: Mapped[str] = mapped_column(String(64), index=True)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    crawled_price: Mapped[float | None] = mapped_column(Money)
    crawled_currency: Mapped[str | None] = mapped_column(String(3))
    crawled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    snapshot_sha256: Mapped[str | None] = mapped_column(String(64))
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alert.id"))

    listing: Mapped[Listing | None] = relationship()


class ReportContact(Base):
    """A reporter's contact details, kept apart from the report: shown only to regulators, deleted after
    ``purge_after`` (``[reports] contact_retention_days``)."""

    __tablename__ = "report_contact"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("public_report.id", ondelete="CASCADE"), unique=True)
    contact: Mapped[str] = mapped_column(Text)
    stored_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    purge_after: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class ReportChallenge(Base):
    """A single-use proof-of-work challenge handed to a keyless reporter (``GET /v1/reports/challenge``)."""

    __tablename__ = "report_challenge"
    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    bits: Mapped[int] = mapped_column(Integer)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class PriceDiscrepancy(Base):
    """A listing's crawled page and its platform's feed disagree about the price at (nearly) the same time.

    ``page_*`` is the crawled observation (with its evidence ``snapshot_sha256``), ``feed_*`` the feed observation
    nearest in time within the reconciliation window; amounts in ``currency``. ``difference`` = page − feed
    (item price + shipping), ``difference_pct`` relative to the feed price: positive when the feed understates
    the page. ``fingerprint`` makes reconciling the same data twice record each pair once."""

    __tablename__ = "price_discrepancy"
    __table_args__ = (Index("ix_price_discrepancy_listing_page", "listing_id", "page_observed_at"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listing.id"))
    currency: Mapped[str] = mapped_column(String(3))
    page_source: Mapped[str] = mapped_column(String(128))
    page_observed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    page_price: Mapped[float] = mapped_column(Money)
    page_shipping: Mapped[float | None] = mapped_column(Money)
    snapshot_sha256: Mapped[str | None] = mapped_column(String(64))
    feed_source: Mapped[str] = mapped_column(String(128))
    feed_observed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    feed_price: Mapped[float] = mapped_column(Money)
    feed_shipping: Mapped[float | None] = mapped_column(Money)
    difference: Mapped[float] = mapped_column(Float)
    difference_pct: Mapped[float] = mapped_column(Float)
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    fingerprint: Mapped[str] = mapped_column(String(40), unique=True)

    listing: Mapped[Listing] = relationship()
