"""The review workspace's pages through HTTP (the contract of DESIGN.md § Web UI): who may log in, what a
visitor without a session sees, CSRF, the queue's filters and counts, the alert page's actions, the evidence
viewer's headers, and the catalogues (no half-translated page)."""

from __future__ import annotations

import gzip
import json
import os
import re
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from ui_seed import seed_case

from pricewatch.api.app import create_app
from pricewatch.store.models import (
    Alert,
    AlertNote,
    AuditLog,
    RecheckRequest,
    Snapshot,
    WebhookDelivery,
    utcnow,
)
from pricewatch.ui.display import instant
from pricewatch.ui.i18n import catalogue
from pricewatch.webhooks.endpoints import add_endpoint

TEMPLATES = Path(__file__).parents[1] / "pricewatch" / "ui" / "templates"


@pytest.fixture
def case(workdir, db):
    (workdir / "pricewatch.toml").write_text('[webhooks]\nallow_private = ["127.0.0.1"]\n', encoding="utf-8")
    from pricewatch.config import load_settings
    from pricewatch.store import open_database

    wdb = open_database(load_settings(), url=str(db.engine.url.render_as_string(hide_password=False)))
    return wdb, seed_case(wdb)


def client(db) -> TestClient:  # noqa: ANN001
    return TestClient(create_app(db), base_url="https://testserver")


