"""Alert store: one alert per listing × rule × violation episode, opened once and updated while it goes on.

Re-running detection never duplicates: an episode is matched to an existing alert of the same listing and rule
whose violation period overlaps it (±1 day). A matched alert is updated when its figures change (later last
violation, new observed price, new severity); an alert whose episode has ended (the latest observed price is back
under the threshold) is closed. Every change is appended to the alert's ``history`` and, in the same transaction,
a webhook event is written to the outbox (``violation.opened``, ``violation.updated``, ``violation.closed``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import select

from pricewatch.store.engine import Database
from pricewatch.store.models import Alert, utcnow
from pricewatch.webhooks.outbox import enqueue_alert_event

ACTIVE = ("open", "notified", "acknowledged")
SLACK = timedelta(days=1)


@dataclass
class SaveStats:
    opened: int = 0
    updated: int = 0
    closed: int = 0
    unchanged: int = 0

    def summary(self) -> str:
        return f"{self.opened} opened, {self.updated} updated, {self.closed} closed, {self.unchanged} unchanged"


def _py(value):  # noqa: ANN001, ANN202
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.to_pydatetime()
    if value is pd.NaT:
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


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
    records = episodes.to_dict("records")
    listing_ids = sorted({int(r["listing_id"]) for r in records})
    with db.session() as s:
        existing: dict[tuple[int, str], list[Alert]] = {}
        for start in range(0, len(listing_ids), 5000):
            part = listing_ids[start:start + 5000]
            for alert in s.scalars(select(Alert).where(Alert.listing_id.in_(part))):
                existing.setdefault((alert.listing_id, alert.rule), []).append(alert)
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
                alert = Alert(listing_id=key[0], detected_at=now, updated_at=now, status="open",
                              history=[{"at": now.isoformat(), "to": "open", "by": actor}], **fields)
                s.add(alert)
                s.flush()
                existing.setdefault(key, []).append(alert)
                enqueue_alert_event(s, alert, "violation.opened")
                stats.opened += 1
                if not row.get("ongoing", True):
                    _close(s, alert, now, actor)
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
                match.history = [*(match.history or []), {"at": now.isoformat(), "by": actor,
                                                          "note": "updated: " + ", ".join(changed)}]
                enqueue_alert_event(s, match, "violation.updated")
                stats.updated += 1
            if not row.get("ongoing", True) and match.status in ACTIVE:
                _close(s, match, now, actor)
                stats.closed += 1
            elif not changed:
                stats.unchanged += 1
        s.commit()
    return stats


def _close(session, alert: Alert, now: datetime, actor: str) -> None:  # noqa: ANN001
    previous = alert.status
    alert.status = "closed"
    alert.closed_at = now
    alert.updated_at = now
    alert.history = [*(alert.history or []), {"at": now.isoformat(), "from": previous, "to": "closed", "by": actor,
                                              "note": "price back under the threshold"}]
    enqueue_alert_event(session, alert, "violation.closed")


def _differs(old, new) -> bool:  # noqa: ANN001
    if isinstance(old, float) and isinstance(new, float):
        return abs(old - new) > 1e-9 * max(1.0, abs(old))
    if isinstance(old, datetime) and isinstance(new, datetime):
        return abs((old - new).total_seconds()) > 1e-3
    return old != new
