"""The alert store's batch path (issue 13) writes what one ORM object + flush per alert wrote.

Real database (SQLite or PostgreSQL per ``PRICEWATCH_TEST_BACKEND``), real endpoints and payload code. Expected
rows are derived from the per-alert rules (module docstring of ``pricewatch.alerts.store``), not from numbers
copied out of a run: each episode opens an alert (closed at once when it is over) or updates/closes the alert it
overlaps; every change is one event, delivered to each enabled endpoint of the listing's platform that subscribes
to it, in the order the changes happen.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import event, select

from pricewatch.alerts.store import save_episodes
from pricewatch.store.models import Alert, Listing, Platform, Seller, WebhookDelivery, WebhookEndpoint, utcnow
from pricewatch.webhooks.payload import violation_payload

T0 = datetime(2020, 1, 25, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.fixture
def market(db):
    """Three platforms: jd (24 h pledge; one endpoint for everything, one only for closings, one disabled),
    tmall (no pledge deadline; one endpoint for openings and updates), pdd (no endpoint). Four listings each; on
    jd and pdd with a seller, on tmall without."""
    now = utcnow()
    with db.session() as s:
        jd = Platform(name="jd", delisting_deadline_hours=24, created_at=now)
        tmall = Platform(name="tmall", created_at=now)
        pdd = Platform(name="pdd", delisting_deadline_hours=48, created_at=now)
        s.add_all([jd, tmall, pdd])
        s.flush()
        sellers = {p.name: Seller(platform_id=p.id, seller_key=f"{p.name}-s1", name="好药师", license="LIC-9")
                   for p in (jd, pdd)}
        s.add_all(sellers.values())
        s.flush()
        listings = {}
        for p in (jd, tmall, pdd):
            for i in range(4):
                listing = Listing(platform_id=p.id, listing_key=f"{p.name}-{i}", title=f"口罩 {i}",
                                  url=f"https://{p.name}.example/{i}", category="mask.surgical",
                                  seller_id=sellers[p.name].id if p.name in sellers else None)
                s.add(listing)
                s.flush()
                listings[f"{p.name}-{i}"] = listing.id
        secrets = [{"secret": "whsec_" + "A" * 32, "expires_at": None}]
        endpoints = {
            "jd-all": WebhookEndpoint(platform_id=jd.id, url="https://jd.example/all", events=None, secrets=secrets),
            "jd-closed": WebhookEndpoint(platform_id=jd.id, url="https://jd.example/closed",
                                         events=["violation.closed"], secrets=secrets),
            "jd-off": WebhookEndpoint(platform_id=jd.id, url="https://jd.example/off", events=None, secrets=secrets,
                                      enabled=False),
            "tmall-new": WebhookEndpoint(platform_id=tmall.id, url="https://tmall.example/h", secrets=secrets,
                                         events=["violation.opened", "violation.updated"]),
        }
        s.add_all(endpoints.values())
        s.commit()
        platform_of = {lid: key.split("-")[0] for key, lid in listings.items()}
        return {"listings": listings, "platform_of": platform_of,
                "endpoints": {name: (e.id, e.platform_id, e.events, e.enabled) for name, e in endpoints.items()},
                "platforms": {"jd": jd.id, "tmall": tmall.id, "pdd": pdd.id}}


def episode(listing_id: int, first_day: float, days: float, *, rule: str = "cn-samr-2020", observed: float = 3.0,
            ongoing: bool = True, flags: tuple = ("needs_cost_evidence",)) -> dict:
    first = T0 + first_day * DAY
    return {"listing_id": listing_id, "rule": rule, "emergency_id": None, "severity": "egregious", "score": 7.5,
            "first_violation_at": pd.Timestamp(first), "last_violation_at": pd.Timestamp(first + days * DAY),
            "baseline": 0.6, "baseline_method": "last_before", "baseline_window_start": pd.Timestamp(T0 - 30 * DAY),
            "baseline_window_end": pd.Timestamp(T0 - DAY), "baseline_n": 6, "observed_unit_price": observed,
            "unit": "piece", "currency": "CNY", "increase_pct": round((observed / 0.6 - 1) * 100, 2),
            "explanation": f"Unit price rose to ¥{observed}", "flags": list(flags),
            "evidence": [f"{listing_id:064x}"], "ongoing": ongoing}


def subscribers(market: dict, listing_id: int, event_type: str) -> list[int]:
    """Endpoint ids that must get ``event_type`` about a listing: enabled, its platform's, subscribed."""
    platform_id = market["platforms"][market["platform_of"][listing_id]]
    return sorted(eid for eid, pid, events, enabled in market["endpoints"].values()
                  if enabled and pid in (platform_id, None) and (not events or event_type in events))


