"""The core data model: who sells what where, the prices seen, the evidence, and what detection and delivery made of
them — platforms, sellers, listings, price observations and their conflicts, snapshots, quarantined records,
emergencies, alerts, webhook endpoints and their outbox, API keys, the audit log, job and detection runs, leases.

Conventions (see ``pricewatch.store.models``): timestamps are :class:`~pricewatch.store.models.base.UTCDateTime`
(aware UTC); money is ``Money`` beside its ISO 4217 ``currency``; unit prices are per canonical unit (``piece``,
``ml``, ``g``) and comparable only within one currency and one unit; a platform's own identifiers end in ``_key``.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pricewatch.store.models.base import Base, BigId, Money, UTCDateTime, utcnow


class Platform(Base):
    """A marketplace. Its pledge sets how fast it promised to delist a violator."""

    __tablename__ = "platform"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    country: Mapped[str | None] = mapped_column(String(8))
    pledge_signed_on: Mapped[date | None] = mapped_column(Date)
    delisting_deadline_hours: Mapped[int | None] = mapped_column(Integer)
    pledge_text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Seller(Base):
    """A seller account on one platform. ``license`` links one legal entity across platforms."""

    __tablename__ = "seller"
    __table_args__ = (UniqueConstraint("platform_id", "seller_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platform.id"))
    seller_key: Mapped[str] = mapped_column(String(128))
    name: Mapped[str | None] = mapped_column(String(256))
    license: Mapped[str | None] = mapped_column(String(128), index=True)
    first_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    platform: Mapped[Platform] = relationship()


class SellerLink(Base):
    """A regulator-recorded link between two seller accounts (same entity without a shared licence)."""

    __tablename__ = "seller_link"
    __table_args__ = (UniqueConstraint("seller_id", "other_seller_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("seller.id"))
    other_seller_id: Mapped[int] = mapped_column(ForeignKey("seller.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Listing(Base):
    """One product offer on one platform, identified by the platform's listing id (``listing_key``).

    ``pack_quantity``/``pack_unit`` hold the total quantity in a canonical unit (piece, ml, g); both are NULL and
    ``normalised`` is False when the quantity could not be read (no unit price is computed then).
    """

    __tablename__ = "listing"
    __table_args__ = (UniqueConstraint("platform_id", "listing_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platform.id"))
    listing_key: Mapped[str] = mapped_column(String(256))
    seller_id: Mapped[int | None] = mapped_column(ForeignKey("seller.id"), index=True)
    url: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(64), index=True)
    pack_quantity: Mapped[float | None] = mapped_column(Float)
    pack_unit: Mapped[str | None] = mapped_column(String(8))
    normalised: Mapped[bool] = mapped_column(Boolean, default=False)
    region: Mapped[str | None] = mapped_column(String(16))
    first_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | unavailable | delisted
    # where pack_quantity came from, why it could not be read, and a cross-platform product key (revision 0002;
    # filled by normalisation, NULL on listings written before it)
    quantity_source: Mapped[str | None] = mapped_column(String(32))
    unnormalised_reason: Mapped[str | None] = mapped_column(String(32))
    product_key: Mapped[str | None] = mapped_column(String(200), index=True)

    platform: Mapped[Platform] = relationship()
    seller: Mapped[Seller | None] = relationship()


class Snapshot(Base):
    """Evidence: one fetched page, content-addressed by the SHA-256 of its raw body. Never modified."""

    __tablename__ = "snapshot"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    url: Mapped[str | None] = mapped_column(Text)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime)
    http_status: Mapped[int | None] = mapped_column(Integer)
    content_type: Mapped[str | None] = mapped_column(String(128))
    headers: Mapped[dict | None] = mapped_column(JSON)
    size: Mapped[int | None] = mapped_column(Integer)
    storage_path: Mapped[str | None] = mapped_column(Text)  # relative to the evidence dir


class FeedFile(Base):
    """A feed file (or another named input such as ``POST /v1/observations``) that observations came from.

    Observations refer to it by id (``price_observation.file_id``) so that a million rows do not each repeat
    the path.
    """

    __tablename__ = "feed_file"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text, unique=True)  # the path as given to ``pricewatch ingest``
    first_ingested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PriceObservation(Base):
    """One price seen for one listing at one instant from one source.

    ``unit_price`` = (price + shipping) / listing total quantity, in ``currency`` per ``quantity_unit``;
    NULL when the quantity is unknown. Unique per (listing, observed_at, source): re-ingesting identical data adds
    nothing. A row with the same key but another price, shipping or currency is a conflict: it is recorded in
    ``observation_conflict``, the stored row keeps the lower amount and ``conflict`` is set (see
    ``pricewatch.ingest.conflicts``). ``file_id``/``line`` say where the stored values came from (NULL for rows
    written before revision 0002 and for inputs without a name).
    """

    __tablename__ = "price_observation"
    __table_args__ = (
        UniqueConstraint("listing_id", "observed_at", "source", name="uq_price_observation_listing_time_source"),
        # BRIN on PostgreSQL (partitions fill in time order; a B-tree on SQLite)
        Index("ix_price_observation_observed_at", "observed_at", postgresql_using="brin"),
        # evidence lookups by listing touch only the rows with a page snapshot (revision 0007)
        Index("ix_price_observation_evidence", "listing_id", "observed_at", postgresql_include=["snapshot_sha256"],
              postgresql_where=text("snapshot_sha256 IS NOT NULL"), sqlite_where=text("snapshot_sha256 IS NOT NULL")),
    )
    # On PostgreSQL the table is partitioned by month on observed_at (revision 0006, pricewatch.store.partitions)
    # and its primary key there is (id, observed_at), as partitioning requires; id alone stays unique (one
    # sequence) and identifies a row for the ORM on both backends.
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listing.id"))
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    price: Mapped[float | None] = mapped_column(Money)
    shipping: Mapped[float | None] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    availability: Mapped[str] = mapped_column(String(16), default="unknown")
    quantity: Mapped[float | None] = mapped_column(Float)
    quantity_unit: Mapped[str | None] = mapped_column(String(8))
    unit_price: Mapped[float | None] = mapped_column(Float)
    list_price: Mapped[float | None] = mapped_column(Money)  # struck-through "was" price when shown
    source: Mapped[str] = mapped_column(String(128))
    snapshot_sha256: Mapped[str | None] = mapped_column(ForeignKey("snapshot.sha256"))
    conflict: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # feed_file.id, deliberately without a foreign key: adding one would rebuild this (large) table on SQLite and
    # add a lookup per inserted row; feed_file rows are never deleted
    file_id: Mapped[int | None] = mapped_column(Integer)
    line: Mapped[int | None] = mapped_column(Integer)


class ObservationConflict(Base):
    """Two different values for one observation key (listing, observed_at, source).

    ``stored_*`` are the values the stored observation held when the conflict was detected, ``incoming_*`` the
    row that disagreed; ``*_file``/``*_line`` say where each came from (NULL when unknown: rows stored before
    revision 0002, inputs without a name). ``resolution`` says what ingestion did: ``lower_kept`` (the stored
    observation now holds the lower amount paid of the two) or ``stored_kept`` (the currencies differ, so the
    amounts cannot be compared and the stored values stay). Reviewers may set other values.
    """

    __tablename__ = "observation_conflict"
    __table_args__ = (Index("ix_observation_conflict_listing_time", "listing_id", "observed_at"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listing.id"))
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(128))
    stored_price: Mapped[float | None] = mapped_column(Money)
    stored_shipping: Mapped[float | None] = mapped_column(Money)
    stored_currency: Mapped[str] = mapped_column(String(3))
    stored_file: Mapped[str | None] = mapped_column(Text)
    stored_line: Mapped[int | None] = mapped_column(Integer)
    incoming_price: Mapped[float | None] = mapped_column(Money)
    incoming_shipping: Mapped[float | None] = mapped_column(Money)
    incoming_currency: Mapped[str] = mapped_column(String(3))
    incoming_file: Mapped[str | None] = mapped_column(Text)
    incoming_line: Mapped[int | None] = mapped_column(Integer)
    resolution: Mapped[str] = mapped_column(String(32))  # lower_kept | stored_kept | set by a reviewer
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # sha1 of the key and both sides (order-free): re-ingesting the same files records each conflict once
    fingerprint: Mapped[str] = mapped_column(String(40), unique=True)

    listing: Mapped[Listing] = relationship()


class RejectedRecord(Base):
    """Quarantine: a record that failed validation, kept with where it came from and why."""

    __tablename__ = "rejected_record"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(256))
    file: Mapped[str | None] = mapped_column(Text)
    line: Mapped[int | None] = mapped_column(Integer)
    field: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    raw: Mapped[str | None] = mapped_column(Text)
    snapshot_sha256: Mapped[str | None] = mapped_column(String(64))
    # sha1 of source, file, line and raw record: re-ingesting the same file quarantines nothing twice
    fingerprint: Mapped[str | None] = mapped_column(String(40), unique=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Emergency(Base):
    """A declared emergency: rules fire for listings in ``jurisdiction`` from ``start`` to ``end`` (+ tail)."""

    __tablename__ = "emergency"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(256))
    jurisdiction: Mapped[str] = mapped_column(String(16))  # ISO 3166 code or prefix: CN, US, US-CA
    start: Mapped[datetime] = mapped_column(UTCDateTime)
    end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    baseline_date: Mapped[datetime | None] = mapped_column(UTCDateTime)  # override (CA SB 1196)
    categories: Mapped[list | None] = mapped_column(JSON)  # None = the protective-goods categories (never other)
    rule_preset: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Alert(Base):
    """One violation episode of one listing under one rule. Updated while the episode goes on."""

    __tablename__ = "alert"
    # detected_at: the review queue's default order and its date/"new since my last visit" filters (revision 0004)
    # ix_alert_review covers the queue's facet counts (revision 0004): one index scan, not the table
    __table_args__ = (Index("ix_alert_listing_rule", "listing_id", "rule"), Index("ix_alert_detected_at", "detected_at"),
                      Index("ix_alert_review", "status", "severity", "rule", "emergency_id", "listing_id",
                            "detected_at"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listing.id"))
    emergency_id: Mapped[int | None] = mapped_column(ForeignKey("emergency.id"))
    rule: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(16))  # watch | alert | severe | egregious
    score: Mapped[float | None] = mapped_column(Float)
    first_violation_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_violation_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    baseline_unit_price: Mapped[float | None] = mapped_column(Float)
    baseline_method: Mapped[str | None] = mapped_column(String(64))
    baseline_window_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    baseline_window_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    baseline_n: Mapped[int | None] = mapped_column(Integer)
    observed_unit_price: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str | None] = mapped_column(String(8))
    currency: Mapped[str | None] = mapped_column(String(3))
    increase_pct: Mapped[float | None] = mapped_column(Float)
    explanation: Mapped[str | None] = mapped_column(Text)
    flags: Mapped[list | None] = mapped_column(JSON)  # e.g. ["needs_cost_evidence", "new_seller"]
    evidence: Mapped[list | None] = mapped_column(JSON)  # snapshot sha256s
    # open → notified → acknowledged → delisted | disputed | dismissed → verified | closed
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    history: Mapped[list | None] = mapped_column(JSON)  # [{"at": iso, "from": s, "to": s, "by": who, "note": …}]
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response: Mapped[str | None] = mapped_column(String(16))  # delisted | disputed | warned
    response_reason: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    listing: Mapped[Listing] = relationship()


class WebhookEndpoint(Base):
    """A platform's receiver. ``secrets`` holds the active ``whsec_…`` secrets (several during rotation)."""

    __tablename__ = "webhook_endpoint"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform_id: Mapped[int | None] = mapped_column(ForeignKey("platform.id"))
    url: Mapped[str] = mapped_column(Text)
    events: Mapped[list | None] = mapped_column(JSON)  # None = all event types
    secrets: Mapped[list] = mapped_column(JSON)  # [{"secret": "whsec_…", "expires_at": iso|None}]
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebhookDelivery(Base):
    """Outbox row: one event for one endpoint. Written in the same transaction as the change causing it."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        UniqueConstraint("event_id", "endpoint_id"),
        Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(64))  # the webhook-id header, kept across retries
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoint.id"))
    event_type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | delivered | failed | dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(64))  # the dispatcher run holding the lease
    # the violation the event is about (violation.* events, and seller.flagged by the violation that caused it),
    # so an alert's timeline finds its deliveries by index (revision 0004); no foreign key: outbox rows are kept
    alert_id: Mapped[int | None] = mapped_column(Integer, index=True)


class ApiKey(Base):
    """A bearer key, stored as its SHA-256 only. ``platform_id`` scopes a platform key."""

    __tablename__ = "api_key"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    prefix: Mapped[str] = mapped_column(String(16), index=True)  # first characters, for display only
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))  # admin | regulator | analyst | platform
    platform_id: Mapped[int | None] = mapped_column(ForeignKey("platform.id"))
    name: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuditLog(Base):
    """Who did what, when: API answers, key changes, status changes, replays."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(128))
    detail: Mapped[dict | None] = mapped_column(JSON)


