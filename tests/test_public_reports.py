"""Public reports: anyone reports a listing page and the price they saw; pricewatch checks the page itself.

Real parts throughout: the HTTP API on 127.0.0.1, the demo marketplace on 127.0.0.1 as the platform, the priority
crawl in a child process (spider ``report``), Pillow for images, detection on the real database.
"""

from __future__ import annotations

import base64
import io
from datetime import timedelta

import httpx
import pandas as pd
import pytest
from api_seed import role_keys, seed_violation
from PIL import Image
from sqlalchemy import func, select

from pricewatch.api.serve import serve_api
from pricewatch.detect import run_detection
from pricewatch.emergency import add_emergency
from pricewatch.enforcement.compliance import set_pledge
from pricewatch.ingest import ingest_frame
from pricewatch.reports.check import check_reports
from pricewatch.reports.intake import ReportIn, ReportRefused, ReportSettings, file_report
from pricewatch.reports.listing import purge_contacts, reports_frame
from pricewatch.reports.throttle import Throttled, solve
from pricewatch.simulate.marketplace import Marketplace
from pricewatch.store.models import Alert, PublicReport, ReportContact, ReportImage, utcnow

T0 = pd.Timestamp("2020-01-01T02:00:00Z")
EMERGENCY_DAY = 20


def _settings(db, **overrides) -> None:  # noqa: ANN001
    """[reports] as a deployment would write it in pricewatch.toml (the marketplace is on 127.0.0.1)."""
    db.settings.raw["reports"] = {"allow_private": ["127.0.0.1"], **overrides}


def _market_frames(price_after: float):
    listings = pd.DataFrame({"listing_id": ["H1"], "platform": ["jd"], "style": ["html"], "title": ["医用外科口罩 50只/盒"],
                             "category": ["mask.surgical"], "seller_id": ["s1"], "seller_name": ["康护店"],
                             "seller_license": [None], "region": ["CN"], "currency": ["CNY"]})
    days = range(EMERGENCY_DAY + 4)
    prices = pd.DataFrame({
        "listing_id": "H1", "platform": "jd", "observed_at": [T0 + pd.Timedelta(days=d) for d in days],
        "price": [29.90 if d < EMERGENCY_DAY else price_after for d in days], "shipping": 0.0, "currency": "CNY",
        "availability": "in_stock", "title": "医用外科口罩 50只/盒", "pack_size": None})
    return listings, prices


def _feed(db, prices: pd.DataFrame) -> None:  # noqa: ANN001
    rows = prices.assign(observed_at=prices["observed_at"].dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
                         price=prices["price"].map("{:.2f}".format), seller_id="s1", region="CN")
    ingest_frame(db, rows[["platform", "listing_id", "observed_at", "price", "currency", "title", "seller_id",
                           "region"]].astype(str), source="jd-feed")


def _proof(base: str) -> dict:
    challenge = httpx.get(f"{base}/v1/reports/challenge").json()
    return {"challenge": challenge["challenge"], "nonce": solve(challenge["challenge"], challenge["bits"])}


def _post(base: str, **report):  # noqa: ANN003, ANN202
    report.setdefault("proof", _proof(base))
    return httpx.post(f"{base}/v1/reports", json=report, timeout=30)


def test_a_valid_report_gets_a_receipt_and_its_status_reveals_nothing_else(db):
    _settings(db)
    seed_violation(db)
    with serve_api(db) as base:
        r = _post(base, url="https://item.jd.com/100012043978.html", price="59.90", currency="CNY",
                  note="店里标价59.9", contact="王女士 138 0000 0000")
        assert r.status_code == 201, r.text
        receipt = r.json()["receipt"]
        status = httpx.get(f"{base}/v1/reports/{receipt}")
        assert status.status_code == 200 and status.json() == {"status": "received"}
        assert httpx.get(f"{base}/v1/reports/PR-not-a-receipt").status_code == 404
    with db.session() as s:
        report = s.scalar(select(PublicReport))
        assert (report.url, report.price, report.currency, report.candidate) == (
            "https://item.jd.com/100012043978.html", 59.90, "CNY", True)
        assert "138" not in (report.client or "") and report.note == "店里标价59.9"


