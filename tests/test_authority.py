"""Who may decide what: a regulator's decision is final for platforms; a seller's licence (the joint-enforcement
link) comes only from trusted sources, every change is audited, and seller.flagged says which link it used.

Through the real HTTP API (uvicorn on 127.0.0.1) with the fixture of tests/test_api.py: jd (J1 seller jd-s1,
licence LIC-9; J2) and tmall (T1 seller tm-s1, licence LIC-9), one open violation per listing, a tmall endpoint.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
from sqlalchemy import select
from test_api import alert_id, api, call  # noqa: F401 - `api` is the fixture

from pricewatch.ingest import ingest_frame
from pricewatch.store.models import Alert, AuditLog, Listing, Seller, WebhookDelivery, utcnow


def test_a_platform_cannot_change_a_regulators_decision(api, db):  # noqa: F811
    base, keys = api
    violation = alert_id(db, "J1")
    r = call(base, keys["regulator"], "POST", f"/v1/violations/{violation}/decision", json={"decision": "upheld"})
    assert r.json()["status"] == "verified"
    for action, reason in (("warned", None), ("disputed", "we disagree")):
        r = call(base, keys["jd"], "POST", f"/v1/violations/{violation}/response",
                 json={"action": action, "reason": reason})
        assert r.status_code == 409, r.text
        assert r.json()["error"]["status"] == 409 and "upheld by a regulator" in r.json()["error"]["message"]
    with db.session() as s:
        alert = s.get(Alert, violation)
        assert alert.status == "verified"
        infos = [h for h in alert.history if h.get("info")]
        assert [h["info"] for h in infos] == ["warned", "disputed"] and infos[1]["note"] == "we disagree"
        assert all(h["to"] == "verified" for h in infos)
    # delisting is what the decision asked for: recorded, the status stays the regulator's
    r = call(base, keys["jd"], "POST", f"/v1/violations/{violation}/response", json={"action": "delisted"})
    assert r.status_code == 200 and r.json()["status"] == "verified"
    with db.session() as s:
        assert s.scalar(select(Listing.status).where(Listing.listing_key == "J1")) == "delisted"


def _tmall_flags(db) -> list[dict]:
    with db.session() as s:
        return [d.payload for d in s.scalars(select(WebhookDelivery).where(WebhookDelivery.event_type == "seller.flagged"))]


def test_a_platform_cannot_borrow_another_platforms_seller_licence(api, db):  # noqa: F811
    """jd pushes its own listing with tmall's seller's licence and delists it: tmall's seller is not flagged."""
    base, keys = api
    now = utcnow()
    row = {"platform": "jd", "listing_id": "J7", "seller_id": "jd-evil", "seller_license": "LIC-9",
           "observed_at": (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"), "price": "9.90",
           "currency": "CNY", "title": "口罩 50只/盒"}
    assert call(base, keys["jd"], "POST", "/v1/observations", json=[row]).json()["accepted"] == 1
    with db.session() as s:
        seller = s.scalar(select(Seller).where(Seller.seller_key == "jd-evil"))
        assert seller.license is None  # a claim, not stored
        claim = s.scalar(select(AuditLog).where(AuditLog.action == "seller.license_claimed"))
        assert claim.detail["to"] == "LIC-9" and claim.actor == "api:jd" and claim.detail["stored"] is False
        listing = s.scalar(select(Listing).where(Listing.listing_key == "J7"))
        s.add(Alert(listing_id=listing.id, rule="cn-samr-2020", severity="severe", first_violation_at=now,
                    detected_at=now, baseline_unit_price=0.1, observed_unit_price=0.2, unit="piece",
                    currency="CNY", increase_pct=100.0, status="notified", history=[]))
        s.commit()
    r = call(base, keys["jd"], "POST", f"/v1/violations/{alert_id(db, 'J7')}/response", json={"action": "delisted"})
    assert r.status_code == 200
    assert _tmall_flags(db) == []


def test_every_licence_change_is_audited_and_flags_say_which_link(api, db):  # noqa: F811
    base, keys = api
    now = utcnow()
    frame = pd.DataFrame([{"platform": "tmall", "listing_id": "T1", "seller_id": "tm-s1", "seller_license": "LIC-10",
                           "observed_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"), "price": "29.90", "currency": "CNY"}])
    ingest_frame(db, frame, source="tmall-registry")
    with db.session() as s:
        change = s.scalar(select(AuditLog).where(AuditLog.action == "seller.license_changed"))
        assert (change.detail["from"], change.detail["to"], change.actor) == ("LIC-9", "LIC-10", "tmall-registry")
    ingest_frame(db, frame.assign(seller_license="LIC-9"), source="tmall-registry")  # and back
    r = call(base, keys["jd"], "POST", f"/v1/violations/{alert_id(db, 'J1')}/response", json={"action": "delisted"})
    assert r.status_code == 200
    flags = _tmall_flags(db)
    assert len(flags) == 1 and flags[0]["matched_by"] == "license"
    assert flags[0]["link"]["license"] == "LIC-9" and flags[0]["link"]["seller_set_by"] == "tmall-registry"


def test_a_regulator_sets_a_licence_and_a_platform_cannot(api, db):  # noqa: F811
    base, keys = api
    path = "/v1/sellers/jd/jd-s2/license"
    assert call(base, keys["jd"], "PUT", path, json={"license": "LIC-9"}).status_code == 403
    r = call(base, keys["regulator"], "PUT", path, json={"license": "LIC-9", "note": "same company, checked"})
    assert r.status_code == 200 and r.json() == {"platform": "jd", "seller_id": "jd-s2", "license": "LIC-9",
                                                 "previous": None}
    assert call(base, keys["regulator"], "PUT", "/v1/sellers/jd/nosuch/license", json={"license": "X"}).status_code == 404
    with db.session() as s:
        entry = s.scalar(select(AuditLog).where(AuditLog.action == "seller.license_set",
                                                AuditLog.detail["seller_id"].as_string() == "jd-s2"))
        assert entry.actor.endswith("(regulator)") and entry.detail["note"] == "same company, checked"
    # the link the regulator set is one joint enforcement acts on, and says who set it
    r = call(base, keys["jd"], "POST", f"/v1/violations/{alert_id(db, 'J2')}/response", json={"action": "delisted"})
    assert r.status_code == 200
    flags = [f for f in _tmall_flags(db) if f["origin"]["listing_id"] == "J2"]
    assert len(flags) == 1 and flags[0]["link"]["origin_set_by"] == entry.actor
