"""Receiving a public report: checks, de-duplication, the listing it names, and the receipt.

A report names a listing page (``url``) and the price the reporter saw (``price`` in ``currency``), optionally
when (``observed_at``, an ISO 8601 instant with zone; default: when received), a ``note``, a photo or screenshot
(``image``, base64) and ``contact`` details. It is refused (400, nothing stored, nothing fetched) when the URL is
not a listing page of a platform in the site profiles (``pricewatch.reports.hosts``), the price or currency is
not valid feed v1, or the image is not a JPEG/PNG/WebP within the limit.

A report is a **duplicate** when a report on the same listing, in the same currency, with a price within
``duplicate_price_pct`` %, arrived within ``duplicate_hours`` before it; it gets a receipt (status
``duplicate``) but causes no second crawl. A URL of a listing pricewatch has not seen yet creates that listing as
a candidate (``public_report.candidate``), so the crawl and later feeds attach to it. Contact details go to
``report_contact`` (regulators only; purged after ``contact_retention_days``).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import socket
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pydantic import BaseModel, Field
from sqlalchemy import select

from pricewatch.reports.hosts import NotAPlatformPage, platform_page
from pricewatch.reports.image import ImageRefused, clean_image, decode_base64
from pricewatch.reports.throttle import ProofRefused, check_rates, client_key, redeem
from pricewatch.store.engine import Database
from pricewatch.store.models import (
    Listing,
    Platform,
    PublicReport,
    ReportContact,
    ReportImage,
    utcnow,
)

STATUSES = ("received", "checking", "confirmed", "not_confirmed", "duplicate")
_DECIMAL = re.compile(r"^\d{1,14}(?:\.\d+)?$")


class ReportRefused(ValueError):
    """A report that cannot be accepted (400); the message names the field."""


class Proof(BaseModel):
    challenge: str = Field(max_length=64, description="the token from GET /v1/reports/challenge")
    nonce: str = Field(max_length=64, description="a value such that SHA-256(challenge:nonce) starts with `bits` "
                                                  "zero bits")


class ReportIn(BaseModel):
    """A public report (``POST /v1/reports``)."""

    url: str = Field(max_length=2048, description="the listing page (a platform known to pricewatch)")
    price: str | float = Field(description="the price seen, decimal > 0 in `currency` (29.90)")
    currency: str = Field(max_length=3, description="ISO 4217 code, e.g. CNY, USD")
    observed_at: str | None = Field(default=None, max_length=40,
                                     description="when the price was seen: ISO 8601 instant with zone "
                                                 "(default: when the report arrives)")
    note: str | None = Field(default=None, max_length=2000, description="what the reporter wants to add")
    image: str | None = Field(default=None, description="a photo or screenshot: JPEG, PNG or WebP as base64 (or "
                                                        "a data: URL); metadata is stripped")
    contact: str | None = Field(default=None, max_length=500,
                                description="how a regulator may reach the reporter (optional; shown only to "
                                            "regulators, deleted after the retention period)")
    proof: Proof | None = Field(default=None, description="proof of work (required unless [reports] proof_bits "
                                                          "is 0)")


@dataclass
class ReportSettings:
    """``[reports]`` in pricewatch.toml."""

    proof_bits: int = 16
    challenge_minutes: int = 10
    challenges_per_minute: int = 30
    per_address_per_hour: int = 10
    global_per_minute: int = 120
    max_body_bytes: int = 4 << 20
    max_image_bytes: int = 2 << 20
    duplicate_hours: float = 24.0
    duplicate_price_pct: float = 5.0
    confirm_tolerance_pct: float = 5.0
    contact_retention_days: int = 90
    address_salt: str = ""
    allow_private: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, db: Database) -> ReportSettings:
        section = dict(db.settings.section("reports"))
        known = {k: v for k, v in section.items() if k in cls.__dataclass_fields__}
        out = cls(**known)
        if not out.address_salt:
            # not secret, but stable across processes of one deployment; set [reports] address_salt to a secret
            out.address_salt = hashlib.sha256(f"{socket.gethostname()}|{db.settings.database_url}".encode()).hexdigest()
        return out


def _price(value: str | float) -> float:
    from pricewatch.feed.schema import MAX_AMOUNT, MIN_PRICE

    text = repr(value) if isinstance(value, float) else str(value).strip()
    if isinstance(value, bool) or not _DECIMAL.match(text):
        raise ReportRefused("price: write the price as a number like 29.90 (no currency sign or separators)")
    amount = float(text)
    if not MIN_PRICE <= amount < MAX_AMOUNT:
        raise ReportRefused("price: must be greater than 0")
    return amount


def _currency(code: str) -> str:
    from pricewatch.feed.schema import currency_codes

    code = (code or "").strip().upper()
    if code not in currency_codes():
        raise ReportRefused(f"currency: {code[:8]!r} is not an ISO 4217 currency code (e.g. CNY, USD)")
    return code


def _observed(text: str | None, now: datetime) -> datetime | None:
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ReportRefused("observed_at: not an ISO 8601 instant (2020-01-27T09:30:00+08:00)") from None
    if when.tzinfo is None:
        raise ReportRefused("observed_at: has no time zone (add Z or +08:00)")
    if when > now + timedelta(minutes=10) or when < now - timedelta(days=365):
        raise ReportRefused("observed_at: must be within the last year and not in the future")
    return when


def _listing(session, page) -> tuple[Platform, Listing, bool]:  # noqa: ANN001
    """The platform and listing a page names; a listing not seen yet is created as a candidate."""
    platform = session.scalar(select(Platform).where(Platform.name == page.platform))
    if platform is None:
        if not page.fixed_platform:  # a name read from the URL path: never create platforms from public input
            raise ReportRefused(f"url: {page.platform[:64]!r} is not a platform pricewatch watches")
        platform = Platform(name=page.platform, created_at=utcnow())
        session.add(platform)
        session.flush()
    listing = session.scalar(select(Listing).where(Listing.platform_id == platform.id,
                                                   Listing.listing_key == page.listing_key))
    if listing is not None:
        return platform, listing, False
    listing = Listing(platform_id=platform.id, listing_key=page.listing_key, url=page.url, status="active",
                      normalised=False)
    session.add(listing)
    session.flush()
    return platform, listing, True


def _original(session, listing_id: int, price: float, currency: str, now: datetime,  # noqa: ANN001
              settings: ReportSettings) -> int | None:
    """The earlier report this one repeats (same listing and currency, similar price, close in time)."""
    earlier = session.execute(
        select(PublicReport.id, PublicReport.price)
        .where(PublicReport.listing_id == listing_id, PublicReport.currency == currency,
               PublicReport.status != "duplicate",
               PublicReport.received_at >= now - timedelta(hours=settings.duplicate_hours))
        .order_by(PublicReport.id)).all()
    for rid, other in earlier:
        if other and abs(price - other) <= other * settings.duplicate_price_pct / 100:
            return rid
    return None


def file_report(db: Database, report: ReportIn, address: str, settings: ReportSettings | None = None
                ) -> tuple[str, str]:
    """Accept a report from ``address``; returns (receipt, status). Raises :class:`ReportRefused` (400),
    :class:`pricewatch.reports.throttle.ProofRefused` (400) or ``Throttled`` (429). Nothing is fetched here."""
    settings = settings or ReportSettings.of(db)
    now = utcnow()
    try:
        page = platform_page(report.url)
    except NotAPlatformPage as exc:
        raise ReportRefused(str(exc)) from None
    price = _price(report.price)
    currency = _currency(report.currency)
    observed_at = _observed(report.observed_at, now)
    image = None
    if report.image:
        try:
            image = clean_image(decode_base64(report.image, settings.max_image_bytes), settings.max_image_bytes)
        except ImageRefused as exc:
            raise ReportRefused(str(exc)) from None
    client = client_key(address, settings.address_salt)
    with db.session() as s:
        if settings.proof_bits > 0:
            proof = report.proof
            redeem(s, proof.challenge if proof else None, proof.nonce if proof else None)
        check_rates(s, client, per_address_per_hour=settings.per_address_per_hour,
                    global_per_minute=settings.global_per_minute)
        platform, listing, candidate = _listing(s, page)
        original = _original(s, listing.id, price, currency, now, settings)
        if image is not None and s.get(ReportImage, image.sha256) is None:
            s.add(ReportImage(sha256=image.sha256, content_type=image.content_type, width=image.width,
                              height=image.height, size=len(image.data), data=image.data, stored_at=now))
            s.flush()
        receipt = "PR-" + secrets.token_urlsafe(18)
        row = PublicReport(
            receipt=receipt, url=page.url, host=page.host, platform_id=platform.id, listing_id=listing.id,
            candidate=candidate, price=price, currency=currency, observed_at=observed_at, received_at=now,
            note=(report.note or None), image_sha256=image.sha256 if image else None,
            status="duplicate" if original else "received", duplicate_of=original, client=client,
            status_reason=f"repeats report {original}" if original else None)
        s.add(row)
        s.flush()
        if report.contact and report.contact.strip():
            s.add(ReportContact(report_id=row.id, contact=report.contact.strip(), stored_at=now,
                                purge_after=now + timedelta(days=settings.contact_retention_days)))
        s.commit()
        return receipt, row.status


def report_status(db: Database, receipt: str) -> str | None:
    """The status of the report with this receipt (None: no such receipt). Nothing else is revealed."""
    if not receipt or len(receipt) > 40:
        return None
    with db.session() as s:
        return s.scalar(select(PublicReport.status).where(PublicReport.receipt == receipt))


__all__ = ["STATUSES", "ProofRefused", "ReportIn", "ReportRefused", "ReportSettings", "file_report",
           "report_status"]