@pytest.mark.parametrize("url", [
    "http://evil.example/jd/item/H1.html",
    "http://localhost.evil.example/jd/item/H1.html",  # the profile's "localhost" as a substring only
    "http://item.jd.com.evil.example/100.html",
    "http://notjd.com/100.html",
    "http://amazon.evil.example/dp/B000000000",
    "ftp://item.jd.com/100.html",
    "http://user:pw@item.jd.com/100.html",
    "http://item.jd.com/about.html",  # a platform host, but not a listing page
])
def test_a_report_for_a_host_that_is_not_a_platform_is_refused_without_any_fetch(db, url):
    _settings(db, proof_bits=0)
    listings, prices = _market_frames(44.90)
    with Marketplace(listings, prices) as market, serve_api(db) as base:
        r = _post(base, url=url.replace("evil.example", f"evil.example:{market.url.rsplit(':', 1)[1]}"),
                  price="44.90", currency="CNY")
        assert r.status_code == 400 and r.json()["error"]["message"].startswith("url:"), r.text
        assert check_reports(db).checked == 0
        assert sum(market.hits.values()) == 0
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(PublicReport)) == 0


def test_flooding_from_one_address_is_throttled(db):
    _settings(db, per_address_per_hour=5, proof_bits=8)
    with serve_api(db) as base:
        answers = [_post(base, url=f"https://item.jd.com/{1000 + i}.html", price="10", currency="CNY").status_code
                   for i in range(12)]
        assert answers[:5] == [201] * 5 and set(answers[5:]) == {429}
        flood = _post(base, url="https://item.jd.com/1.html", price="10", currency="CNY")
        assert flood.status_code == 429 and int(flood.headers["retry-after"]) > 0
        # without a solved proof of work nothing is accepted at all
        no_proof = httpx.post(f"{base}/v1/reports", json={"url": "https://item.jd.com/2.html", "price": "10",
                                                          "currency": "CNY"})
        assert no_proof.status_code == 400 and no_proof.json()["error"]["message"].startswith("proof:")
        # and a challenge cannot be used twice
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(PublicReport)) == 5


def test_a_proof_of_work_is_single_use_and_must_solve_its_challenge(db):
    _settings(db, proof_bits=12)
    with serve_api(db) as base:
        proof = _proof(base)
        ok = _post(base, url="https://item.jd.com/7.html", price="10", currency="CNY", proof=proof)
        again = _post(base, url="https://item.jd.com/8.html", price="10", currency="CNY", proof=proof)
        assert ok.status_code == 201 and again.status_code == 400
        fresh = httpx.get(f"{base}/v1/reports/challenge").json()
        wrong = _post(base, url="https://item.jd.com/9.html", price="10", currency="CNY",
                      proof={"challenge": fresh["challenge"], "nonce": "not-a-solution"})
        assert wrong.status_code == 400 and "does not solve" in wrong.json()["error"]["message"]


def test_the_global_limit_holds_against_many_addresses(db):
    _settings(db, proof_bits=0, global_per_minute=8)
    settings = ReportSettings.of(db)
    accepted = 0
    with pytest.raises(Throttled):
        for i in range(20):
            file_report(db, ReportIn(url=f"https://item.jd.com/{i + 1}.html", price="10", currency="CNY"),
                        f"10.0.{i}.1", settings)
            accepted += 1
    assert accepted == 8


def test_challenges_are_rate_limited_per_address(db):
    _settings(db, challenges_per_minute=3)
    with serve_api(db) as base:
        codes = [httpx.get(f"{base}/v1/reports/challenge").status_code for _ in range(5)]
    assert codes[:3] == [200] * 3 and codes[3:] == [429, 429]


