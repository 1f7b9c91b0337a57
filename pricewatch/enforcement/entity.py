"""One legal entity across platforms: the cross-platform view of joint enforcement.

A seller account (platform + the platform's seller id) belongs to an entity made of every account with the same
business licence, plus accounts a regulator linked (``seller_link``) — the same rule joint enforcement flags by
(:func:`pricewatch.enforcement.joint.linked_sellers`). :func:`seller_entity` gathers, per account: its listings, the
alerts on them with each platform's answer (``response``, ``answered_at``, reason) and status, and the
``seller.flagged`` events sent to its platform (from the audit log, with the outbox delivery state). The web UI's
seller page and the seller case bundle read this one function.

All instants are UTC (``datetime`` aware); display code converts them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import or_, select

from pricewatch.enforcement.joint import linked_sellers
from pricewatch.errors import NotFound
from pricewatch.store.engine import Database
from pricewatch.store.models import Alert, AuditLog, Listing, Platform, Seller, WebhookDelivery

ACCOUNT_COLUMNS = ["seller_db_id", "platform", "seller_id", "name", "license", "first_seen_at", "last_seen_at",
                   "deadline_hours"]
LISTING_COLUMNS = ["listing_db_id", "platform", "listing_id", "seller_id", "title", "url", "category", "status",
                   "last_seen_at"]
ALERT_COLUMNS = ["alert_id", "platform", "listing_id", "seller_id", "rule", "severity", "status", "increase_pct",
                 "baseline_unit_price", "observed_unit_price", "currency", "unit", "first_violation_at",
                 "detected_at", "notified_at", "answered_at", "response", "response_reason", "closed_at"]
FLAG_COLUMNS = ["at", "platform", "seller_id", "origin_alert_id", "reason", "actor", "delivery"]


@dataclass
class SellerEntity:
    """Everything known about one legal entity. ``license`` is ``None`` when the entity is one unlicensed account
    (plus any regulator links). The frames have the ``*_COLUMNS`` columns of this module, in that order."""

    license: str | None
    seller_db_id: int
    accounts: pd.DataFrame
    listings: pd.DataFrame
    alerts: pd.DataFrame
    flagged: pd.DataFrame
    names: list[str] = field(default_factory=list)

    @property
    def platforms(self) -> list[str]:
        return sorted(set(self.accounts["platform"]))


def find_seller(db: Database, platform: str, seller_id: str) -> Seller:
    """The account ``platform/seller_id``; :class:`NotFound` otherwise."""
    with db.session() as s:
        seller = s.scalar(select(Seller).join(Platform, Platform.id == Seller.platform_id)
                          .where(Platform.name == platform, Seller.seller_key == seller_id))
        if seller is None:
            raise NotFound(f"no seller {platform}/{seller_id}")
        s.expunge(seller)
        return seller


def seller_entity(db: Database, platform: str, seller_id: str) -> SellerEntity:
    """The entity of account ``platform/seller_id`` (see the module docstring). :class:`NotFound` if unknown."""
    return entity_of(db, find_seller(db, platform, seller_id).id)


def seller_index(db: Database, query: str | None = None, *, limit: int = 200) -> pd.DataFrame:
    """Seller accounts with their alert and listing counts, most alerts first: ``seller_db_id``, ``platform``,
    ``seller_id``, ``name``, ``license``, ``listings``, ``alerts``, ``open_alerts``. ``query`` matches the seller id or
    the licence exactly, or a part of the name (case-insensitive) — as the queue's seller filter does."""
    from sqlalchemy import case, func, or_

    open_ = case((Alert.status.in_(("open", "notified", "acknowledged", "disputed", "verified")), 1), else_=0)
    stmt = (select(Seller.id, Platform.name, Seller.seller_key, Seller.name, Seller.license,
                   func.count(func.distinct(Listing.id)), func.count(Alert.id), func.coalesce(func.sum(open_), 0))
            .join(Platform, Platform.id == Seller.platform_id)
            .outerjoin(Listing, Listing.seller_id == Seller.id).outerjoin(Alert, Alert.listing_id == Listing.id)
            .group_by(Seller.id, Platform.name, Seller.seller_key, Seller.name, Seller.license)
            .order_by(func.count(Alert.id).desc(), Platform.name, Seller.seller_key).limit(limit))
    if query and query.strip():
        q = query.strip()
        stmt = stmt.where(or_(Seller.seller_key == q, Seller.license == q,
                              func.lower(Seller.name).contains(q.lower(), autoescape=True)))
    with db.session() as s:
        rows = s.execute(stmt).all()
    return pd.DataFrame(rows, columns=["seller_db_id", "platform", "seller_id", "name", "license", "listings",
                                       "alerts", "open_alerts"])