def outbox(db, after: int = 0) -> list[WebhookDelivery]:
    with db.session() as s:
        return s.scalars(select(WebhookDelivery).where(WebhookDelivery.id > after)
                         .order_by(WebhookDelivery.id)).all()


def alerts(db) -> list[Alert]:
    with db.session() as s:
        return s.scalars(select(Alert).order_by(Alert.id)).all()


def grouped(rows: list[WebhookDelivery]) -> list[tuple[str, int, list[int]]]:
    """Deliveries as events in delivery-id order: (type, alert id, endpoint ids), one entry per event."""
    events: list[tuple[str, int, list[int]]] = []
    for d in rows:
        if events and events[-1][:2] == (d.event_type, d.alert_id) and d.endpoint_id not in events[-1][2]:
            events[-1][2].append(d.endpoint_id)
        else:
            events.append((d.event_type, d.alert_id, [d.endpoint_id]))
    return [(t, a, sorted(e)) for t, a, e in events]


def expected_events(market: dict, changes: list[tuple[str, int, int]]) -> list[tuple[str, int, list[int]]]:
    """(type, alert id, listing id) per change, in order → the events that must be in the outbox."""
    out = []
    for event_type, alert_id, listing_id in changes:
        endpoints = subscribers(market, listing_id, event_type)
        if endpoints:
            out.append((event_type, alert_id, endpoints))
    return out