def test_a_report_body_over_the_limit_is_refused(db):
    _settings(db, max_body_bytes=50_000)
    with serve_api(db) as base:
        r = httpx.post(f"{base}/v1/reports", content=b'{"url": "' + b"x" * 60_000 + b'"}',
                       headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_reports_of_the_same_listing_at_a_similar_price_are_duplicates(db):
    _settings(db, proof_bits=0)
    settings = ReportSettings.of(db)
    url = "https://item.jd.com/555.html"
    first = file_report(db, ReportIn(url=url, price="44.90", currency="CNY"), "10.0.0.1", settings)
    second = file_report(db, ReportIn(url=url + "#reviews", price="45.50", currency="CNY"), "10.0.0.2", settings)
    other_price = file_report(db, ReportIn(url=url, price="60", currency="CNY"), "10.0.0.3", settings)
    other_listing = file_report(db, ReportIn(url="https://item.jd.com/556.html", price="44.90", currency="CNY"),
                                "10.0.0.4", settings)
    assert [first[1], second[1], other_price[1], other_listing[1]] == ["received", "duplicate", "received",
                                                                        "received"]
    with db.session() as s:
        dup = s.scalar(select(PublicReport).where(PublicReport.receipt == second[0]))
        assert dup.duplicate_of == s.scalar(select(PublicReport.id).where(PublicReport.receipt == first[0]))


def _jpeg_with_exif() -> bytes:
    picture = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"      # Make
    exif[0x0131] = "secret-firmware"  # Software
    out = io.BytesIO()
    picture.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_an_image_is_checked_by_content_and_stored_without_exif(db):
    _settings(db, proof_bits=0, max_image_bytes=100_000)
    settings = ReportSettings.of(db)
    raw = _jpeg_with_exif()
    assert b"secret-firmware" in raw
    # declared as PNG in the data URL: the content decides
    data_url = "data:image/png;base64," + base64.b64encode(raw).decode()
    file_report(db, ReportIn(url="https://item.jd.com/1.html", price="10", currency="CNY", image=data_url),
                "10.0.0.1", settings)
    with db.session() as s:
        stored = s.scalar(select(ReportImage))
        assert stored.content_type == "image/jpeg" and (stored.width, stored.height) == (64, 48)
        assert b"secret-firmware" not in stored.data and b"PhoneMaker" not in stored.data
        assert not Image.open(io.BytesIO(stored.data)).getexif()
    for bad, why in [(b"GIF89a" + b"\x00" * 40, "image:"), (b"<html>not an image</html>", "image:"),
                     (b"\xff\xd8\xff" + b"\x00" * 200_000, "larger than")]:
        with pytest.raises(ReportRefused, match=why):
            file_report(db, ReportIn(url="https://item.jd.com/2.html", price="10", currency="CNY",
                                     image=base64.b64encode(bad).decode()), "10.0.0.2", settings)


def test_contacts_never_appear_in_platform_or_analyst_answers_and_are_purged(db):
    _settings(db, proof_bits=0, contact_retention_days=30)
    seed_violation(db)
    keys = role_keys(db)
    file_report(db, ReportIn(url="https://item.jd.com/J1.html".replace("J1", "100"), price="59.90", currency="CNY",
                             note="call me", contact="王女士 13800000000"), "10.0.0.1", ReportSettings.of(db))
    with serve_api(db) as base:
        def get(path: str, role: str) -> httpx.Response:
            return httpx.get(f"{base}{path}", headers={"Authorization": f"Bearer {keys[role]}"})

        for role in ("platform", "analyst"):
            for path in ("/v1/reports", "/v1/violations", "/v1/violations/1"):
                answer = get(path, role)
                assert "13800000000" not in answer.text and "王女士" not in answer.text, (role, path)
            reports = get("/v1/reports", role)
            if role == "analyst":
                assert reports.status_code == 200 and len(reports.json()["reports"]) == 1
                assert "contact" not in reports.json()["reports"][0]
        regulator = get("/v1/reports", "regulator").json()["reports"][0]
        assert regulator["contact"] == "王女士 13800000000" and regulator["note"] == "call me"
    assert purge_contacts(db, now=utcnow() + timedelta(days=29)) == 0
    assert purge_contacts(db, now=utcnow() + timedelta(days=31)) == 1
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(ReportContact)) == 0
    assert reports_frame(db, with_private=True)["contact"].isna().all()