def entity_of(db: Database, seller_db_id: int) -> SellerEntity:
    """The entity of the account with database id ``seller_db_id``. :class:`NotFound` if unknown."""
    with db.session() as s:
        seller = s.get(Seller, seller_db_id)
        if seller is None:
            raise NotFound(f"no seller {seller_db_id}")
        members = [seller, *linked_sellers(s, seller)]
        if seller.license:  # accounts of the same licence on the same platform belong to the entity too
            known = {m.id for m in members}
            members += [m for m in s.scalars(select(Seller).where(Seller.license == seller.license))
                        if m.id not in known]
        ids = [m.id for m in members]
        accounts = pd.DataFrame(s.execute(
            select(Seller.id, Platform.name, Seller.seller_key, Seller.name, Seller.license, Seller.first_seen_at,
                   Seller.last_seen_at, Platform.delisting_deadline_hours)
            .join(Platform, Platform.id == Seller.platform_id).where(Seller.id.in_(ids))
            .order_by(Platform.name, Seller.seller_key)).all(), columns=ACCOUNT_COLUMNS)
        listings = pd.DataFrame(s.execute(
            select(Listing.id, Platform.name, Listing.listing_key, Seller.seller_key, Listing.title, Listing.url,
                   Listing.category, Listing.status, Listing.last_seen_at)
            .join(Platform, Platform.id == Listing.platform_id).join(Seller, Seller.id == Listing.seller_id)
            .where(Listing.seller_id.in_(ids)).order_by(Platform.name, Listing.listing_key)).all(),
            columns=LISTING_COLUMNS)
        alerts = pd.DataFrame(s.execute(
            select(Alert.id, Platform.name, Listing.listing_key, Seller.seller_key, Alert.rule, Alert.severity,
                   Alert.status, Alert.increase_pct, Alert.baseline_unit_price, Alert.observed_unit_price,
                   Alert.currency, Alert.unit, Alert.first_violation_at, Alert.detected_at, Alert.notified_at,
                   Alert.answered_at, Alert.response, Alert.response_reason, Alert.closed_at)
            .join(Listing, Listing.id == Alert.listing_id).join(Platform, Platform.id == Listing.platform_id)
            .join(Seller, Seller.id == Listing.seller_id)
            .where(Listing.seller_id.in_(ids)).order_by(Alert.detected_at.desc(), Alert.id.desc())).all(),
            columns=ALERT_COLUMNS)
        flagged = _flagged(s, {m.id: m for m in members})
        names = sorted({m.name for m in members if m.name})
        license_ = seller.license
    return SellerEntity(license=license_, seller_db_id=seller_db_id, accounts=accounts, listings=listings, alerts=alerts, flagged=flagged,
                        names=names)


def _flagged(session, members: dict[int, Seller]) -> pd.DataFrame:  # noqa: ANN001
    """``seller.flagged`` events sent about the entity's accounts (audit target ``seller:<id>:alert:<id>``), each
    with the delivery state of its outbox rows (delivered / pending / failed / dead, or ``no endpoint``).
    Both are selected in SQL by the entity's accounts; the few rows found are matched in Python."""
    entries = session.execute(select(AuditLog.at, AuditLog.target, AuditLog.actor, AuditLog.detail)
                              .where(AuditLog.action == "seller.flagged",
                                     or_(*[AuditLog.target.like(f"seller:{sid}:alert:%") for sid in members]))
                              .order_by(AuditLog.at, AuditLog.id)).all()
    keys = sorted({m.seller_key for m in members.values()})
    deliveries = session.execute(select(WebhookDelivery.payload, WebhookDelivery.status)
                                 .where(WebhookDelivery.event_type == "seller.flagged",
                                        WebhookDelivery.payload["seller"]["seller_id"].as_string().in_(keys))
                                 ).all()
    state: dict[tuple, set[str]] = {}
    for payload, status in deliveries:
        seller = payload.get("seller", {})
        key = (seller.get("platform"), seller.get("seller_id"), payload.get("origin", {}).get("violation_id"))
        state.setdefault(key, set()).add(status)
    rows = []
    for at, target, actor, detail in entries:
        _, seller_db_id, _, alert_id = target.split(":")
        seller = members.get(int(seller_db_id))
        if seller is None:
            continue
        detail = detail or {}
        key = (detail.get("platform"), seller.seller_key, int(alert_id))
        rows.append({"at": at, "platform": detail.get("platform"), "seller_id": seller.seller_key,
                     "origin_alert_id": int(alert_id), "reason": detail.get("reason"), "actor": actor,
                     "delivery": ", ".join(sorted(state.get(key, set()))) or "no endpoint"})
    return pd.DataFrame(rows, columns=FLAG_COLUMNS)


__all__ = ["SellerEntity", "entity_of", "find_seller", "seller_entity", "seller_index"]
