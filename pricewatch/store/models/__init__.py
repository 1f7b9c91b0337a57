"""The data model (DESIGN.md § Data model) as SQLAlchemy 2 typed models, one module per idea:

- ``base``: the declarative ``Base`` with its constraint naming, ``UTCDateTime``, ``Money``, ``BigId``, ``utcnow``;
- ``core``: platforms, sellers, listings, price observations, evidence, emergencies, alerts, webhooks, keys, the
  audit log, runs and leases;
- ``review``: the regulators' workspace — UI sessions, alert notes, re-check requests, formal warnings;
- ``cooperation``: public reports (with images, contacts, challenges) and crawled-page/feed discrepancies.

Import models from here (``from pricewatch.store.models import Listing``), not from the modules: importing this
package registers every table on ``Base.metadata``, which the Alembic environment compares with the migrations.

Conventions:
- Every timestamp column is :class:`UTCDateTime`: timezone-aware UTC in Python, ``timestamptz`` on
  PostgreSQL, an ISO text in UTC on SQLite. Convert to the display zone only when showing it.
- Money is stored as ``Numeric`` read back as float, always beside its ISO 4217 ``currency``.
- Unit prices are per canonical unit (``piece``, ``ml``, ``g``) and only comparable within one currency and
  one unit.
- Platforms' own identifiers keep their names with a ``_key`` suffix (``listing.listing_key`` is the
  platform's listing id) so they are never confused with our surrogate ``id``.

The schema changes only through Alembic migrations in ``pricewatch/store/migrations``.
"""

from pricewatch.store.models.base import NAMING as NAMING
from pricewatch.store.models.base import Base, UTCDateTime, utcnow
from pricewatch.store.models.base import BigId as BigId
from pricewatch.store.models.base import Money as Money
from pricewatch.store.models.cooperation import (
    PriceDiscrepancy,
    PublicReport,
    ReportChallenge,
    ReportContact,
    ReportImage,
)
from pricewatch.store.models.core import (
    Alert,
    ApiKey,
    AuditLog,
    DetectRun,
    Emergency,
    FeedFile,
    JobRun,
    Lease,
    Listing,
    ObservationConflict,
    Platform,
    PriceObservation,
    RejectedRecord,
    Seller,
    SellerLink,
    Snapshot,
    WebhookDelivery,
    WebhookEndpoint,
)
from pricewatch.store.models.review import AlertNote, RecheckRequest, SellerWarning, UiSession

__all__ = [
    "Alert",
    "AlertNote",
    "ApiKey",
    "AuditLog",
    "Base",
    "DetectRun",
    "Emergency",
    "FeedFile",
    "JobRun",
    "Lease",
    "Listing",
    "ObservationConflict",
    "Platform",
    "PriceDiscrepancy",
    "PriceObservation",
    "PublicReport",
    "RecheckRequest",
    "RejectedRecord",
    "ReportChallenge",
    "ReportContact",
    "ReportImage",
    "Seller",
    "SellerLink",
    "SellerWarning",
    "Snapshot",
    "UTCDateTime",
    "UiSession",
    "WebhookDelivery",
    "WebhookEndpoint",
    "utcnow",
]