def test_first_run_writes_the_alerts_history_and_outbox_rows_of_one_alert_at_a_time(db, market):
    ls = market["listings"]
    eps = [
        episode(ls["jd-0"], 0, 2),                                     # opens
        episode(ls["jd-1"], 1, 1, ongoing=False),                      # opens and closes
        episode(ls["tmall-0"], 0, 3, flags=()),                        # opens (no flags: stored like the ORM)
        episode(ls["tmall-1"], 2, 1, ongoing=False),                   # opens and closes; tmall hears only "opened"
        episode(ls["pdd-0"], 0, 2),                                    # no endpoint on pdd: no outbox row
        episode(ls["pdd-1"], 0, 2, ongoing=False),
        episode(ls["jd-0"], 0, 1, rule="generic", observed=2.5),       # same listing, other rule: its own alert
        episode(ls["jd-0"], 2.5, 2, observed=3.5),                     # overlaps jd-0's first episode (±1 day):
    ]                                                                  # the alert opened above is updated
    before = utcnow()
    stats = save_episodes(db, pd.DataFrame(eps))
    assert (stats.opened, stats.updated, stats.closed, stats.unchanged) == (7, 1, 3, 0)

    rows = alerts(db)
    assert len(rows) == 7
    # ids ascend in the order the episodes came (each new alert inserted in turn)
    new_episodes = eps[:7]
    assert [(a.listing_id, a.rule) for a in rows] == [(e["listing_id"], e["rule"]) for e in new_episodes]
    now = rows[0].detected_at
    assert before <= now <= utcnow()
    for a, e in zip(rows, new_episodes, strict=True):
        assert a.detected_at == now
        assert a.severity == e["severity"] and a.score == e["score"] and a.emergency_id is None
        assert a.baseline_unit_price == e["baseline"] and a.baseline_method == "last_before"
        assert a.baseline_window_start == e["baseline_window_start"] and a.baseline_n == e["baseline_n"]
        assert a.unit == "piece" and a.currency == "CNY"
        assert a.flags == (e["flags"] or None) and a.evidence == e["evidence"]
        assert a.notified_at is None and a.answered_at is None and a.response is None
        opened = {"at": now.isoformat(), "to": "open", "by": "detect"}
        if e["ongoing"]:
            assert a.status == "open" and a.closed_at is None
            if a.id != rows[0].id:
                assert a.history == [opened] and a.updated_at == now
                assert a.first_violation_at == e["first_violation_at"]
                assert a.observed_unit_price == e["observed_unit_price"]
        else:
            assert a.status == "closed" and a.closed_at == now and a.updated_at == now
            assert a.history == [opened, {"at": now.isoformat(), "from": "open", "to": "closed", "by": "detect",
                                          "note": "price back under the threshold"}]
    # the alert updated in the same call: later figures, the earlier first violation, two history entries
    updated = rows[0]
    assert updated.first_violation_at == eps[0]["first_violation_at"]
    assert updated.last_violation_at == eps[7]["last_violation_at"]
    assert updated.observed_unit_price == 3.5 and updated.increase_pct == eps[7]["increase_pct"]
    assert updated.history[0] == {"at": now.isoformat(), "to": "open", "by": "detect"}
    assert updated.history[1]["note"].startswith("updated: ") and "observed_unit_price" in updated.history[1]["note"]
    assert updated.updated_at == now

    # outbox: one event per change in the order the changes happened, to each subscribed endpoint
    changes = []
    for a, e in zip(rows, new_episodes, strict=True):
        changes.append(("violation.opened", a.id, a.listing_id))
        if not e["ongoing"]:
            changes.append(("violation.closed", a.id, a.listing_id))
    changes.append(("violation.updated", updated.id, updated.listing_id))
    deliveries = outbox(db)
    assert grouped(deliveries) == expected_events(market, changes)
    assert len(deliveries) == sum(len(e) for _, _, e in expected_events(market, changes))
    assert not [d for d in deliveries if market["platform_of"][_listing(rows, d.alert_id)] == "pdd"]

    by_id = {a.id: a for a in rows}
    event_ids = [d.event_id for d in deliveries]
    assert len(set(event_ids)) == len(event_ids) and all(e.startswith("msg_") for e in event_ids)
    with db.session() as s:
        for d in deliveries:
            assert d.status == "pending" and d.attempts == 0 and d.last_status is None and d.delivered_at is None
            assert d.next_attempt_at == d.created_at - timedelta(seconds=1)
            assert before <= d.created_at <= utcnow()
            p = d.payload
            a = by_id[d.alert_id]
            assert p["type"] == d.event_type and p["violation"]["id"] == a.id
            listing = s.get(Listing, a.listing_id)
            assert p["listing"]["listing_id"] == listing.listing_key and p["listing"]["url"] == listing.url
            assert p["listing"]["platform"] == market["platform_of"][a.listing_id]
            if market["platform_of"][a.listing_id] == "tmall":
                assert p["seller"] is None and p["requested_action"]["pledge_deadline_hours"] is None
            else:
                assert p["seller"] == {"seller_id": "jd-s1", "name": "好药师", "license": "LIC-9"}
            if d.event_type == "violation.closed":
                # the alert's state then is its state now: the per-alert payload, exactly
                assert p["violation"]["status"] == "closed"
                assert p == violation_payload(s, s.get(Alert, a.id), "violation.closed")
            else:
                assert p["violation"]["status"] == "open"  # opened, even when closed later in the same call
                assert p["requested_action"]["action"] == "delist"
                deadline = p["requested_action"]["deadline"]
                if market["platform_of"][a.listing_id] == "jd":
                    assert deadline is not None
                    at = datetime.fromisoformat(deadline.replace("Z", "+00:00"))
                    assert before + timedelta(hours=24) - timedelta(seconds=1) <= at <= utcnow() + timedelta(hours=24)
                else:
                    assert deadline is None
                if a.status == "open" and (d.event_type == "violation.updated" or a.id != updated.id):
                    # unchanged since the event: the per-alert payload, but for the deadline (taken at build time)
                    current = violation_payload(s, s.get(Alert, a.id), d.event_type)
                    current["requested_action"]["deadline"] = deadline
                    assert p == current
        # the opened event of the alert updated later shows the figures it was opened with
        opened = next(d for d in deliveries if d.alert_id == updated.id and d.event_type == "violation.opened")
        assert opened.payload["violation"]["observed_unit_price"] == 3.0
        assert opened.payload["violation"]["last_violation_at"] == pd.Timestamp(eps[0]["last_violation_at"]) \
            .strftime("%Y-%m-%dT%H:%M:%SZ")


def _listing(rows: list[Alert], alert_id: int) -> int:
    return next(a.listing_id for a in rows if a.id == alert_id)


