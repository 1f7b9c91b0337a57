"""Webhook delivery through the real outbox and dispatcher to real HTTP receivers on 127.0.0.1."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta

import jsonschema
import pytest
from receivers import Receiver
from sqlalchemy import func, select, update

from pricewatch.config import load_settings
from pricewatch.errors import PricewatchError
from pricewatch.store import open_database
from pricewatch.store.models import Alert, Listing, Platform, Seller, WebhookDelivery, WebhookEndpoint, utcnow
from pricewatch.webhooks.dispatch import dispatch
from pricewatch.webhooks.endpoints import add_endpoint, rotate_secret
from pricewatch.webhooks.outbox import enqueue_alert_event
from pricewatch.webhooks.schema import DOC, SCHEMA, render
from pricewatch.webhooks.signing import sign_headers, verify

FAST = [timedelta(milliseconds=50)]  # retry schedule for tests: time is compressed, behaviour is the same


@pytest.fixture
def wdb(workdir, database_url):
    """A database whose config allows webhooks to 127.0.0.1 (as a test deployment would)."""
    (workdir / "pricewatch.toml").write_text('[webhooks]\nallow_private = ["127.0.0.1"]\n', encoding="utf-8")
    db = open_database(load_settings(), url=database_url)
    yield db
    db.engine.dispose()


def make_alerts(db, n: int, platform: str = "jd", license: str | None = "LIC-1") -> list[int]:
    """n open alerts on listings of one seller (ORM rows of our own data model)."""
    now = utcnow()
    with db.session() as s:
        p = s.scalar(select(Platform).where(Platform.name == platform)) or Platform(name=platform, created_at=now)
        s.add(p)
        s.flush()
        seller = Seller(platform_id=p.id, seller_key=f"{platform}-s1", name="好药师", license=license)
        s.add(seller)
        s.flush()
        ids = []
        for i in range(n):
            listing = Listing(platform_id=p.id, listing_key=f"{platform}-{i}", seller_id=seller.id, title="口罩 50只/盒",
                              category="mask.surgical", status="active")
            s.add(listing)
            s.flush()
            alert = Alert(listing_id=listing.id, rule="cn-samr-2020", severity="egregious",
                          first_violation_at=now - timedelta(days=2), last_violation_at=now, detected_at=now,
                          baseline_unit_price=0.6, observed_unit_price=3.0, unit="piece", currency="CNY",
                          increase_pct=400.0, explanation="Unit price rose…", evidence=["a" * 64], status="open",
                          history=[])
            s.add(alert)
            s.flush()
            ids.append(alert.id)
        s.commit()
    return ids


def emit(db, alert_ids, event="violation.opened"):
    with db.session() as s:
        for a in s.scalars(select(Alert).where(Alert.id.in_(alert_ids))):
            enqueue_alert_event(s, a, event)
        s.commit()


def statuses(db):
    with db.session() as s:
        return dict(s.execute(select(WebhookDelivery.status, func.count()).group_by(WebhookDelivery.status)).all())


def test_schema_file_is_generated_from_the_code():
    assert DOC.read_text(encoding="utf-8") == render()


def test_signatures_verify_with_the_standardwebhooks_library():
    from standardwebhooks import Webhook

    from pricewatch.webhooks.signing import new_secret

    secret = new_secret()
    body = json.dumps({"hello": "世界"}, ensure_ascii=False)
    headers = sign_headers("msg_1", body, [secret])
    assert Webhook(secret).verify(body, headers) == {"hello": "世界"}
    assert headers["webhook-signature"].startswith("v1,")


def test_verification_helper_rejects_old_timestamps_and_wrong_secrets():
    from pricewatch.webhooks.signing import WebhookVerificationError, new_secret

    secret = new_secret()
    old = utcnow() - timedelta(minutes=6)
    with pytest.raises(WebhookVerificationError):
        verify("{}", sign_headers("msg_1", "{}", [secret], at=old), secret)
    with pytest.raises(WebhookVerificationError):
        verify("{}", sign_headers("msg_1", "{}", [new_secret()]), secret)
    assert verify("{}", sign_headers("msg_1", "{}", [secret]), secret) == {}


def test_private_addresses_are_refused_unless_allowed(db, wdb):
    make_alerts(db, 1)
    with pytest.raises(PricewatchError, match="is loopback"):
        add_endpoint(db, platform="jd", url="http://127.0.0.1:9/hook")   # db: no allow list
    with pytest.raises(PricewatchError, match="is private"):
        add_endpoint(db, platform="jd", url="http://10.1.2.3/hook")
    with pytest.raises(PricewatchError, match="http:// or https://"):
        add_endpoint(db, platform="jd", url="ftp://example.org/x")
    endpoint, secret = add_endpoint(wdb, platform="jd", url="http://127.0.0.1:9/hook")
    assert secret.startswith("whsec_") and endpoint.id


def test_every_event_is_delivered_signed_and_valid(wdb):
    ids = make_alerts(wdb, 30)
    with Receiver([]) as r:
        _, secret = add_endpoint(wdb, platform="jd", url=r.url)
        r.secrets.append(secret)
        emit(wdb, ids)
        stats = dispatch(wdb, concurrency=10)
    assert stats.delivered == 30 and statuses(wdb) == {"delivered": 30}
    assert r.bad_signatures == 0 and len(r.events) == 30
    for payload in r.events.values():
        jsonschema.validate(payload, SCHEMA)
        assert payload["listing"]["platform"] == "jd" and payload["seller"]["license"] == "LIC-1"
    with wdb.session() as s:  # delivering violation.opened marks the alert notified
        assert set(s.scalars(select(Alert.status))) == {"notified"}
        assert s.scalar(select(func.count()).where(Alert.notified_at.is_not(None))) == 30


def test_flaky_receiver_gets_everything_exactly_once_after_dedup(wdb):
    ids = make_alerts(wdb, 40)

    def behave(n):
        if n <= 15:
            return 500, 0.0          # server errors
        if n <= 22:
            return 200, 1.5          # answers after the client's timeout
        return 200, 0.0

    with Receiver([], behave) as r:
        _, secret = add_endpoint(wdb, platform="jd", url=r.url)
        r.secrets.append(secret)
        emit(wdb, ids)
        for _ in range(20):
            dispatch(wdb, concurrency=8, timeout=0.5, schedule=FAST)
            if statuses(wdb) == {"delivered": 40}:
                break
            time.sleep(0.1)
    assert statuses(wdb) == {"delivered": 40}
    assert len(r.events) == 40 and r.bad_signatures == 0
    with wdb.session() as s:
        attempts = s.scalars(select(WebhookDelivery.attempts)).all()
    assert max(attempts) >= 2  # retried, with the same webhook-id (receiver keyed on it)


def test_connection_refused_then_recovery(wdb):
    ids = make_alerts(wdb, 5)
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    _, secret = add_endpoint(wdb, platform="jd", url=f"http://127.0.0.1:{port}/hook")
    emit(wdb, ids)
    stats = dispatch(wdb, timeout=1.0, schedule=FAST)
    assert stats.failed == 5 and stats.delivered == 0
    with wdb.session() as s:
        assert all("ClientConnectorError" in e for e in s.scalars(select(WebhookDelivery.last_error)))
    time.sleep(0.1)
    with Receiver([secret], port=port) as r:
        stats = dispatch(wdb, schedule=FAST)
    assert stats.delivered == 5 and len(r.events) == 5


def test_killed_dispatcher_is_restarted_and_nothing_is_lost(wdb, workdir, database_url):
    ids = make_alerts(wdb, 60)
    # flaky and slow: the first requests fail with 500, the rest take 0.1 s
    with Receiver([], lambda n: (500, 0.0) if n <= 6 else (200, 0.1)) as r:
        _, secret = add_endpoint(wdb, platform="jd", url=r.url)
        r.secrets.append(secret)
        emit(wdb, ids)
        env = dict(os.environ, PRICEWATCH_DATABASE_URL=database_url)
        cmd = [sys.executable, "-m", "pricewatch", "webhooks", "dispatch", "--concurrency", "4", "--lease-seconds", "2"]
        with wdb.session() as s:  # compress the retry schedule's first step so the restart finds the 500s due
            s.execute(update(WebhookDelivery).values(created_at=utcnow()))
            s.commit()
        proc = subprocess.Popen(cmd, cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.time() + 30
        while len(r.events) < 8 and time.time() < deadline:
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)  # dies mid-batch: some sent, none recorded
        proc.wait()
        assert 0 < len(r.events) < 60
        assert statuses(wdb).get("delivered", 0) < 60
        time.sleep(2.2)  # the dead dispatcher's lease expires
        with wdb.session() as s:  # time passes: the failed ones (5 s back-off) are due again
            s.execute(update(WebhookDelivery).where(WebhookDelivery.status == "failed")
                      .values(next_attempt_at=utcnow()))
            s.commit()
        done = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
    assert statuses(wdb) == {"delivered": 60}
    assert len(r.events) == 60  # every event arrived; re-sent ones carried the same webhook-id
    assert r.bad_signatures == 0


def test_410_disables_the_endpoint(wdb):
    ids = make_alerts(wdb, 3)
    with Receiver([], lambda n: (410, 0.0)) as r:
        _, secret = add_endpoint(wdb, platform="jd", url=r.url)
        r.secrets.append(secret)
        emit(wdb, ids)
        stats = dispatch(wdb)
    assert stats.disabled_endpoints and statuses(wdb) == {"dead": 3}
    with wdb.session() as s:
        endpoint = s.scalars(select(WebhookEndpoint)).one()
        assert not endpoint.enabled and "410" in endpoint.disabled_reason
    emit(wdb, ids, "violation.updated")  # a disabled endpoint gets no new events
    assert statuses(wdb) == {"dead": 3}


def test_dead_letter_and_replay(wdb, run_cli):
    ids = make_alerts(wdb, 4)
    failing = True
    with Receiver([], lambda n: (503, 0.0) if failing else (200, 0.0)) as r:
        _, secret = add_endpoint(wdb, platform="jd", url=r.url)
        r.secrets.append(secret)
        emit(wdb, ids)
        for _ in range(10):
            dispatch(wdb, schedule=FAST, give_up_after=timedelta(milliseconds=200))
            time.sleep(0.06)
        assert statuses(wdb) == {"dead": 4}
        listed = run_cli("webhooks", "deliveries", "--status", "dead")
        # Count the status column, not the substring: message ids are random hex and may contain "dead".
        rows = [line.split() for line in listed.output.splitlines() if " msg_" in line]
        assert len(rows) == 4 and all("dead" in row[3:] for row in rows)
        with wdb.session() as s:
            before = set(s.scalars(select(WebhookDelivery.event_id)))
        failing = False
        result = run_cli("webhooks", "replay", "--dead")
        assert "4 deliveries queued again" in result.output
        dispatch(wdb)
    assert statuses(wdb) == {"delivered": 4}
    assert set(r.events) == before  # replay keeps each event's webhook-id


def test_secret_rotation_signs_with_both_during_the_overlap(wdb):
    ids = make_alerts(wdb, 2)
    with Receiver([]) as r:
        endpoint, old = add_endpoint(wdb, platform="jd", url=r.url)
        new = rotate_secret(wdb, endpoint.id, overlap=timedelta(hours=1))
        r.secrets.extend([old, new])
        emit(wdb, ids[:1])
        dispatch(wdb)
        assert all(v == {0, 1} for v in r.verified_with.values())  # both secrets verify
        rotate_secret(wdb, endpoint.id, overlap=timedelta(seconds=0))  # old secrets expire now
        newest = None
        with wdb.session() as s:
            newest = s.get(WebhookEndpoint, endpoint.id).secrets[-1]["secret"]
        r.secrets[:] = [old, newest]
        emit(wdb, ids[1:])
        dispatch(wdb)
    latest = [v for k, v in r.verified_with.items()][-1]
    assert latest == {1}  # only the newest secret signs after the overlap


def test_webhook_commands(wdb, run_cli):
    make_alerts(wdb, 1)
    result = run_cli("webhooks", "add", "--platform", "jd", "--url", "http://127.0.0.1:9/x",
                     "--events", "violation.opened,seller.flagged")
    assert result.exit_code == 0 and "whsec_" in result.output
    bad = run_cli("webhooks", "add", "--platform", "jd", "--url", "http://127.0.0.1:9/x", "--events", "nope")
    assert bad.exit_code == 1 and "unknown event types nope" in bad.output
    listed = run_cli("webhooks", "list")
    assert "http://127.0.0.1:9/x" in listed.output and "enabled" in listed.output
    assert run_cli("webhooks", "disable", "1").exit_code == 0
    assert "DISABLED" in run_cli("webhooks", "list").output
    rotated = run_cli("webhooks", "rotate-secret", "1", "--overlap-hours", "2")
    assert "whsec_" in rotated.output
    with wdb.session() as s:
        wdb_update = s.execute(update(WebhookEndpoint).values(enabled=True))
        s.commit()
    assert wdb_update.rowcount == 1
