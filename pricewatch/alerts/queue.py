"""The alert queue: filter, sort and page alerts, and count them per filter value — one paged query plus two
small grouped queries, whatever the number of alerts (the review workspace's queue uses it; the JSON
API's list can take the same :class:`AlertFilter`).

:class:`AlertFilter` holds the reviewer's filters. List filters (statuses, severities, platforms, categories, rules,
emergencies) match any of their values; filters combine with AND. ``since``/``until`` bound ``detected_at``
(aware instants; :func:`day_bounds` turns calendar days in the display zone into them); ``new_since`` keeps alerts
detected after that instant ("new since my last visit"). ``seller`` matches the platform's seller id or the
business licence exactly, or a part of the seller's name (case-insensitive). ``platform_id`` scopes a platform's
key to its own alerts.

:func:`facet_counts` answers "how many alerts would each filter value give": each facet's counts have every
*other* filter applied (so the status counts show what choosing another status would give).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, case, func, literal, or_, select
from sqlalchemy.orm import Session

from pricewatch.store.models import Alert, Emergency, Listing, Platform, Seller

STATUSES = ("open", "notified", "acknowledged", "delisted", "disputed", "dismissed", "verified", "closed")
SEVERITIES = ("egregious", "severe", "alert", "watch")  # most severe first
SEVERITY_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}
FACETS = ("status", "severity", "platform", "category", "rule", "emergency", "new")
NO_EMERGENCY = "none"  # the emergency facet's value for alerts outside any declared emergency

# sort key → ORDER BY (id last, so pages are stable)
_severity_rank = case(SEVERITY_RANK, value=Alert.severity, else_=len(SEVERITIES))
SORTS = {
    "-detected": (Alert.detected_at.desc(), Alert.id.desc()),
    "detected": (Alert.detected_at.asc(), Alert.id.asc()),
    "severity": (_severity_rank.asc(), Alert.increase_pct.desc(), Alert.id.desc()),
    "-increase": (Alert.increase_pct.desc(), Alert.id.desc()),
    "increase": (Alert.increase_pct.asc(), Alert.id.asc()),
    "-first": (Alert.first_violation_at.desc(), Alert.id.desc()),
    "first": (Alert.first_violation_at.asc(), Alert.id.asc()),
    "status": (Alert.status.asc(), Alert.detected_at.desc(), Alert.id.desc()),
    "platform": (Platform.name.asc(), Alert.detected_at.desc(), Alert.id.desc()),
}
DEFAULT_SORT = "-detected"


@dataclass(frozen=True)
class AlertFilter:
    statuses: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    emergencies: tuple[str, ...] = ()  # emergency ids as text, or NO_EMERGENCY
    seller: str | None = None
    since: datetime | None = None
    until: datetime | None = None  # exclusive
    new_since: datetime | None = None
    only_new: bool = False
    platform_id: int | None = None
    ids: tuple[int, ...] = field(default=())

    def without(self, facet: str) -> AlertFilter:
        """This filter without the selection of one facet."""
        names = {"status": "statuses", "severity": "severities", "platform": "platforms", "category": "categories",
                 "rule": "rules", "emergency": "emergencies"}
        if facet == "new":
            return replace(self, only_new=False)
        return replace(self, **{names[facet]: ()})


def day_bounds(since: date | None, until: date | None, tz: str) -> tuple[datetime | None, datetime | None]:
    """Calendar days in the display zone → [start of ``since``, start of the day after ``until``)."""
    zone = ZoneInfo(tz)
    lo = datetime.combine(since, time.min, tzinfo=zone) if since else None
    hi = datetime.combine(until + timedelta(days=1), time.min, tzinfo=zone) if until else None
    return lo, hi


def _apply(stmt: Select, f: AlertFilter, *, facets: bool = True) -> Select:
    """The WHERE clauses of ``f`` (the facet selections too unless ``facets`` is False)."""
    if f.platform_id is not None:
        stmt = stmt.where(Listing.platform_id == f.platform_id)
    if f.ids:
        stmt = stmt.where(Alert.id.in_(f.ids))
    if f.seller:
        text = f.seller.strip()
        # matching sellers first (a subquery SQL evaluates once), so no query joins the seller table to filter
        sellers = select(Seller.id).where(or_(Seller.seller_key == text, Seller.license == text,
                                              Seller.name.ilike(f"%{text.replace('%', '').replace('_', '')}%")))
        stmt = stmt.where(Listing.seller_id.in_(sellers))
    if f.since is not None:
        stmt = stmt.where(Alert.detected_at >= f.since)
    if f.until is not None:
        stmt = stmt.where(Alert.detected_at < f.until)
    if not facets:
        return stmt
    if f.statuses:
        stmt = stmt.where(Alert.status.in_(f.statuses))
    if f.severities:
        stmt = stmt.where(Alert.severity.in_(f.severities))
    if f.platforms:
        stmt = stmt.where(Listing.platform_id.in_(select(Platform.id).where(Platform.name.in_(f.platforms))))
    if f.categories:
        stmt = stmt.where(Listing.category.in_(f.categories))
    if f.rules:
        stmt = stmt.where(Alert.rule.in_(f.rules))
    if f.emergencies:
        ids = [int(e) for e in f.emergencies if e.isdigit()]
        clause = Alert.emergency_id.in_(ids)
        if NO_EMERGENCY in f.emergencies:
            clause = or_(clause, Alert.emergency_id.is_(None))
        stmt = stmt.where(clause)
    if f.only_new:
        stmt = stmt.where(Alert.detected_at > f.new_since) if f.new_since is not None else stmt
    return stmt


def _joined(stmt: Select) -> Select:
    return (stmt.join(Listing, Listing.id == Alert.listing_id).join(Platform, Platform.id == Listing.platform_id)
            .outerjoin(Seller, Seller.id == Listing.seller_id))


QUEUE_COLUMNS = (Alert.id, Alert.status, Alert.severity, Alert.rule, Alert.increase_pct, Alert.baseline_unit_price,
                 Alert.observed_unit_price, Alert.currency, Alert.unit, Alert.detected_at, Alert.first_violation_at,
                 Alert.notified_at, Alert.answered_at, Alert.emergency_id, Platform.name.label("platform"),
                 Listing.listing_key.label("listing_id"), Listing.title, Listing.category,
                 Seller.seller_key.label("seller_id"), Seller.name.label("seller_name"))


def alert_page(session: Session, f: AlertFilter, *, sort: str = DEFAULT_SORT, page: int = 1,
               per_page: int = 50) -> list[dict]:
    """One page of the queue (1-based ``page``) as dicts with :data:`QUEUE_COLUMNS`' names.

    When no filter needs the listing, the page's ids are found on the alert table alone (its indexes) and only
    those rows are joined: a deep page does not join the thousands of alerts it skips."""
    order = SORTS.get(sort, SORTS[DEFAULT_SORT])
    offset = (max(page, 1) - 1) * per_page
    if not _needs_listing(f) and sort != "platform":
        ids = _apply(select(Alert.id), f).order_by(*order).limit(per_page).offset(offset)
        stmt = _joined(select(*QUEUE_COLUMNS)).where(Alert.id.in_(ids.scalar_subquery())).order_by(*order)
    else:
        stmt = _apply(_joined(select(*QUEUE_COLUMNS)), f).order_by(*order).limit(per_page).offset(offset)
    return [dict(row._mapping) for row in session.execute(stmt)]


def alert_ids(session: Session, f: AlertFilter, *, limit: int = 10_000) -> list[int]:
    """The ids matching ``f`` (bulk actions on "everything filtered"), at most ``limit``."""
    stmt = _apply(_joined(select(Alert.id)), f).order_by(Alert.id).limit(limit)
    return list(session.scalars(stmt))


@dataclass
class Facets:
    """Per facet, value → number of alerts (see the module docstring); ``total`` matches every filter."""

    counts: dict[str, dict[str, int]]
    total: int
    emergencies: dict[str, str]  # emergency id → name, for the labels


def _needs_listing(f: AlertFilter, facet: str | None = None) -> bool:
    return bool(facet in ("platform", "category") or f.platforms or f.categories or f.seller
                or f.platform_id is not None)


def _counted(stmt: Select, f: AlertFilter, facet: str | None = None) -> Select:
    """``stmt`` (counting alerts) with the listing joined when ``f`` or ``facet`` needs it, and ``f`` applied."""
    if _needs_listing(f, facet):
        stmt = stmt.join(Listing, Listing.id == Alert.listing_id)
    return _apply(stmt, f)


def facet_counts(session: Session, f: AlertFilter) -> Facets:
    """Counts per filter value (module docstring), in two grouped queries.

    The facets on the alert's own columns (status, severity, rule, emergency, new) come from one ``GROUP BY`` over
    those columns (a few hundred groups, read from the covering index ``ix_alert_review``) with the other filters
    in its WHERE; each of these facets then sums the groups matching the *other* facets' selections. Platform and
    category, which live on the listing, come from one query grouped by both, the same way.
    Why not one GROUP BY over all seven columns: on SQLite its temporary B-tree of thousands of groups cost more
    than these two together (bench/ui.py at 30,000 alerts)."""
    connection = session.connection()  # Core rows: no ORM bookkeeping
    # grouped on the raw columns in the covering index's order (no temporary B-tree); "new" is a sum, not a key
    is_new = func.sum(case((Alert.detected_at > f.new_since, 1), else_=0)) if f.new_since is not None \
        else literal(0)
    own = (Alert.status, Alert.severity, Alert.rule, Alert.emergency_id)
    alert_level = replace(f, statuses=(), severities=(), rules=(), emergencies=(), only_new=False)
    groups = connection.execute(_counted(select(*own, func.count(), is_new).select_from(Alert), alert_level)
                                .group_by(*own)).all()
    names = ("status", "severity", "rule", "emergency")
    rows = [{"status": str(a), "severity": str(b), "rule": str(c), "emergency": NO_EMERGENCY if d is None else str(d),
             "n": int(n), "new": int(fresh or 0)} for a, b, c, d, n, fresh in groups]
    only_new = f.only_new and f.new_since is not None
    selected = {"status": f.statuses, "severity": f.severities, "rule": f.rules, "emergency": f.emergencies}

    def matches(row: dict, but: str | None = None) -> bool:
        return all(not values or row[other] in values for other, values in selected.items() if other != but)

    counts: dict[str, dict[str, int]] = {}
    for facet in names:
        sums: dict[str, int] = {}
        for row in rows:
            if matches(row, facet):
                sums[row[facet]] = sums.get(row[facet], 0) + (row["new"] if only_new else row["n"])
        counts[facet] = {k: n for k, n in sorted(sums.items(), key=lambda kv: -kv[1]) if n}
    fresh = sum(row["new"] for row in rows if matches(row))
    counts["new"] = {"1": fresh} if fresh else {}
    total = sum(row["new"] if only_new else row["n"] for row in rows if matches(row))
    # platform and category: one query grouped by both, with every filter but these two; each facet then keeps
    # the groups matching the other's selection
    platforms = {pid: name for pid, name in session.execute(select(Platform.id, Platform.name))}
    listing_level = (Listing.platform_id, func.coalesce(Listing.category, ""))
    stmt = _counted(select(*listing_level, func.count()).select_from(Alert),
                    replace(f, platforms=(), categories=()), "platform")
    pairs = [(platforms.get(pid, str(pid)), str(category), int(n))
             for pid, category, n in connection.execute(stmt.group_by(*listing_level))]
    by_platform: dict[str, int] = {}
    by_category: dict[str, int] = {}
    for platform, category, n in pairs:
        if not f.categories or category in f.categories:
            by_platform[platform] = by_platform.get(platform, 0) + n
        if not f.platforms or platform in f.platforms:
            by_category[category] = by_category.get(category, 0) + n
    counts["platform"] = dict(sorted(by_platform.items(), key=lambda kv: -kv[1]))
    counts["category"] = dict(sorted(by_category.items(), key=lambda kv: -kv[1]))
    emergencies = dict(session.execute(select(Emergency.id, Emergency.name)).all())
    return Facets(counts=counts, total=total, emergencies={str(k): v for k, v in emergencies.items()})


__all__ = ["DEFAULT_SORT", "FACETS", "NO_EMERGENCY", "SEVERITIES", "SEVERITY_RANK", "SORTS", "STATUSES",
           "AlertFilter", "Facets", "alert_ids", "alert_page", "day_bounds", "facet_counts"]
