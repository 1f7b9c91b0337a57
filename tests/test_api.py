"""The platform API end to end through HTTP (uvicorn on 127.0.0.1), including every authorisation refusal."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pandas as pd
import pytest
from sqlalchemy import func, select

from pricewatch.api.serve import serve_api
from pricewatch.enforcement.compliance import compliance, set_pledge
from pricewatch.enforcement.recheck import recheck
from pricewatch.ingest import ingest_frame
from pricewatch.keys import create_key
from pricewatch.store.models import (
    Alert,
    AuditLog,
    Listing,
    Platform,
    WebhookDelivery,
    WebhookEndpoint,
    utcnow,
)


@pytest.fixture
def api(db):
    """The API served by uvicorn in a thread; returns (base_url, keys)."""
    now = utcnow()
    rows = []
    for platform, lid, seller, lic in (("jd", "J1", "jd-s1", "LIC-9"), ("jd", "J2", "jd-s2", None),
                                       ("tmall", "T1", "tm-s1", "LIC-9")):
        for d in range(3):
            rows.append({"platform": platform, "listing_id": lid, "seller_id": seller, "seller_license": lic,
                         "observed_at": (now - timedelta(days=10 - d)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                         "price": "29.90", "currency": "CNY", "title": "医用外科口罩 50只/盒", "region": "CN"})
    ingest_frame(db, pd.DataFrame(rows))
    set_pledge(db, "jd", deadline_hours=24)
    set_pledge(db, "tmall", deadline_hours=48)
    with db.session() as s:
        for key in ("J1", "J2", "T1"):
            listing = s.scalar(select(Listing).where(Listing.listing_key == key))
            s.add(Alert(listing_id=listing.id, rule="cn-samr-2020", severity="egregious",
                        first_violation_at=now - timedelta(days=8), last_violation_at=now - timedelta(days=8),
                        detected_at=now - timedelta(days=1), notified_at=now - timedelta(hours=30),
                        baseline_unit_price=0.6, observed_unit_price=3.0, unit="piece", currency="CNY",
                        increase_pct=400.0, status="notified", history=[]))
        tmall = s.scalar(select(Platform).where(Platform.name == "tmall"))
        s.add(WebhookEndpoint(platform_id=tmall.id, url="http://127.0.0.1:9/h", secrets=[{"secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "expires_at": None}]))
        s.commit()
    keys = {name: create_key(db, role=role, platform=platform)[1] for name, role, platform in (
        ("jd", "platform", "jd"), ("tmall", "platform", "tmall"), ("analyst", "analyst", None),
        ("regulator", "regulator", None), ("admin", "admin", None))}
    with serve_api(db) as base:
        yield base, keys


def call(base, key, method, path, headers=None, **kw):
    headers = {**({"authorization": f"Bearer {key}"} if key else {}), **(headers or {})}
    return httpx.request(method, base + path, headers=headers, timeout=10, **kw)


def alert_id(db, key):
    with db.session() as s:
        return s.scalar(select(Alert.id).join(Alert.listing).where(Listing.listing_key == key))


def test_openapi_and_json_errors(api):
    base, keys = api
    spec = httpx.get(base + "/openapi.json").json()
    assert "/v1/violations/{alert_id}/response" in spec["paths"] and "/v1/observations" in spec["paths"]
    r = call(base, None, "GET", "/v1/violations")
    assert r.status_code == 401 and r.json()["error"]["message"].startswith("missing bearer API key")
    r = call(base, "pw_dead_beef", "GET", "/v1/violations")
    assert r.status_code == 401 and r.json() == {"error": {"status": 401, "message": "invalid or revoked API key"}}


def test_platform_sees_only_its_own_violations(api, db):
    base, keys = api
    mine = call(base, keys["jd"], "GET", "/v1/violations").json()["violations"]
    assert {v["listing"]["platform"] for v in mine} == {"jd"} and len(mine) == 2
    regulator = call(base, keys["regulator"], "GET", "/v1/violations").json()["violations"]
    assert len(regulator) == 3


def test_platform_cannot_read_other_platforms_violations(api, db):
    base, keys = api
    r = call(base, keys["jd"], "GET", f"/v1/violations/{alert_id(db, 'T1')}")
    assert r.status_code == 404  # not 403: another platform's case is not even acknowledged
    r = call(base, keys["tmall"], "GET", f"/v1/violations/{alert_id(db, 'T1')}")
    assert r.status_code == 200 and r.json()["listing"]["listing_id"] == "T1"


def test_platform_cannot_answer_other_platforms_violations(api, db):
    base, keys = api
    r = call(base, keys["jd"], "POST", f"/v1/violations/{alert_id(db, 'T1')}/response", json={"action": "delisted"})
    assert r.status_code == 404
    with db.session() as s:
        assert s.scalar(select(Alert.status).where(Alert.id == alert_id(db, "T1"))) == "notified"


def test_platform_cannot_push_observations_for_another_platform(api, db):
    base, keys = api
    row = {"platform": "tmall", "listing_id": "T1", "observed_at": "2026-11-27T00:00:00Z", "price": "9.9",
           "currency": "CNY"}
    r = call(base, keys["jd"], "POST", "/v1/observations", json=[row])
    assert r.status_code == 403 and "cannot push observations for tmall" in r.json()["error"]["message"]


def test_platform_pushes_its_feed_with_the_same_validation_as_ingest(api, db):
    base, keys = api
    lines = [{"platform": "jd", "listing_id": "J9", "observed_at": "2026-11-27T00:00:00+08:00", "price": "19.90",
              "currency": "CNY", "title": "KN95 口罩 10只/袋×5袋"},
             {"platform": "jd", "listing_id": "J9", "observed_at": "2026-11-27T01:00:00", "price": "19.90",
              "currency": "CNY"}]
    body = "\n".join(json.dumps(x, ensure_ascii=False) for x in lines)
    r = call(base, keys["jd"], "POST", "/v1/observations", content=body.encode(),
             headers={"content-type": "application/x-ndjson"})
    assert r.status_code == 200, r.text
    assert r.json()["accepted"] == 1 and r.json()["rejected"] == 1
    again = call(base, keys["jd"], "POST", "/v1/observations", content=body.encode())
    assert again.json()["duplicate"] == 1 and again.json()["accepted"] == 0


def test_role_refusals(api, db):
    base, keys = api
    assert call(base, keys["analyst"], "GET", "/v1/violations").status_code == 403
    assert call(base, keys["analyst"], "POST", "/v1/observations", json=[]).status_code == 403
    r = call(base, keys["regulator"], "POST", f"/v1/violations/{alert_id(db, 'J1')}/response",
             json={"action": "delisted"})
    assert r.status_code == 403
    assert call(base, keys["jd"], "GET", "/v1/prices").status_code == 403
    assert call(base, keys["jd"], "GET", "/v1/listings/tmall/T1/prices").status_code == 403
    assert call(base, keys["jd"], "POST", f"/v1/violations/{alert_id(db, 'J1')}/decision",
                json={"decision": "upheld"}).status_code == 403


def test_request_body_is_size_limited(api):
    base, keys = api
    r = call(base, keys["jd"], "POST", "/v1/observations", content=b"[" + b" " * (11 << 20) + b"]")
    assert r.status_code == 413


def test_keys_are_stored_hashed_and_never_in_the_audit_log(api, db):
    base, keys = api
    call(base, keys["jd"], "POST", f"/v1/violations/{alert_id(db, 'J1')}/response", json={"action": "warned"})
    from pricewatch.store.models import ApiKey

    with db.session() as s:
        stored = s.scalars(select(ApiKey.key_hash)).all()
        audit = json.dumps([a.detail for a in s.scalars(select(AuditLog))] +
                           [a.actor for a in s.scalars(select(AuditLog))])
    assert all(len(h) == 64 for h in stored)
    assert not any(k in audit for k in keys.values())
    assert keys["jd"] not in "".join(stored)


def test_delisting_answer_flags_the_seller_on_other_platforms_and_counts_in_compliance(api, db):
    base, keys = api
    r = call(base, keys["jd"], "POST", f"/v1/violations/{alert_id(db, 'J1')}/response",
             json={"action": "delisted"})
    assert r.status_code == 200 and r.json()["status"] == "delisted"
    r = call(base, keys["jd"], "POST", f"/v1/violations/{alert_id(db, 'J2')}/response", json={"action": "disputed"})
    assert r.status_code == 400 and "needs a reason" in r.json()["error"]["message"]
    r = call(base, keys["jd"], "POST", f"/v1/violations/{alert_id(db, 'J2')}/response",
             json={"action": "disputed", "reason": "supplier invoice attached: cost rose 300%"})
    assert r.json()["status"] == "disputed"
    with db.session() as s:
        flagged = s.execute(select(WebhookDelivery.event_type, WebhookDelivery.payload)
                            .where(WebhookDelivery.event_type == "seller.flagged")).all()
    assert len(flagged) == 1  # the same licence trades on tmall
    payload = flagged[0][1]
    assert payload["seller"] == {"platform": "tmall", "seller_id": "tm-s1", "name": None, "license": "LIC-9"}
    assert payload["origin"]["listing_id"] == "J1" and payload["matched_by"] == "license"
    import jsonschema

    from pricewatch.webhooks.schema import SCHEMA

    jsonschema.validate(payload, SCHEMA)
    report = compliance(db).set_index("platform")
    assert report.loc["jd", "notified"] == 2 and report.loc["jd", "answered"] == 2
    assert report.loc["jd", "delisted"] == 1 and report.loc["jd", "disputed"] == 1
    assert report.loc["jd", "answered_in_time"] == 0  # answered ~30 h after notification; pledge says 24 h
    assert report.loc["tmall", "overdue"] == 0 and report.loc["tmall", "answered"] == 0  # 30 h < 48 h
    assert report.loc["jd", "median_hours_to_delist"] == pytest.approx(30, abs=0.2)


def test_relisted_after_delisting_is_caught(api, db):
    base, keys = api
    call(base, keys["jd"], "POST", f"/v1/violations/{alert_id(db, 'J1')}/response", json={"action": "delisted"})
    assert recheck(db).relisted == 0
    still = {"platform": "jd", "listing_id": "J1", "observed_at": (utcnow() + timedelta(seconds=5)).isoformat(),
             "price": "99.00", "currency": "CNY", "availability": "in_stock"}
    call(base, keys["jd"], "POST", "/v1/observations", json=[still])
    stats = recheck(db)
    assert stats.relisted == 1
    with db.session() as s:
        alert = s.get(Alert, alert_id(db, "J1"))
        assert alert.status == "open" and alert.history[-1]["relisted"]
    assert compliance(db).set_index("platform").loc["jd", "relistings_caught"] == 1


def test_regulator_upholds_and_analyst_reads_prices(api, db):
    base, keys = api
    r = call(base, keys["regulator"], "POST", f"/v1/violations/{alert_id(db, 'T1')}/decision",
             json={"decision": "upheld", "note": "confirmed by inspection"})
    assert r.status_code == 200 and r.json()["status"] == "verified"
    prices = call(base, keys["analyst"], "GET", "/v1/listings/jd/J1/prices").json()
    assert len(prices["observations"]) == 3 and prices["observations"][0]["unit_price"] == pytest.approx(0.598)
    assert call(base, keys["analyst"], "GET", "/v1/listings/jd/NOPE/prices").status_code == 404
    daily = call(base, keys["analyst"], "GET", "/v1/prices", params={"by": "platform"}).json()
    assert {r["platform"] for r in daily["rows"]} == {"jd", "tmall"}
    index = call(base, keys["analyst"], "GET", "/v1/index").json()
    assert "rows" in index
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "violation.upheld")) == 1
