"""Pledge compliance per platform: did platforms answer in time and delist? One function, one explicit clock.

:func:`compliance` is the only place the figures are computed; ``pricewatch compliance``, the daily digest, the
demo and the web UI's platform page all call it, so for the same clock they show the same numbers. The clock
(``as_of``, a UTC instant, default now) is explicit because "overdue" depends on it: the same platform is not
overdue one hour after notification and overdue a day later. Everything is read *as it stood at* ``as_of``:
alerts detected after it do not exist yet, notifications and answers after it have not happened yet, re-listings
found after it are not counted. So the digest for a past day is reproducible, and two surfaces given the same
clock cannot disagree. (An answer later replaced by another cannot be rewound: ``response`` holds the latest
answer, counted once its ``answered_at`` — the first answer's time — is at or before the clock.)

Columns of the returned DataFrame (one row per platform, ordered by name; new figures are added as columns, so
callers select the columns they show — issue 14 adds feed accuracy this way):

==========================  =======================================================================================
``as_of``                   the clock (UTC ``Timestamp``), the same in every row; also in ``frame.attrs["as_of"]``
``platform``                platform name
``country``                 ISO 3166 country or ``None``
``pledge_signed_on``        date the pledge was signed, or ``None``
``deadline_hours``          hours the platform pledged to delist within (``Int64``; ``<NA>`` without a pledge)
``violations``              alerts on the platform's listings detected by ``as_of``
``notified``                of those, delivered to the platform (``notified_at`` ≤ ``as_of``)
``answered``                of the notified, answered (delisted / disputed / warned) by ``as_of``
``answered_in_time``        answered within ``deadline_hours`` of notification (``Int64``; ``<NA>`` without pledge)
``answered_late``           answered, but after the deadline (``Int64``; ``<NA>`` without pledge)
``delisted``                answered ``delisted``
``disputed``                answered ``disputed``
``warned``                  answered ``warned`` (the seller was warned, the listing kept)
``awaiting``                notified, unanswered, still open, deadline not yet passed at ``as_of``
``overdue``                 notified, unanswered, still open (not closed or dismissed by ``as_of``), and the
                            deadline passed before ``as_of``; always 0 without a pledge (no deadline to miss)
``median_hours_to_delist``  median hours from notification to a ``delisted`` answer (float; NaN when none)
``relistings_caught``       delisted listings found selling again (re-check) by ``as_of``
``feed_pairs``              crawled page observations (up to ``as_of``) compared with the platform's own feed row
                            current at the page's time (``pricewatch.reconcile``; 0 when it sends no feed or is not
                            crawled)
``feed_accuracy_pct``       share of those pairs where feed and page agree within the tolerance (float; NaN with no
                            pairs) — a platform whose feed shows lower prices than its pages scores low here
``feed_understated``        pairs where the feed showed a lower price than the page
``feed_median_difference_pct``  median (page − feed) / feed over the disagreeing pairs, % (NaN when none)
==========================  =======================================================================================

Counting is vectorised (one query for the alerts, one for the re-listings, then group-bys); nothing loops over
alerts in Python.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pandas as pd
from sqlalchemy import select

from pricewatch.errors import PricewatchError
from pricewatch.store.engine import Database
from pricewatch.store.models import Alert, AuditLog, Listing, Platform, utcnow

COLUMNS = ["as_of", "platform", "country", "pledge_signed_on", "deadline_hours", "violations", "notified",
           "answered", "answered_in_time", "answered_late", "delisted", "disputed", "warned", "awaiting", "overdue",
           "median_hours_to_delist", "relistings_caught", "feed_pairs", "feed_accuracy_pct", "feed_understated",
           "feed_median_difference_pct"]
COUNTS = ["violations", "notified", "answered", "delisted", "disputed", "warned", "awaiting", "overdue",
          "relistings_caught", "feed_pairs", "feed_understated"]


def set_pledge(db: Database, name: str, *, deadline_hours: int | None = None, signed_on: date | None = None,
               country: str | None = None, text: str | None = None) -> Platform:
    """Create or update a platform and its pledge."""
    if deadline_hours is not None and deadline_hours <= 0:
        raise PricewatchError("the delisting deadline must be a positive number of hours")
    with db.session() as s:
        platform = s.scalar(select(Platform).where(Platform.name == name))
        if platform is None:
            platform = Platform(name=name, created_at=utcnow())
            s.add(platform)
        if deadline_hours is not None:
            platform.delisting_deadline_hours = deadline_hours
        if signed_on is not None:
            platform.pledge_signed_on = signed_on
        if country is not None:
            platform.country = country.upper()
        if text is not None:
            platform.pledge_text = text
        s.add(AuditLog(actor="cli", action="platform.pledge", target=f"platform:{name}",
                       detail={"deadline_hours": deadline_hours, "signed_on": str(signed_on) if signed_on else None}))
        s.commit()
        return platform


def as_of_instant(as_of: datetime | None) -> pd.Timestamp:
    """The clock as a UTC Timestamp: ``None`` is now; a naive datetime is taken as UTC."""
    if as_of is None:
        return pd.Timestamp(utcnow())
    stamp = pd.Timestamp(as_of)
    return stamp.tz_localize(UTC) if stamp.tzinfo is None else stamp.tz_convert(UTC)


def resolve_as_of(value: date | datetime | None, tz: str) -> pd.Timestamp:
    """A user's ``--as-of``: a calendar date is the END of that day in ``tz`` (what a digest for that day means);
    a naive instant is read in ``tz``; an aware one is converted; ``None`` is now. Returns a UTC Timestamp."""
    if value is None:
        return as_of_instant(None)
    if isinstance(value, datetime):
        stamp = pd.Timestamp(value)
        return (stamp.tz_localize(tz) if stamp.tzinfo is None else stamp).tz_convert(UTC)
    return (pd.Timestamp(value).tz_localize(tz) + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1)).tz_convert(UTC)


def alert_standing(db: Database, as_of: datetime | None = None, *,
                   platforms: list[str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame, pd.Timestamp]:
    """Per alert, where it stood under the pledge at ``as_of`` — the one definition every figure is counted from.

    Returns ``(alerts, platforms, clock)``: ``alerts`` has one row per alert detected by ``as_of`` with
    ``alert_id``, ``platform_id``, ``notified_at``, ``answered_at``, ``due_at`` (notification + deadline; NaT
    without a pledge), ``hours_to_answer`` and the boolean columns ``notified``, ``answered``,
    ``answered_in_time``, ``answered_late``, ``delisted``, ``disputed``, ``warned``, ``awaiting``, ``overdue``
    (meanings in the module docstring); ``platforms`` has ``platform_id``, ``platform``, ``country``,
    ``pledge_signed_on``, ``deadline_hours``.
    """
    clock = as_of_instant(as_of)
    with db.session() as s:
        pstmt = select(Platform.id, Platform.name, Platform.country, Platform.pledge_signed_on,
                       Platform.delisting_deadline_hours)
        if platforms:
            pstmt = pstmt.where(Platform.name.in_(platforms))
        plat = pd.DataFrame(s.execute(pstmt.order_by(Platform.name)).all(),
                            columns=["platform_id", "platform", "country", "pledge_signed_on", "deadline_hours"])
    alerts = _alert_times(db, [int(i) for i in plat["platform_id"]] if platforms else None)
    deadline = plat.set_index("platform_id")["deadline_hours"].astype("Float64")
    alerts = alerts[alerts["detected_at"] <= clock].reset_index(drop=True)
    hours_limit = alerts["platform_id"].map(deadline).astype("Float64")
    notified = alerts["notified_at"].notna() & (alerts["notified_at"] <= clock)
    answered = notified & alerts["answered_at"].notna() & (alerts["answered_at"] <= clock)
    response = alerts["response"].where(answered)
    hours = (alerts["answered_at"] - alerts["notified_at"]).dt.total_seconds() / 3600
    pledged = hours_limit.notna()
    due = (alerts["notified_at"] + pd.to_timedelta(hours_limit.fillna(0).astype(float), unit="h")).where(pledged)
    still_open = alerts["closed_at"].isna() | (alerts["closed_at"] > clock)
    unanswered = notified & ~answered & still_open
    past_due = pledged & (due < clock).fillna(False)
    alerts = alerts.assign(
        due_at=due, hours_to_answer=hours.where(answered), notified=notified, answered=answered,
        answered_in_time=answered & pledged & (hours <= hours_limit).fillna(False),
        answered_late=answered & pledged & (hours > hours_limit).fillna(False),
        delisted=response == "delisted", disputed=response == "disputed", warned=response == "warned",
        awaiting=unanswered & ~past_due, overdue=unanswered & past_due)
    return alerts, plat, clock


TIMES = ("detected_at", "notified_at", "answered_at", "closed_at")


def _alert_times(db: Database, platform_ids: list[int] | None) -> pd.DataFrame:
    """Every alert's platform, status, answer and instants (UTC, to the second), read as plain tuples with the
    instants as epoch seconds: 30,000 alerts through the ORM's per-value datetime conversion took ~0.5 s of CPU."""
    epoch = ("CAST(strftime('%s', a.{0}) AS INTEGER)" if db.dialect == "sqlite"
             else "CAST(FLOOR(EXTRACT(EPOCH FROM a.{0})) AS BIGINT)")  # floor, as SQLite: never after the instant
    sql = (f"SELECT a.id, l.platform_id, a.status, a.response, {', '.join(epoch.format(t) for t in TIMES)} "
           "FROM alert a JOIN listing l ON l.id = a.listing_id")
    if platform_ids is not None:
        sql += f" WHERE l.platform_id IN ({', '.join(str(int(i)) for i in platform_ids) or 'NULL'})"
    rows = db.raw_rows(sql)
    frame = pd.DataFrame(rows,
                         columns=["alert_id", "platform_id", "status", "response", *TIMES])
    for name in TIMES:
        frame[name] = pd.to_datetime(pd.to_numeric(frame[name], errors="coerce"), unit="s", utc=True)
    return frame


