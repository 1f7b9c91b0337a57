"""Alert store: one alert per listing × rule × violation episode, opened once and updated while it goes on.

Re-running detection never duplicates: an episode is matched to an existing alert of the same listing and rule
whose violation period overlaps it (±1 day). A matched alert is updated when its figures change (later last
violation, new observed price, new severity); an alert whose episode has ended (the latest observed price is back
under the threshold) is closed. Every change is appended to the alert's ``history`` and, in the same transaction,
a webhook event is written to the outbox (``violation.opened``, ``violation.updated``, ``violation.closed``).

Writing is batched (issue 13), with the same rows as one ORM object and flush per alert would give:

- New alerts are built in memory with their final state (a new episode that is already over is inserted closed,
  its history holding both the opening and the closing entry) and inserted in bulk with
  ids reserved from the sequence and the rows sent by COPY on PostgreSQL (``pricewatch.store.bulk``), one
  ``executemany`` on SQLite, in the order of the episodes, so their ids ascend as before.
- Matched alerts (updates, closes: few on a re-run) stay ORM objects, loaded with one IN query per 5,000 listings.
- Webhook events: the enabled endpoints are loaded once; with none, no payload is built. Otherwise the listings,
  platforms and sellers are preloaded (IN queries) and each event's payload is built when the event happens (the
  alert as it was then; a new alert's id is filled in after the insert); the ``webhook_delivery`` rows are
  inserted in bulk in event order (per alert ``violation.opened`` before ``violation.closed``, alerts in the
  order of the episodes). Payloads and rows come from the same functions as for a single alert
  (``pricewatch.webhooks.payload.build_violation_payload``, ``pricewatch.webhooks.outbox.delivery_rows``).
- One transaction per call: the alerts and their events commit together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import insert, select, text

from pricewatch.store.bulk import copy_rows, reserve_ids
from pricewatch.store.engine import Database
from pricewatch.store.models import Alert, WebhookDelivery, utcnow
from pricewatch.webhooks.outbox import delivery_rows, enabled_endpoints, platform_endpoints, subscribed
from pricewatch.webhooks.payload import load_payload_context

ACTIVE = ("open", "notified", "acknowledged")
SLACK = timedelta(days=1)
CHUNK = 5000  # ids per IN query, rows per INSERT statement (SQLite)


@dataclass
class SaveStats:
    opened: int = 0
    updated: int = 0
    closed: int = 0
    unchanged: int = 0

    def summary(self) -> str:
        return f"{self.opened} opened, {self.updated} updated, {self.closed} closed, {self.unchanged} unchanged"


def _py(value):  # noqa: ANN001, ANN202
    kind = type(value)  # the common cases first, with the same answers as below
    if kind is str or kind is int or kind is bool:
        return value
    if kind is float:
        return None if value != value else value
    if kind is pd.Timestamp:
        return value.to_pydatetime()
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.to_pydatetime()
    if value is pd.NaT:
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


FIELDS = ("rule", "emergency_id", "severity", "score", "first_violation_at", "last_violation_at",
          "baseline_unit_price", "baseline_method", "baseline_window_start", "baseline_window_end", "baseline_n",
          "observed_unit_price", "unit", "currency", "increase_pct", "explanation", "flags", "evidence")


def _fields(row: dict) -> dict:
    return {
        "rule": row["rule"],
        "emergency_id": _py(row.get("emergency_id")),
        "severity": row["severity"],
        "score": _py(row.get("score")),
        "first_violation_at": _py(row["first_violation_at"]),
        "last_violation_at": _py(row["last_violation_at"]),
        "baseline_unit_price": _py(row["baseline"]),
        "baseline_method": row.get("baseline_method"),
        "baseline_window_start": _py(row.get("baseline_window_start")),
        "baseline_window_end": _py(row.get("baseline_window_end")),
        "baseline_n": _py(row.get("baseline_n")),
        "observed_unit_price": _py(row["observed_unit_price"]),
        "unit": row.get("unit"),
        "currency": row.get("currency"),
        "increase_pct": _py(row["increase_pct"]),
        "explanation": row.get("explanation"),
        "flags": list(row.get("flags") or []) or None,
        "evidence": list(row.get("evidence") or []) or None,
    }


MATERIAL = ("severity", "observed_unit_price", "increase_pct", "last_violation_at", "evidence")


def save_episodes(db: Database, episodes: pd.DataFrame, *, actor: str = "detect") -> SaveStats:
    """Open, update or close alerts for ``episodes`` (see module docstring). One transaction."""
    stats = SaveStats()
    now = utcnow()
    stamp = now.isoformat()
    records = episodes.to_dict("records")
    listing_ids = sorted({int(r["listing_id"]) for r in records})
    with db.session() as s:
        existing: dict[tuple[int, str], list] = {}
        for start in range(0, len(listing_ids), CHUNK):
            part = listing_ids[start:start + CHUNK]
            for alert in s.scalars(select(Alert).where(Alert.listing_id.in_(part))):
                existing.setdefault((alert.listing_id, alert.rule), []).append(alert)
        outbox = _Outbox(s, listing_ids)
        new: list[_NewAlert] = []
        for row in records:
            key = (int(row["listing_id"]), row["rule"])
            fields = _fields(row)
            first: datetime = fields["first_violation_at"]
            last: datetime = fields["last_violation_at"]
            match = None
            for alert in existing.get(key, []):
                a_last = alert.last_violation_at or alert.first_violation_at
                if alert.first_violation_at - SLACK <= last and first <= a_last + SLACK:
                    match = alert
                    break
            if match is None:
                alert = _NewAlert(listing_id=key[0], detected_at=now, updated_at=now, status="open",
                                  history=[{"at": stamp, "to": "open", "by": actor}], **fields)
                new.append(alert)
                existing.setdefault(key, []).append(alert)
                outbox.event(alert, "violation.opened")
                stats.opened += 1
                if not row.get("ongoing", True):
                    _close(outbox, alert, now, actor)
                    stats.closed += 1
                continue
            changed = [k for k in MATERIAL if _differs(getattr(match, k), fields[k])]
            if match.first_violation_at > first:
                fields["first_violation_at"] = first
            else:
                fields["first_violation_at"] = match.first_violation_at
            if changed:
                for k, v in fields.items():
                    setattr(match, k, v)
                match.updated_at = now
                match.history = [*(match.history or []), {"at": stamp, "by": actor,
                                                          "note": "updated: " + ", ".join(changed)}]
                outbox.event(match, "violation.updated")
                stats.updated += 1
            if not row.get("ongoing", True) and match.status in ACTIVE:
                _close(outbox, match, now, actor)
                stats.closed += 1
            elif not changed:
                stats.unchanged += 1
        conn = s.connection()
        for start in range(0, len(new), CHUNK):
            part = new[start:start + CHUNK]
            for alert, alert_id in zip(part, _insert_alerts(conn, [a.row() for a in part]), strict=True):
                alert.id = alert_id
        outbox.write(conn)
        s.commit()  # flushes the matched alerts' changes (ORM) in the same transaction
    return stats


def _insert_alerts(conn, rows: list[dict]) -> list[int]:  # noqa: ANN001
    """Insert ``rows`` into ``alert``; their ids, in the order of ``rows``.

    PostgreSQL: ids reserved from the sequence, rows sent by COPY (:mod:`pricewatch.store.bulk`). Other servers:
    ``INSERT … RETURNING id`` in parameter order (insertmanyvalues). SQLAlchemy runs that one row at a time on
    SQLite (no way there to tie returned rows to parameters), so on SQLite the rows go in one ``executemany``: the insert holds the database's only write lock until
    commit and each new ``INTEGER PRIMARY KEY`` is the largest so far + 1, so the ids are the consecutive run
    ending at ``last_insert_rowid()``; one query checks that they hold the rows' listings, in order."""
    if not rows:
        return []
    if conn.dialect.name == "postgresql":
        # ids from the sequence, rows by COPY (pricewatch.store.bulk: a long multi-row INSERT costs more to parse)
        ids = reserve_ids(conn, Alert.__table__, len(rows))
        copy_rows(conn, Alert.__table__, [{**row, "id": i} for row, i in zip(rows, ids)])
        return ids
    if conn.dialect.name != "sqlite":
        return conn.execute(insert(Alert).returning(Alert.id, sort_by_parameter_order=True), rows).scalars().all()
    conn.execute(insert(Alert), rows)
    last = conn.execute(text("SELECT last_insert_rowid()")).scalar_one()
    first = last - len(rows) + 1
    stored = conn.execute(select(Alert.listing_id).where(Alert.id.between(first, last)).order_by(Alert.id))
    if stored.scalars().all() != [r["listing_id"] for r in rows]:
        raise RuntimeError("alert ids not consecutive after a bulk insert on SQLite")  # never seen; refuse to guess
    return list(range(first, last + 1))