def test_rerun_updates_and_closes_matched_alerts_and_opens_only_new_episodes(db, market):
    ls = market["listings"]
    first = [episode(ls["jd-0"], 0, 2), episode(ls["jd-1"], 0, 2), episode(ls["tmall-0"], 0, 2),
             episode(ls["pdd-0"], 0, 2), episode(ls["jd-2"], 0, 1, ongoing=False)]
    save_episodes(db, pd.DataFrame(first))
    before = {a.id: a for a in alerts(db)}
    last_delivery = outbox(db)[-1].id
    key = {(a.listing_id, a.rule): a.id for a in before.values()}

    second = [
        episode(ls["jd-3"], 3, 1),                         # new
        episode(ls["jd-0"], 0, 3, observed=4.0),           # figures changed: updated
        episode(ls["jd-1"], 0, 2, ongoing=False),          # same figures, over now: closed
        episode(ls["tmall-0"], 0, 2.5, ongoing=False),     # changed and over: updated, then closed
        episode(ls["pdd-0"], 0, 2),                        # identical: unchanged
        episode(ls["jd-2"], 0, 1, ongoing=False),          # already closed, identical: unchanged
    ]
    stats = save_episodes(db, pd.DataFrame(second), actor="rerun")
    assert (stats.opened, stats.updated, stats.closed, stats.unchanged) == (1, 2, 2, 2)

    after = {a.id: a for a in alerts(db)}
    assert len(after) == len(before) + 1
    new_id = max(after)
    assert new_id > max(before) and after[new_id].listing_id == ls["jd-3"] and after[new_id].status == "open"
    now = after[new_id].detected_at
    jd0, jd1, tm0, pdd0, jd2 = (after[key[(ls[n], "cn-samr-2020")]] for n in ("jd-0", "jd-1", "tmall-0", "pdd-0",
                                                                              "jd-2"))
    assert jd0.observed_unit_price == 4.0 and jd0.status == "open" and jd0.updated_at == now
    assert jd0.history[:-1] == before[jd0.id].history and jd0.history[-1]["by"] == "rerun"
    assert jd0.detected_at == before[jd0.id].detected_at
    assert jd1.status == "closed" and jd1.closed_at == now and jd1.history[-1] == {
        "at": now.isoformat(), "from": "open", "to": "closed", "by": "rerun", "note": "price back under the threshold"}
    assert len(jd1.history) == 2
    assert tm0.status == "closed" and [h.get("note", "")[:8] for h in tm0.history[1:]] == ["updated:", "price ba"]
    for unchanged in (pdd0, jd2):
        assert unchanged.history == before[unchanged.id].history
        assert unchanged.updated_at == before[unchanged.id].updated_at and unchanged.status == before[unchanged.id].status

    changes = [("violation.opened", new_id, ls["jd-3"]), ("violation.updated", jd0.id, jd0.listing_id),
               ("violation.closed", jd1.id, jd1.listing_id), ("violation.updated", tm0.id, tm0.listing_id),
               ("violation.closed", tm0.id, tm0.listing_id)]
    rows = outbox(db, after=last_delivery)
    assert grouped(rows) == expected_events(market, changes)
    with db.session() as s:
        for d in rows:
            assert d.payload["violation"]["id"] == d.alert_id
            if d.event_type == "violation.closed":
                assert d.payload == violation_payload(s, s.get(Alert, d.alert_id), "violation.closed")
            elif d.alert_id == jd0.id:
                assert d.payload["violation"]["observed_unit_price"] == 4.0
                assert d.payload["violation"]["status"] == "open"

    # a third run with the same episodes changes nothing and writes no event
    stats = save_episodes(db, pd.DataFrame(second), actor="rerun")
    assert (stats.opened, stats.updated, stats.closed) == (0, 0, 0)
    assert outbox(db, after=rows[-1].id) == []


@contextmanager
def statements(db):
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001, ARG001
        seen.append(" ".join(statement.split()).upper())

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def selects(seen: list[str]) -> list[str]:
    return [s for s in seen if s.startswith("SELECT")]


@pytest.mark.parametrize("with_endpoint", [False, True])
def test_queries_do_not_grow_with_the_number_of_alerts(db, market, with_endpoint):
    """No query per alert: saving 12 new episodes takes as many statements as saving 2, and a re-run that updates
    and closes them as many SELECTs; without an enabled endpoint no listing is even loaded."""
    if not with_endpoint:
        with db.session() as s:
            for e in s.scalars(select(WebhookEndpoint)):
                e.enabled = False
            s.commit()
    ids = list(market["listings"].values())
    counts = {}
    for n, offset in ((2, 0), (12, 100)):  # offset: the second batch's episodes overlap none of the first's
        batch = [episode(lid, offset, 2) for lid in ids[:n]]
        with statements(db) as opened:
            assert save_episodes(db, pd.DataFrame(batch)).opened == n
        rerun = [{**e, "observed_unit_price": 5.0, "ongoing": False} for e in batch]
        with statements(db) as changed:
            stats = save_episodes(db, pd.DataFrame(rerun))
        assert (stats.opened, stats.updated, stats.closed) == (0, n, n)
        counts[n] = (opened, changed)
    assert len(counts[2][0]) == len(counts[12][0])
    assert len(selects(counts[2][1])) == len(selects(counts[12][1]))
    reads_listings = any(" FROM LISTING" in s for n in counts for run in counts[n] for s in selects(run))
    assert reads_listings == with_endpoint
    assert (len(outbox(db)) > 0) == with_endpoint