FLAGS = ["notified", "answered", "answered_in_time", "answered_late", "delisted", "disputed", "warned", "awaiting",
         "overdue"]


def compliance(db: Database, as_of: datetime | None = None, *, platforms: list[str] | None = None) -> pd.DataFrame:
    """Pledge-compliance figures per platform as they stood at ``as_of`` (UTC; default now).

    Returns the columns listed in the module docstring, one row per platform (all platforms, or only those named in
    ``platforms``), with ``frame.attrs["as_of"]`` set. A platform without alerts has zeros. Counted from
    :func:`alert_standing`, so a list of overdue alerts and the overdue figure cannot disagree.
    """
    alerts, plat, clock = alert_standing(db, as_of, platforms=platforms)
    with db.session() as s:
        relisted = pd.DataFrame(s.execute(
            select(Listing.platform_id, AuditLog.at).select_from(AuditLog)
            .join(Alert, AuditLog.target == "alert:" + _text(Alert.id))
            .join(Listing, Listing.id == Alert.listing_id)
            .where(AuditLog.action == "violation.relisted")).all(), columns=["platform_id", "at"])
    relisted["at"] = pd.to_datetime(relisted["at"], utc=True)
    counts = alerts.groupby("platform_id")[FLAGS].sum()
    counts["violations"] = alerts.groupby("platform_id").size()
    delist_hours = alerts.loc[alerts["delisted"], "hours_to_answer"].groupby(
        alerts.loc[alerts["delisted"], "platform_id"]).median()
    relistings = relisted[relisted["at"] <= clock].groupby("platform_id").size()

    out = plat.set_index("platform_id")
    for name in ["violations", *FLAGS]:
        out[name] = counts[name].reindex(out.index).fillna(0).astype(int) if len(counts) else 0
    out["median_hours_to_delist"] = delist_hours.reindex(out.index).astype(float)
    out["relistings_caught"] = relistings.reindex(out.index).fillna(0).astype(int)
    out["deadline_hours"] = out["deadline_hours"].astype("Int64")
    for name in ("answered_in_time", "answered_late"):
        out[name] = out[name].astype("Int64").where(out["deadline_hours"].notna(), pd.NA)
    out["as_of"] = clock
    out = _with_feed_accuracy(db, out, clock)
    frame = out.reset_index(drop=True).reindex(columns=COLUMNS)
    for name in COUNTS:
        frame[name] = frame[name].astype(int)
    frame.attrs["as_of"] = clock
    return frame