class _NewAlert:
    """An alert to insert: the attributes an :class:`Alert` would carry (the columns ``save_episodes`` sets; the
    others stay NULL), and ``id`` once inserted. Updated and closed in memory like an ORM object."""

    COLUMNS = ("listing_id", "detected_at", "updated_at", "status", "history", "closed_at", *FIELDS)

    def __init__(self, **values) -> None:  # noqa: ANN003
        self.id: int | None = None
        self.notified_at = None
        self.closed_at = None
        self.__dict__.update(values)

    def row(self) -> dict:
        values = self.__dict__
        return {c: values[c] for c in self.COLUMNS}


class _Outbox:
    """The webhook events of one ``save_episodes`` call, in the order they happen, written in bulk at the end.

    Enabled endpoints are loaded once; when there are none, nothing else is (no payloads are built). Otherwise the
    listings, platforms and sellers are preloaded and each event's payload is built when the event happens (so it
    shows the alert as it was then: a new alert closed in the same call is "open" in its ``violation.opened``).
    A new alert's id is filled into its events' payloads and rows once the alerts are inserted."""

    def __init__(self, session, listing_ids: list[int]) -> None:  # noqa: ANN001
        self.endpoints = enabled_endpoints(session)
        self.context = load_payload_context(session, listing_ids, CHUNK) if self.endpoints else None
        self.by_platform: dict[int, list] = {}
        self.rows: list[dict] = []
        self.pending: list[tuple[_NewAlert, dict, list[dict]]] = []

    def event(self, alert, event_type: str) -> None:  # noqa: ANN001
        if self.context is None:
            return
        platform_id = self.context.listings[alert.listing_id].platform_id
        endpoints = self.by_platform.get(platform_id)
        if endpoints is None:
            endpoints = self.by_platform[platform_id] = platform_endpoints(self.endpoints, platform_id)
        if not any(subscribed(e, event_type) for e in endpoints):
            return  # no row would be written: no payload to build
        payload = self.context.payload(alert, event_type)
        rows = delivery_rows(endpoints, event_type, payload, alert.id)
        self.rows.extend(rows)
        if alert.id is None:
            self.pending.append((alert, payload, rows))

    def write(self, conn) -> None:  # noqa: ANN001
        for alert, payload, rows in self.pending:
            payload["violation"]["id"] = alert.id
            for row in rows:
                row["alert_id"] = alert.id
        if conn.dialect.name == "postgresql":
            copy_rows(conn, WebhookDelivery.__table__, self.rows)  # in event order: ids ascend as events happened
            return
        statement = insert(WebhookDelivery)
        for start in range(0, len(self.rows), CHUNK):
            conn.execute(statement, self.rows[start:start + CHUNK])


def _close(outbox: _Outbox, alert, now: datetime, actor: str) -> None:  # noqa: ANN001
    previous = alert.status
    alert.status = "closed"
    alert.closed_at = now
    alert.updated_at = now
    alert.history = [*(alert.history or []), {"at": now.isoformat(), "from": previous, "to": "closed", "by": actor,
                                              "note": "price back under the threshold"}]
    outbox.event(alert, "violation.closed")


def _differs(old, new) -> bool:  # noqa: ANN001
    if isinstance(old, float) and isinstance(new, float):
        return abs(old - new) > 1e-9 * max(1.0, abs(old))
    if isinstance(old, datetime) and isinstance(new, datetime):
        return abs((old - new).total_seconds()) > 1e-3
    return old != new
