"""Warnings as a legal step (告诫): a rule that applies only after a warning escalates only once one was issued and
ignored; the warning is recorded, put on the alert's timeline and sent to the platform as seller.warned."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import jsonschema
import pandas as pd
from api_seed import role_keys
from sqlalchemy import select

from pricewatch.detect import run_detection
from pricewatch.emergency import add_emergency
from pricewatch.enforcement.warnings import issue_warning
from pricewatch.ingest import ingest_frame
from pricewatch.store.models import Alert, AuditLog, Listing, SellerWarning, WebhookDelivery, utcnow
from pricewatch.webhooks.endpoints import add_endpoint
from pricewatch.webhooks.schema import DOC

NOW = pd.Timestamp(utcnow()).floor("h")
EMERGENCY = NOW - pd.Timedelta(days=10)
TITLE = "医用外科口罩 一次性 三层防护 50只/盒"


def _market(db) -> None:  # noqa: ANN001
    """Four sellers at 29.90 for 40 days; a new seller (no history before the emergency) at 89.90 from 8 to 5
    days ago. cn-samr-2020 judges the newcomer against its peers — and needs a prior warning for that."""
    rows = []
    for k in range(4):
        for d in range(40, 0, -1):
            rows.append({"platform": "jd", "listing_id": f"P{k}", "seller_id": f"s{k}", "title": TITLE,
                         "observed_at": (NOW - pd.Timedelta(days=d)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                         "price": "29.90", "currency": "CNY", "region": "CN", "availability": "in_stock"})
    for d in (8, 7, 6, 5):
        rows.append({"platform": "jd", "listing_id": "N1", "seller_id": "newco", "title": TITLE,
                     "observed_at": (NOW - pd.Timedelta(days=d)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                     "price": "89.90", "currency": "CNY", "region": "CN", "availability": "in_stock"})
    ingest_frame(db, pd.DataFrame(rows), source="jd-feed")
    add_emergency(db, name="疫情", jurisdiction="CN", start=EMERGENCY.to_pydatetime(), rules="cn-samr-2020")


def _newcomer_alert(db) -> Alert:  # noqa: ANN001
    with db.session() as s:
        return s.scalar(select(Alert).join(Listing, Listing.id == Alert.listing_id).where(Listing.listing_key == "N1"))


def test_a_rule_needing_a_warning_escalates_only_after_the_warning_is_ignored(db):
    _market(db)
    run_detection(db)
    before = _newcomer_alert(db)
    assert before is not None and "new_seller" in before.flags
    assert before.severity == "watch" and "awaiting_warning" in before.flags
    # warned 7.5 days ago with 24 hours to correct: the seller went on selling at 89.90 until 5 days ago
    issue_warning(db, platform="jd", seller_id="newco", note="告诫书 2020-03", correct_within_hours=24,
                  issued_at=(NOW - pd.Timedelta(days=7, hours=12)).to_pydatetime(), actor="regulator:test")
    run_detection(db)
    after = _newcomer_alert(db)
    assert after.id == before.id and "warning_ignored" in after.flags and "awaiting_warning" not in after.flags
    assert after.severity != "watch"
    assert any(h.get("event") == "seller.warned" for h in after.history)  # on the alert's timeline


def test_a_warning_that_was_heeded_keeps_the_alert_at_watch(db):
    _market(db)
    # warned 5.5 days ago, 48 hours to correct: the last violation (5 days ago) is inside the grace period
    issue_warning(db, platform="jd", seller_id="newco", correct_within_hours=48,
                  issued_at=(NOW - pd.Timedelta(days=5, hours=12)).to_pydatetime())
    run_detection(db)
    alert = _newcomer_alert(db)
    assert alert.severity == "watch" and "warned" in alert.flags and "warning_ignored" not in alert.flags


def test_rules_without_a_warning_requirement_are_not_held_back(db):
    _market(db)
    run_detection(db)
    with db.session() as s:
        others = s.scalars(select(Alert).join(Listing, Listing.id == Alert.listing_id)
                           .where(Listing.listing_key != "N1")).all()
    assert all("awaiting_warning" not in (a.flags or []) for a in others)


def test_a_regulator_warns_over_http_and_the_platform_gets_seller_warned(db):
    _market(db)
    run_detection(db)
    alert_id = _newcomer_alert(db).id
    db.settings.raw.setdefault("webhooks", {})["allow_private"] = ["127.0.0.1"]
    add_endpoint(db, platform="jd", url="http://127.0.0.1:9/hooks", actor="test")
    keys = role_keys(db)
    from pricewatch.api.serve import serve_api

    with serve_api(db) as base:
        refused = httpx.post(f"{base}/v1/warnings", json={"alert_id": alert_id},
                             headers={"Authorization": f"Bearer {keys['platform']}"})
        assert refused.status_code == 403
        r = httpx.post(f"{base}/v1/warnings", json={"alert_id": alert_id, "note": "告诫", "correct_within_hours": 24},
                       headers={"Authorization": f"Bearer {keys['regulator']}"})
        assert r.status_code == 201, r.text
        listed = httpx.get(f"{base}/v1/warnings", headers={"Authorization": f"Bearer {keys['regulator']}"}).json()
        assert listed["warnings"][0]["seller_id"] == "newco"
        assert httpx.post(f"{base}/v1/warnings", json={"alert_id": 999999},
                          headers={"Authorization": f"Bearer {keys['regulator']}"}).status_code == 404
    with db.session() as s:
        delivery = s.scalar(select(WebhookDelivery).where(WebhookDelivery.event_type == "seller.warned"))
        warning = s.scalar(select(SellerWarning))
        audit = s.scalar(select(AuditLog).where(AuditLog.action == "seller.warned"))
    assert warning.alert_id == alert_id and warning.correct_by - warning.issued_at == timedelta(hours=24)
    assert audit is not None
    payload = delivery.payload
    jsonschema.validate(payload, json.loads(DOC.read_text(encoding="utf-8")))
    assert payload["seller"]["seller_id"] == "newco" and payload["violation"]["id"] == alert_id
    assert payload["requested_action"]["deadline"] == payload["warning"]["correct_by"]


def test_warnings_cli_issue_and_list(db, run_cli):
    _market(db)
    result = run_cli("warnings", "issue", "--seller", "jd/newco", "--note", "告诫书")
    assert result.exit_code == 0, result.output
    listed = run_cli("warnings", "list")
    assert "jd/newco" in listed.output and "告诫书" in listed.output
    bad = run_cli("warnings", "issue", "--seller", "jd/nobody")
    assert bad.exit_code == 1 and "no seller jd/nobody" in bad.output