def test_a_report_confirmed_by_a_crawl_escalates_the_alert(db, workdir):
    """Feed history → an emergency alert; a reporter sends the page and price; the priority crawl of the page
    confirms it; the next detection raises the alert one tier and flags it."""
    _settings(db, proof_bits=0)
    listings, prices = _market_frames(44.90)
    _feed(db, prices)
    add_emergency(db, name="疫情", jurisdiction="CN", start=(T0 + pd.Timedelta(days=EMERGENCY_DAY)).to_pydatetime(),
                  rules="cn-samr-2020")
    run_detection(db)
    with db.session() as s:
        before = s.scalar(select(Alert))
        assert before is not None and before.severity != "egregious"
        severity_before, alert_id = before.severity, before.id
    with Marketplace(listings, prices) as market:
        market.set_clock(T0 + pd.Timedelta(days=EMERGENCY_DAY + 3, hours=10))
        settings = ReportSettings.of(db)
        receipt, _ = file_report(db, ReportIn(url=market.item_url("H1"), price="44.90", currency="CNY"),
                                 "10.0.0.1", settings)
        lower, _ = file_report(db, ReportIn(url=market.item_url("H1"), price="80.00", currency="CNY"),
                               "10.0.0.2", settings)
        checked = check_reports(db)
        assert market.hits  # the page itself was fetched
    assert (checked.confirmed, checked.not_confirmed) == (1, 1)
    run_detection(db)
    with db.session() as s:
        confirmed = s.scalar(select(PublicReport).where(PublicReport.receipt == receipt))
        assert confirmed.status == "confirmed" and confirmed.crawled_price == pytest.approx(44.90)
        assert confirmed.snapshot_sha256 and confirmed.alert_id == alert_id
        refused = s.scalar(select(PublicReport).where(PublicReport.receipt == lower))
        assert refused.status == "not_confirmed" and "lower than the reported 80.00" in refused.status_reason
        after = s.get(Alert, alert_id)
    tiers = ["watch", "alert", "severe", "egregious"]
    assert tiers.index(after.severity) == tiers.index(severity_before) + 1
    assert "public_report_confirmed" in after.flags


def test_a_confirmed_report_alone_is_a_review_item_never_a_violation(db, workdir):
    _settings(db, proof_bits=0)
    set_pledge(db, "jd")  # a platform pricewatch watches (its name is read from the demo marketplace's path)
    listings, prices = _market_frames(44.90)
    with Marketplace(listings, prices) as market:
        market.set_clock(T0 + pd.Timedelta(days=EMERGENCY_DAY + 3, hours=10))
        file_report(db, ReportIn(url=market.item_url("H1"), price="44.90", currency="CNY"), "10.0.0.1",
                    ReportSettings.of(db))
        assert check_reports(db).confirmed == 1
    run_detection(db)
    from pricewatch.reports.listing import review_items

    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Alert)) == 0
    items = review_items(reports_frame(db))
    assert len(items) == 1 and items.iloc[0]["listing_id"] == "H1"


def test_reports_list_shows_a_table(db, run_cli):
    _settings(db, proof_bits=0)
    file_report(db, ReportIn(url="https://item.jd.com/42.html", price="59.90", currency="CNY",
                             contact="x@example.org"), "10.0.0.1", ReportSettings.of(db))
    result = run_cli("reports", "list")
    assert result.exit_code == 0, result.output
    assert "42" in result.output and "59.90" in result.output and "received" in result.output
    assert "x@example.org" not in result.output  # contacts only with --contacts
    assert "x@example.org" in run_cli("reports", "list", "--contacts").output


def test_the_daily_digest_counts_the_days_reports_without_contacts(db):
    from pricewatch.digest import build_digest

    _settings(db, proof_bits=0)
    settings = ReportSettings.of(db)
    file_report(db, ReportIn(url="https://item.jd.com/77.html", price="59.90", currency="CNY",
                             contact="13800000000"), "10.0.0.1", settings)
    file_report(db, ReportIn(url="https://item.jd.com/77.html", price="59.90", currency="CNY"), "10.0.0.2", settings)
    today = pd.Timestamp(utcnow()).tz_convert(db.settings.timezone).date()
    html = build_digest(db, today).html
    assert "Public reports" in html and "received 2" in html and "duplicates 1" in html
    assert "13800000000" not in html