def logged_in(db, key: str) -> TestClient:  # noqa: ANN001
    c = client(db)
    r = c.post("/ui/login", data={"key": key}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return c


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def test_login_opens_a_secure_session_and_redirects_to_the_queue(case):
    db, c = case
    r = client(db).post("/ui/login", data={"key": c.keys["regulator"]}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/ui/alerts"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("pw_session=") and "HttpOnly" in cookie and "Secure" in cookie
    assert "samesite=lax" in cookie.lower() and "Path=/ui" in cookie


def test_admin_key_can_log_in(case):
    db, c = case
    page = logged_in(db, c.keys["admin"]).get("/ui/alerts")
    assert page.status_code == 200 and "医用外科口罩" in page.text


@pytest.mark.parametrize("role", ["platform", "analyst"])
def test_platform_and_analyst_keys_cannot_log_in(case, role):
    db, c = case
    ui = client(db)
    r = ui.post("/ui/login", data={"key": c.keys[role]}, follow_redirects=False)
    assert r.status_code == 403 and "pw_session" not in r.headers.get("set-cookie", "")
    assert ui.get("/ui/alerts", follow_redirects=False).status_code == 303
    with db.session() as s:
        assert s.scalar(select(AuditLog).where(AuditLog.action == "ui.login_refused")) is not None


def test_an_unknown_key_cannot_log_in(case):
    db, _ = case
    r = client(db).post("/ui/login", data={"key": "pw_deadbeef_nope"}, follow_redirects=False)
    assert r.status_code == 401 and "login-error" in r.text


def test_without_a_session_every_page_redirects_to_login_and_shows_no_data(case):
    db, c = case
    ui = client(db)
    paths = ["/ui/alerts", f"/ui/alerts/{c.alert_id}", f"/ui/evidence/{c.evidence_sha256}",
             f"/ui/evidence/{c.evidence_sha256}/page", f"/ui/evidence/{c.evidence_sha256}/raw",
             f"/ui/evidence/{c.evidence_sha256}/download", f"/ui/evidence/{c.evidence_sha256}/verify",
             "/ui/alerts?status=open&seller=s1"]
    for path in paths:
        r = ui.get(path, follow_redirects=False)
        assert r.status_code == 303, path
        assert r.headers["location"].startswith("/ui/login?next="), path
        assert "口罩" not in r.text and "89.90" not in r.text
    for path in [f"/ui/alerts/{c.alert_id}/uphold", "/ui/alerts/bulk", "/ui/logout"]:
        r = ui.post(path, data={"text": "x", "ids": str(c.alert_id), "action": "uphold"}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/ui/login"), path
    with db.session() as s:
        assert s.get(Alert, c.alert_id).status == "notified"


def test_login_returns_to_the_page_asked_for_but_never_off_site(case):
    db, c = case
    r = client(db).post("/ui/login", data={"key": c.keys["regulator"], "next": f"/ui/alerts/{c.alert_id}"},
                        follow_redirects=False)
    assert r.headers["location"] == f"/ui/alerts/{c.alert_id}"
    r = client(db).post("/ui/login", data={"key": c.keys["regulator"], "next": "//evil.example/x"},
                        follow_redirects=False)
    assert r.headers["location"] == "/ui/alerts"


def test_logout_ends_the_session_on_the_server(case):
    db, c = case
    ui = logged_in(db, c.keys["regulator"])
    token = ui.cookies.get("pw_session")
    page = ui.get("/ui/alerts")
    r = ui.post("/ui/logout", data={"csrf": csrf_of(page.text)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/ui/login")
    replay = client(db)
    replay.cookies.set("pw_session", token, domain="testserver.local", path="/ui")
    replayed = replay.get("/ui/alerts", follow_redirects=False, cookies={"pw_session": token})
    assert replayed.status_code == 303  # the old cookie no longer opens anything


def test_a_revoked_key_ends_its_sessions(case):
    db, c = case
    from pricewatch.keys import authenticate, revoke_key

    ui = logged_in(db, c.keys["regulator"])
    assert ui.get("/ui/alerts").status_code == 200
    revoke_key(db, authenticate(db, c.keys["regulator"]).key_id)
    assert ui.get("/ui/alerts", follow_redirects=False).status_code == 303


def test_state_changing_forms_refuse_a_missing_or_wrong_csrf_token(case):
    db, c = case
    ui = logged_in(db, c.keys["regulator"])
    for data in ({"text": "note"}, {"text": "note", "csrf": "forged"}):
        r = ui.post(f"/ui/alerts/{c.alert_id}/note", data=data, follow_redirects=False)
        assert r.status_code == 403 and "CSRF" in r.text
    token = csrf_of(ui.get("/ui/alerts").text)
    r = ui.post(f"/ui/alerts/{c.alert_id}/uphold", data={"csrf": token},
                headers={"Origin": "https://evil.example"}, follow_redirects=False)
    assert r.status_code == 403
    r = ui.post("/ui/alerts/bulk", data={"ids": str(c.alert_id), "action": "dismiss", "reason": "x",
                                         "confirmed": "1"}, follow_redirects=False)
    assert r.status_code == 403
    with db.session() as s:
        assert s.get(Alert, c.alert_id).status == "notified"
        assert s.scalar(select(AlertNote)) is None


def test_another_sessions_csrf_token_is_refused(case):
    db, c = case
    mine = logged_in(db, c.keys["regulator"])
    theirs = logged_in(db, c.keys["admin"])
    token = csrf_of(theirs.get("/ui/alerts").text)
    r = mine.post(f"/ui/alerts/{c.alert_id}/note", data={"csrf": token, "text": "x"}, follow_redirects=False)
    assert r.status_code == 403


def test_dismiss_needs_a_reason(case):
    db, c = case
    ui = logged_in(db, c.keys["regulator"])
    token = csrf_of(ui.get(f"/ui/alerts/{c.alert_id}").text)
    r = ui.post(f"/ui/alerts/{c.alert_id}/dismiss", data={"csrf": token, "text": "   "})
    assert "action-error" in r.text and "reason" in r.text.lower()
    with db.session() as s:
        assert s.get(Alert, c.alert_id).status == "notified"
    r = ui.post(f"/ui/alerts/{c.alert_id}/dismiss", data={"csrf": token, "text": "pack size misread"})
    with db.session() as s:
        alert = s.get(Alert, c.alert_id)
        assert alert.status == "dismissed" and alert.history[-1]["note"] == "pack size misread"
    assert "pack size misread" in r.text  # on the timeline


def test_uphold_triggers_joint_enforcement_and_is_audited_with_who(case):
    db, c = case
    add_endpoint(db, platform="tmall", url="http://127.0.0.1:9/hook")
    ui = logged_in(db, c.keys["regulator"])
    token = csrf_of(ui.get(f"/ui/alerts/{c.alert_id}").text)
    page = ui.post(f"/ui/alerts/{c.alert_id}/uphold", data={"csrf": token, "text": "confirmed by inspection"})
    with db.session() as s:
        assert s.get(Alert, c.alert_id).status == "verified"
        flagged = s.scalars(select(WebhookDelivery).where(WebhookDelivery.event_type == "seller.flagged")).all()
        assert len(flagged) == 1 and flagged[0].payload["seller"]["seller_id"] == "t9"
        audit = s.scalar(select(AuditLog).where(AuditLog.action == "violation.upheld"))
        assert audit.actor.endswith("(regulator)") and audit.target == f"alert:{c.alert_id}"
    assert 'data-kind="seller_flagged"' in page.text and "confirmed by inspection" in page.text
    assert 'data-kind="webhook_queued"' in page.text


def test_note_and_recheck_request_show_on_the_timeline(case):
    db, c = case
    ui = logged_in(db, c.keys["regulator"])
    token = csrf_of(ui.get(f"/ui/alerts/{c.alert_id}").text)
    ui.post(f"/ui/alerts/{c.alert_id}/note", data={"csrf": token, "text": "called the seller"})
    page = ui.post(f"/ui/alerts/{c.alert_id}/recheck", data={"csrf": token})
    assert "called the seller" in page.text and 'data-kind="recheck_requested"' in page.text
    with db.session() as s:
        assert s.scalar(select(RecheckRequest)).requested_by.endswith("(regulator)")
        actions = set(s.scalars(select(AuditLog.action).where(AuditLog.target == f"alert:{c.alert_id}")))
    assert {"violation.note", "violation.recheck_requested"} <= actions


def test_bulk_action_asks_for_confirmation_first(case):
    db, c = case
    ui = logged_in(db, c.keys["regulator"])
    token = csrf_of(ui.get("/ui/alerts").text)
    r = ui.post("/ui/alerts/bulk", data={"csrf": token, "ids": str(c.alert_id), "action": "recheck"})
    assert r.status_code == 200 and "confirm-form" in r.text
    with db.session() as s:
        assert s.scalar(select(RecheckRequest)) is None
    r = ui.post("/ui/alerts/bulk", data={"csrf": token, "ids": str(c.alert_id), "action": "dismiss",
                                         "confirmed": "1"})
    assert r.status_code == 422 and "bulk-error" in r.text  # no reason
    r = ui.post("/ui/alerts/bulk", data={"csrf": token, "ids": str(c.alert_id), "action": "recheck",
                                         "confirmed": "1"}, follow_redirects=False)
    assert r.status_code == 303
    with db.session() as s:
        assert s.scalar(select(RecheckRequest)).alert_id == c.alert_id


def test_queue_filters_and_counts_match_the_alerts(case):
    db, c = case
    from ui_seed import many_alerts

    many_alerts(db, 600, platforms=3, sellers=30)
    with db.session() as s:
        from pricewatch.store.models import Listing, Platform

        rows = s.execute(select(Alert.id, Alert.status, Alert.severity, Platform.name, Listing.category)
                         .join(Listing, Listing.id == Alert.listing_id)
                         .join(Platform, Platform.id == Listing.platform_id)).all()
    frame = pd.DataFrame(rows, columns=["id", "status", "severity", "platform", "category"])
    ui = logged_in(db, c.keys["regulator"])
    page = ui.get("/ui/alerts?status=open&status=notified&platform=p1&per_page=200")
    expected = frame[frame["status"].isin(["open", "notified"]) & (frame["platform"] == "p1")]
    assert f">{len(expected)} alerts<" in page.text.replace("</span>", "<")
    shown = {int(x) for x in re.findall(r'data-id="(\d+)"', page.text)}
    assert shown == set(expected["id"])
    # the severity facet counts what each severity would give with the other filters kept
    for severity, n in expected.groupby("severity").size().items():
        assert re.search(rf'data-value="{severity}"[^>]*>\s*\S+\s*<span class="count">{n}</span>', page.text)
    # the status facet ignores its own selection: it counts every status on p1
    on_p1 = frame[frame["platform"] == "p1"].groupby("status").size()
    for status, n in on_p1.items():
        assert re.search(rf'data-value="{status}"[^>]*>[^<]*<span class="count">{n}</span>', page.text), status


def test_queue_sorts_pages_and_filters_by_seller_and_day(case):
    db, c = case
    from ui_seed import many_alerts

    many_alerts(db, 300, platforms=2, sellers=20)
    ui = logged_in(db, c.keys["regulator"])
    first = re.findall(r'data-id="(\d+)"', ui.get("/ui/alerts?sort=-increase&per_page=25").text)
    second = re.findall(r'data-id="(\d+)"', ui.get("/ui/alerts?sort=-increase&per_page=25&page=2").text)
    assert len(first) == 25 and not set(first) & set(second)
    with db.session() as s:
        increases = dict(s.execute(select(Alert.id, Alert.increase_pct)).all())
    values = [increases[int(i)] for i in first + second]
    assert values == sorted(values, reverse=True)
    page = ui.get("/ui/alerts?seller=康宁")
    assert re.findall(r'data-id="(\d+)"', page.text) == [str(c.alert_id)]
    page = ui.get(f"/ui/alerts?seller={'91110105MA01ABCD2X'}")
    assert re.findall(r'data-id="(\d+)"', page.text) == [str(c.alert_id)]
    tomorrow = (utcnow() + timedelta(days=2)).date().isoformat()
    assert re.findall(r'data-id="(\d+)"', ui.get(f"/ui/alerts?since={tomorrow}").text) == []


def test_new_since_my_last_visit(case):
    db, c = case
    logged_in(db, c.keys["regulator"]).get("/ui/alerts")  # first visit: sets the key's last visit
    with db.session() as s:
        from pricewatch.store.models import UiSession

        for row in s.scalars(select(UiSession)):
            row.last_seen_at = utcnow() - timedelta(minutes=30)  # the visit was half an hour ago
        s.commit()
    ui = logged_in(db, c.keys["regulator"])
    page = ui.get("/ui/alerts?new=1")
    assert re.findall(r'data-id="(\d+)"', page.text) == []  # the case was detected an hour ago
    with db.session() as s:
        s.get(Alert, c.alert_id).detected_at = utcnow() - timedelta(minutes=5)
        s.commit()
    page = ui.get("/ui/alerts?new=1")
    assert re.findall(r'data-id="(\d+)"', page.text) == [str(c.alert_id)]


def test_alert_page_shows_seller_listing_explanation_and_evidence(case):
    db, c = case
    page = logged_in(db, c.keys["regulator"]).get(f"/ui/alerts/{c.alert_id}").text
    assert "康宁大药房" in page and "91110105MA01ABCD2X" in page and "https://item.jd.example/J1.html" in page
    assert c.evidence_sha256[:16] in page and f"/ui/evidence/{c.evidence_sha256}" in page
    assert 'id="what-changed"' in page  # item price and shipping changed
    data = json.loads(re.search(r'<script type="application/json" id="chart-data">(.*?)</script>', page, re.S)
                      .group(1))
    assert len([p for p in data["observations"] if p[1] is not None]) == c.observations
    assert data["baseline"] == pytest.approx(0.598) and data["threshold"] > data["baseline"]
    assert {m["kind"] for m in data["marks"]} >= {"emergency", "notified"}


def test_pages_in_chinese_have_no_english_labels_left(case):
    db, c = case
    ui = logged_in(db, c.keys["regulator"])
    ui.cookies.set("pw_lang", "zh", domain="testserver.local", path="/ui")
    for path in ["/ui/alerts", f"/ui/alerts/{c.alert_id}", f"/ui/evidence/{c.evidence_sha256}"]:
        html = ui.get(path, cookies={"pw_lang": "zh"}).text
        assert "⟦" not in html, path
        # data shown as recorded (the detector's English text, in a labelled <details>) is not a label
        visible = re.sub(r"<(script|style|details)[^>]*>.*?</\1>|<[^>]+>", " ", html, flags=re.S)
        for english in ("Alert queue", "Severity", "Evidence", "Timeline", "Uphold", "observations", "baseline",
                        "notified", "piece", "surgical masks", "egregious"):
            assert english not in visible, (path, english)
    assert "特别严重" in ui.get("/ui/alerts", cookies={"pw_lang": "zh"}).text


def test_times_are_shown_with_their_utc_offset(case):
    db, c = case
    page = logged_in(db, c.keys["regulator"]).get(f"/ui/alerts/{c.alert_id}").text
    with db.session() as s:
        detected = s.get(Alert, c.alert_id).detected_at
    shown = instant(detected, "Asia/Shanghai")
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC\+08:00", shown) and shown in page


def test_catalogues_are_complete_and_templates_use_only_known_keys():
    en, zh = catalogue("en"), catalogue("zh")
    assert set(en) == set(zh)
    assert all(v.strip() for v in zh.values())
    used = set()
    for template in TEMPLATES.glob("*.html"):
        used |= set(re.findall(r"\bt\('([a-z_.\-]+)'", template.read_text(encoding="utf-8")))
    fixed = {key for key in used if not key.endswith(".")}  # 'status.' ~ value: a prefix, checked below
    assert fixed and fixed <= set(en), sorted(fixed - set(en))
    prefixes = {key for key in used if key.endswith(".")}
    assert all(any(k.startswith(p) for k in en) for p in prefixes), prefixes
    from pricewatch.alerts.queue import SEVERITIES, SORTS, STATUSES

    vocabulary = [f"status.{s}" for s in STATUSES] + [f"severity.{s}" for s in SEVERITIES] + \
        [f"sort.{s}" for s in SORTS]
    from pricewatch.normalize.category import TAXONOMY

    vocabulary += [f"category.{c}" for c in TAXONOMY]
    assert set(vocabulary) <= set(en), sorted(set(vocabulary) - set(en))


def test_evidence_is_served_in_a_sandbox_with_no_network(case):
    db, c = case
    ui = logged_in(db, c.keys["regulator"])
    frame = ui.get(f"/ui/evidence/{c.evidence_sha256}/page")
    csp = frame.headers["content-security-policy"]
    assert csp.startswith("sandbox;") and "default-src 'none'" in csp and "script-src" not in csp
    assert '<mark id="pw-price"' in frame.text and ">89.90</mark>" in frame.text
    viewer = ui.get(f"/ui/evidence/{c.evidence_sha256}").text
    assert 'sandbox=""' in viewer and 'id="price-found"' in viewer
    raw = ui.get(f"/ui/evidence/{c.evidence_sha256}/raw").text
    assert "&lt;script&gt;document.title" in raw and "<script>document.title" not in raw
    original = ui.get(f"/ui/evidence/{c.evidence_sha256}/download")
    assert original.headers["content-disposition"].startswith("attachment")
    import hashlib

    assert hashlib.sha256(original.content).hexdigest() == c.evidence_sha256


def test_verify_rehashes_the_stored_body_and_catches_tampering(case):
    db, c = case
    ui = logged_in(db, c.keys["regulator"])
    assert "verify ok" in ui.get(f"/ui/evidence/{c.evidence_sha256}/verify").text
    with db.session() as s:
        path = Path(db.settings.evidence_dir) / s.get(Snapshot, c.evidence_sha256).storage_path
    os.chmod(path, 0o644)
    path.write_bytes(gzip.compress(b"<html>a different page</html>"))
    assert "verify bad" in ui.get(f"/ui/evidence/{c.evidence_sha256}/verify").text
    path.unlink()
    assert "verify bad" in ui.get(f"/ui/evidence/{c.evidence_sha256}/verify").text


def test_unknown_alert_and_evidence_are_html_404(case):
    db, c = case
    ui = logged_in(db, c.keys["regulator"])
    assert ui.get("/ui/alerts/999999").status_code == 404
    assert ui.get("/ui/evidence/" + "0" * 64).status_code == 404
    assert ui.get("/ui/evidence/not-a-hash").status_code == 422


@pytest.fixture
def empty_database_url(tmp_path):
    """A database without any schema (the PostgreSQL test databases are cloned from one already at head)."""
    import uuid

    from conftest import BACKEND, PG_ADMIN_URL, _pg_url
    from sqlalchemy import create_engine, text

    if BACKEND != "postgresql":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    name = f"pw_empty_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield _pg_url(name)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_migration_0004_links_existing_deliveries_to_their_alerts(empty_database_url):
    """Outbox rows written before revision 0004 get their alert id from the payload (the timeline needs it)."""
    from sqlalchemy import text

    from pricewatch.store.engine import make_engine, upgrade

    engine = make_engine(empty_database_url)
    upgrade(engine, "0003")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO platform (id, name, created_at) VALUES (1, 'jd', '2020-01-01 00:00:00')"))
        conn.execute(text("INSERT INTO webhook_endpoint (id, platform_id, url, secrets, enabled, created_at) "
                          "VALUES (1, 1, 'https://h.example', '[]', true, '2020-01-01 00:00:00')"))
        for i, payload in enumerate([{"violation": {"id": 7}}, {"origin": {"violation_id": 9}}, {"other": 1}]):
            conn.execute(text("INSERT INTO webhook_delivery (event_id, endpoint_id, event_type, payload, status, "
                              "attempts, created_at) VALUES (:e, 1, 't', :p, 'pending', 0, '2020-01-01 00:00:00')"),
                         {"e": f"msg_{i}", "p": json.dumps(payload)})
    upgrade(engine)
    with engine.connect() as conn:
        found = [r[0] for r in conn.execute(text("SELECT alert_id FROM webhook_delivery ORDER BY id"))]
    engine.dispose()
    assert found == [7, 9, None]


def test_a_requested_recheck_is_crawled_and_answered_on_the_timeline(case):
    db, c = case
    from pricewatch.enforcement.recheck import due_for_recheck, recheck
    from pricewatch.ingest import ingest_frame

    ui = logged_in(db, c.keys["regulator"])
    token = csrf_of(ui.get(f"/ui/alerts/{c.alert_id}").text)
    ui.post(f"/ui/alerts/{c.alert_id}/recheck", data={"csrf": token})
    assert "https://item.jd.example/J1.html" in [url for _, url in due_for_recheck(db)]
    assert recheck(db).requests_answered == 0  # nothing seen since the request yet
    later = (utcnow() + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    ingest_frame(db, pd.DataFrame([{"platform": "jd", "listing_id": "J1", "observed_at": later, "price": "89.90",
                                    "currency": "CNY", "availability": "in_stock"}]), source="crawl:product")
    assert recheck(db).requests_answered == 1
    assert "https://item.jd.example/J1.html" not in [url for _, url in due_for_recheck(db)]
    page = ui.get(f"/ui/alerts/{c.alert_id}").text
    assert 'data-kind="rechecked"' in page and "still selling" in page
    assert "mark-rechecked" in page  # a mark on the chart


def test_ui_errors_are_html_pages_and_api_errors_stay_json(case):
    db, c = case
    ui = logged_in(db, c.keys["regulator"])
    page = ui.get("/ui/alerts/not-a-number")
    assert page.status_code == 422 and page.headers["content-type"].startswith("text/html")
    assert ui.get("/ui/no-such-page").headers["content-type"].startswith("text/html")
    api = client(db).get("/v1/violations/not-a-number", headers={"Authorization": f"Bearer {c.keys['regulator']}"})
    assert api.status_code == 422 and api.json()["error"]["status"] == 422
    assert client(db).get("/v1/nothing-here").json()["error"]["status"] == 404


def test_new_since_facet_counts_only_new_alerts_under_the_other_filters(case):
    db, c = case
    from ui_seed import many_alerts

    from pricewatch.alerts.queue import AlertFilter, facet_counts

    many_alerts(db, 400, platforms=2, sellers=20)
    since = utcnow() - timedelta(days=20)
    with db.session() as s:
        from pricewatch.store.models import Listing, Platform

        rows = s.execute(select(Alert.status, Alert.detected_at, Platform.name)
                         .join(Listing, Listing.id == Alert.listing_id)
                         .join(Platform, Platform.id == Listing.platform_id)).all()
        both = facet_counts(s, AlertFilter(platforms=("p1",), new_since=since, only_new=True))
        fresh = [(st, pl) for st, at, pl in rows if at > since]
    assert both.total == sum(1 for st, pl in fresh if pl == "p1")
    assert both.counts["new"]["1"] == both.total
    assert both.counts["status"] == {k: v for k, v in pd.Series([st for st, pl in fresh if pl == "p1"])
                                     .value_counts().items()}
    assert both.counts["platform"]["p0"] == sum(1 for _, pl in fresh if pl == "p0")