class JobRun(Base):
    """One run of a scheduled job (``pricewatch run``): outcome and one-line summary."""

    __tablename__ = "job_run"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    job: Mapped[str] = mapped_column(String(64), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(16), default="running")  # running | ok | failed
    summary: Mapped[str | None] = mapped_column(Text)
    host: Mapped[str | None] = mapped_column(String(128))


class Lease(Base):
    """A named lease held by one process until ``expires_at`` (one scheduler per database)."""

    __tablename__ = "lease"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DetectRun(Base):
    """One ``pricewatch detect`` run: what it evaluated and, by reason, what it could not (analysis.coverage).

    ``coverage`` is JSON: ``{"counts": [{"status", "reason", "listings"}…], "examples": {reason: [{"listing_id",
    "platform", "listing_key", "title", "detail"}…]}}`` with up to five example listings per reason.
    """

    __tablename__ = "detect_run"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    observations: Mapped[int] = mapped_column(Integer, default=0)
    listings: Mapped[int] = mapped_column(Integer, default=0)
    evaluated: Mapped[int] = mapped_column(Integer, default=0)
    monitored: Mapped[int] = mapped_column(Integer, default=0)
    not_evaluated: Mapped[int] = mapped_column(Integer, default=0)
    episodes: Mapped[int] = mapped_column(Integer, default=0)
    coverage: Mapped[dict | None] = mapped_column(JSON)