def _with_feed_accuracy(db: Database, out: pd.DataFrame, clock: pd.Timestamp) -> pd.DataFrame:
    """The feed-accuracy columns (issue 14): crawled pages against the platform's feed, as they stood at ``clock``."""
    from pricewatch.reconcile import accuracy_by_platform

    accuracy = accuracy_by_platform(db, until=clock.to_pydatetime()).set_index("platform")
    by_name = accuracy.reindex(out["platform"].to_numpy())
    for name in ("feed_pairs", "feed_understated"):
        out[name] = by_name[name].fillna(0).astype(int).to_numpy()
    for name in ("feed_accuracy_pct", "feed_median_difference_pct"):
        out[name] = by_name[name].astype(float).to_numpy()
    return out


def records(frame: pd.DataFrame) -> list[dict]:
    """The report as plain dicts for templates and JSON: missing values (``<NA>``, NaN) become ``None``."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def _text(column):  # noqa: ANN001, ANN202
    """An integer column as text, for joining ``audit_log.target`` (``alert:<id>``) on both backends."""
    from sqlalchemy import String, cast

    return cast(column, String)


def format_as_of(clock: pd.Timestamp, tz: str | None = None) -> str:
    """``2020-02-16 09:30 UTC+08:00`` — the clock in the display zone with its offset (UTC when no zone)."""
    local = clock.tz_convert(tz) if tz else clock
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M} UTC{offset[:3]}:{offset[3:]}"
