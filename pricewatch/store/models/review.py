"""The regulators' review workspace (revision 0004, and formal warnings from revision 0005): web UI sessions,
notes on alerts, re-check requests and formal warnings to sellers.

Every ``*_at``/``correct_by`` column is aware UTC (:class:`~pricewatch.store.models.base.UTCDateTime`); NULL in a
``*_at`` column means the event has not happened (yet).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pricewatch.store.models.base import Base, UTCDateTime, utcnow


class UiSession(Base):
    """A reviewer's browser session in the web UI (``/ui/``), opened by logging in with an API key (revision 0004).

    ``id`` is the SHA-256 of the session cookie's token (the token itself is never stored); ``csrf_token`` is the
    synchronizer token every state-changing form carries. ``previous_visit_at`` is when the same key was last seen
    before this session began ("new since my last visit"). A session ends at logout (``ended_at``) or at
    ``expires_at``.
    """

    __tablename__ = "ui_session"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    key_id: Mapped[int] = mapped_column(ForeignKey("api_key.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    previous_visit_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AlertNote(Base):
    """A reviewer's note on an alert (revision 0004); also written to the audit log."""

    __tablename__ = "alert_note"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alert.id"), index=True)
    author: Mapped[str] = mapped_column(String(128))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RecheckRequest(Base):
    """A reviewer asked for a listing to be fetched again (revision 0004). ``done_at`` is set by the re-check that
    answered it, ``outcome`` says what it found (``still_selling``, ``not_seen``)."""

    __tablename__ = "recheck_request"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alert.id"), index=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listing.id"))
    requested_by: Mapped[str] = mapped_column(String(128))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(32))


class SellerWarning(Base):
    """A regulator's formal warning (告诫) to a seller, on one alert or on the seller as a whole.

    Presets that need a prior warning (``warning_required`` in analysis/presets.toml) escalate only when the
    violation goes on past ``correct_by`` (the warning ignored)."""

    __tablename__ = "seller_warning"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seller_id: Mapped[int | None] = mapped_column(ForeignKey("seller.id"), index=True)
    listing_id: Mapped[int | None] = mapped_column(ForeignKey("listing.id"), index=True)
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alert.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    correct_by: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_by: Mapped[str] = mapped_column(String(128))
    note: Mapped[str | None] = mapped_column(Text)
