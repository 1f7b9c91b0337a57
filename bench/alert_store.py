"""Alert store benchmark (issue 13): ``save_episodes`` (batched) vs the old per-alert loop, in one run.

    python bench/alert_store.py [--episodes 20000] [--url postgresql+psycopg://postgres@127.0.0.1:5432/bench]

A fresh database (SQLite in a temporary directory unless ``--url`` names an empty PostgreSQL database, whose
schema is then created) gets ``--episodes`` listings on two platforms (sellers on both) and one episode per
listing (a tenth already over, so they open and close in the same call). Each implementation saves the same
episodes into an emptied alert/outbox, once without any webhook endpoint and once with an endpoint subscribed to
all events on one platform; times are wall seconds of the ``save_episodes`` call (one transaction, committed)
and this process's CPU seconds (less disturbed by other load; PostgreSQL's own work is not in it).
After each pair the two databases' alerts and outbox rows are compared (ids by rank; event ids, instants taken at
write time and the payload's deadline left out): the figures are only printed when both wrote the same rows.

``old_save_episodes`` below is the algorithm before issue 13 (one ORM object + flush per alert,
``enqueue_alert_event`` per event), kept here for comparison only.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
from sqlalchemy import delete, insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pricewatch.alerts.store import (  # noqa: E402
    ACTIVE,
    MATERIAL,
    SLACK,
    SaveStats,
    _differs,
    _fields,
    save_episodes,
)
from pricewatch.config import load_settings  # noqa: E402
from pricewatch.store import open_database  # noqa: E402
from pricewatch.store.models import (  # noqa: E402
    Alert,
    Listing,
    Platform,
    Seller,
    WebhookDelivery,
    WebhookEndpoint,
    utcnow,
)
from pricewatch.webhooks.outbox import enqueue_alert_event  # noqa: E402


def old_save_episodes(db, episodes: pd.DataFrame, *, actor: str = "detect") -> SaveStats:  # noqa: ANN001
    """The per-alert algorithm before issue 13 (copied from ``pricewatch/alerts/store.py``), for comparison only."""
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
                    _old_close(s, alert, now, actor)
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
                _old_close(s, match, now, actor)
                stats.closed += 1
            elif not changed:
                stats.unchanged += 1
        s.commit()
    return stats


def _old_close(session, alert: Alert, now: datetime, actor: str) -> None:  # noqa: ANN001
    previous = alert.status
    alert.status = "closed"
    alert.closed_at = now
    alert.updated_at = now
    alert.history = [*(alert.history or []), {"at": now.isoformat(), "from": previous, "to": "closed", "by": actor,
                                              "note": "price back under the threshold"}]
    enqueue_alert_event(session, alert, "violation.closed")


def populate(db, n: int) -> list[int]:  # noqa: ANN001
    now = utcnow()
    with db.session() as s:
        platforms = [Platform(name="jd", delisting_deadline_hours=24, created_at=now),
                     Platform(name="tmall", created_at=now)]
        s.add_all(platforms)
        s.flush()
        sellers = []
        for p in platforms:
            for i in range(50):
                sellers.append({"platform_id": p.id, "seller_key": f"{p.name}-s{i}", "name": f"店铺{i}",
                                "license": f"LIC-{i}" if i % 3 else None})
        s.execute(insert(Seller), sellers)
        seller_ids = {p.id: s.scalars(select(Seller.id).where(Seller.platform_id == p.id)).all() for p in platforms}
        rows = []
        for i in range(n):
            p = platforms[i % 2]
            rows.append({"platform_id": p.id, "listing_key": f"L{i}", "title": "医用外科口罩 50只/盒",
                         "url": f"https://{p.name}.example/item/{i}", "category": "mask.surgical",
                         "seller_id": seller_ids[p.id][i % 50] if i % 7 else None, "status": "active"})
        for start in range(0, n, 5000):
            s.execute(insert(Listing), rows[start:start + 5000])
        s.commit()
        return s.scalars(select(Listing.id).order_by(Listing.id)).all()


def episodes_for(listing_ids: list[int]) -> pd.DataFrame:
    start = datetime(2020, 1, 25, tzinfo=UTC)
    rows = []
    for i, lid in enumerate(listing_ids):
        first = start + timedelta(hours=i % 240)
        rows.append({"listing_id": lid, "rule": "cn-samr-2020", "emergency_id": None,
                     "severity": ("watch", "alert", "severe", "egregious")[i % 4], "score": 1.0 + i % 9,
                     "first_violation_at": pd.Timestamp(first), "last_violation_at": pd.Timestamp(first + timedelta(days=2)),
                     "baseline": 0.6 + (i % 13) / 100, "baseline_method": "last_before",
                     "baseline_window_start": pd.Timestamp(first - timedelta(days=30)),
                     "baseline_window_end": pd.Timestamp(first - timedelta(days=1)), "baseline_n": 5 + i % 4,
                     "observed_unit_price": 1.5 + (i % 17) / 10, "unit": "piece", "currency": "CNY",
                     "increase_pct": 150.0 + i % 300, "explanation": f"Unit price rose (listing {lid})",
                     "flags": ["needs_cost_evidence"] if i % 2 else [], "evidence": [f"{i:064x}"],
                     "ongoing": i % 10 != 0})
    return pd.DataFrame(rows)


def reset(db, endpoint: bool) -> None:  # noqa: ANN001
    with db.session() as s:
        s.execute(delete(WebhookDelivery))
        s.execute(delete(Alert))
        s.execute(delete(WebhookEndpoint))
        if endpoint:
            jd = s.scalar(select(Platform.id).where(Platform.name == "jd"))
            s.add(WebhookEndpoint(platform_id=jd, url="https://hooks.jd.example/pricewatch", events=None,
                                  secrets=[{"secret": "whsec_" + "A" * 32, "expires_at": None}], enabled=True,
                                  created_at=utcnow()))
        s.commit()


def dump(db) -> tuple[list, list]:  # noqa: ANN001
    """Alerts and outbox rows, comparable across runs: alert ids by rank, endpoints by URL, write-time values left
    out."""
    skip = {"id", "detected_at", "updated_at", "closed_at"}
    with db.engine.connect() as conn:
        alerts = [dict(r._mapping) for r in conn.execute(select(Alert.__table__).order_by(Alert.id))]
        rank = {a["id"]: i for i, a in enumerate(alerts)}
        out_alerts = []
        for a in alerts:
            history = [{k: v for k, v in h.items() if k != "at"} for h in a["history"]]
            out_alerts.append({**{k: v for k, v in a.items() if k not in skip}, "history": history,
                               "closed": a["closed_at"] is not None})
        urls = dict(conn.execute(select(WebhookEndpoint.id, WebhookEndpoint.url)).all())  # ids differ per reset
        deliveries = []
        for d in conn.execute(select(WebhookDelivery.__table__).order_by(WebhookDelivery.id)):
            payload = json.loads(json.dumps(d.payload))
            payload["violation"]["id"] = rank[payload["violation"]["id"]]
            payload["requested_action"].pop("deadline")
            deliveries.append((d.event_type, rank[d.alert_id], urls[d.endpoint_id], d.status, d.attempts, payload))
    return out_alerts, deliveries


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--episodes", type=int, default=20000)
    ap.add_argument("--url", help="an empty PostgreSQL database (default: SQLite in a temporary directory)")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="pw-alert-store-")
    os.chdir(tmp)
    url = args.url or f"sqlite:///{tmp}/bench.db"
    db = open_database(load_settings(), url=url)
    listing_ids = populate(db, args.episodes)
    episodes = episodes_for(listing_ids)
    print(f"{db.dialect}: {len(episodes)} episodes ({int((~episodes['ongoing']).sum())} already over)")
    for endpoint in (False, True):
        results = {}
        for name, fn in (("old per-alert", old_save_episodes), ("batched", save_episodes)):
            reset(db, endpoint)
            t0, c0 = time.perf_counter(), time.process_time()
            stats = fn(db, episodes)
            seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
            with db.engine.connect() as conn:
                outbox = conn.execute(text("SELECT count(*) FROM webhook_delivery")).scalar()
            results[name] = ((seconds, cpu), stats.summary(), outbox, dump(db))
        old, new = results["old per-alert"], results["batched"]
        if old[1:] != new[1:]:
            sys.exit(f"MISMATCH between old and batched rows (endpoint={endpoint}): {old[1:3]} vs {new[1:3]}")
        label = "endpoint on jd (all events)" if endpoint else "no endpoint"
        n = len(episodes)
        print(f"  {label}: {old[1]}, {old[2]} outbox rows; identical rows: yes")
        for name, ((seconds, cpu), *_) in results.items():
            print(f"    {name + ':':15} {seconds:8.2f} s wall {seconds / n * 1e3:7.3f} ms/alert, "
                  f"{cpu:8.2f} s CPU (this process) {cpu / n * 1e3:7.3f} ms/alert")
        print(f"    batched is {old[0][0] / new[0][0]:.1f}x faster (wall), {old[0][1] / new[0][1]:.1f}x less CPU")
    db.engine.dispose()


if __name__ == "__main__":
    main()
