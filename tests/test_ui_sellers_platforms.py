"""The workspace's seller page (one legal entity across platforms), platform pages (pledge and compliance as of a
stated instant) and the "export case" buttons, over HTTP against the real application."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from compliance_seed import h, seed_enforced_case
from fastapi.testclient import TestClient
from sqlalchemy import select

from pricewatch.api.app import create_app
from pricewatch.cases import verify_bundle
from pricewatch.keys import create_key
from pricewatch.store.models import Alert, AuditLog, Listing, Seller


@pytest.fixture
def case(db):
    found = seed_enforced_case(db)
    with db.session() as s:
        found["seller_db_id"] = s.get(Listing, s.get(Alert, found["alert"]).listing_id).seller_id
    found["key"] = create_key(db, role="regulator", name="Wang")[1]
    return found


def logged_in(db, key: str, lang: str = "en") -> TestClient:  # noqa: ANN001
    client = TestClient(create_app(db), base_url="https://testserver")
    assert client.post("/ui/login", data={"key": key}, follow_redirects=False).status_code == 303
    client.get(f"/ui/lang/{lang}", follow_redirects=False)
    return client


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def cells(html: str, table_id: str) -> list[list[str]]:
    body = html[html.index(f'id="{table_id}"'):]
    body = body[:body.index("</table>")]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)] for r in rows]


def test_seller_page_shows_the_legal_entity_on_every_platform(case):
    db = case["db"]
    client = logged_in(db, case["key"])
    page = client.get(f"/ui/sellers/{case['seller_db_id']}")
    assert page.status_code == 200
    html = page.text
    assert 'id="entity-license">LIC-COMPLY<' in html
    accounts = cells(html, "accounts")
    assert {(r[0], r[1]) for r in accounts if r} == {("JD.com", "jd-s-J1"), ("Tmall", "tmall-s-T1")}
    answers = {r[0]: r[1:] for r in cells(html, "answers") if r}
    assert answers["JD.com"] == ["1", "1", "0", "0", "0"]  # J1 delisted by jd
    assert answers["Tmall"] == ["1", "1", "0", "0", "0"]  # T1 delisted (then re-listed) on tmall
    flagged = [r for r in cells(html, "flagged") if r]
    assert len(flagged) == 1 and flagged[0][1] == "Tmall" and flagged[0][2] == "tmall-s-T1"
    assert flagged[0][3] == f"Alert #{case['alert']}" or str(case["alert"]) in flagged[0][3]
    assert flagged[0][5] == "queued"  # the outbox row waits for the dispatcher
    assert f'href="/ui/alerts/{case["ids"]["T1"]}"' in html and "https://tmall.example/item/T1" in html
    # the same page from the other account of the entity
    with db.session() as s:
        other = s.scalar(select(Seller.id).where(Seller.seller_key == "tmall-s-T1"))
    assert 'id="entity-license">LIC-COMPLY<' in client.get(f"/ui/sellers/{other}").text


def test_seller_page_in_chinese_has_no_english_left(case):
    client = logged_in(case["db"], case["key"], lang="zh")
    html = client.get(f"/ui/sellers/{case['seller_db_id']}").text
    assert "联合惩戒" in html and "各平台答复" in html and "排队中" in html and "平台已下架" in html
    text = re.sub(r"<[^>]+>", " ", html[html.index("<main>"):html.index("</main>")])
    for english in ("Platform", "Alerts", "queued", "delisted by the platform", "no answer yet", "Listings"):
        assert english not in text, english


def test_seller_index_finds_by_licence_id_or_name(case):
    client = logged_in(case["db"], case["key"])
    assert client.get("/ui/sellers?q=LIC-COMPLY").text.count('href="/ui/sellers/') == 2
    assert client.get("/ui/sellers?q=shop t1").text.count('href="/ui/sellers/') == 1
    assert "No seller matches." in client.get("/ui/sellers?q=nobody-here").text


def test_platform_page_states_its_clock_pledge_and_overdue_alerts(case):
    client = logged_in(case["db"], case["key"])
    html = client.get("/ui/platforms/jd", params={"as_of": "2020-02-13T10:00:00+08:00"}).text  # h(72)
    assert "Figures as of 2020-02-13 10:00 UTC+08:00" in html
    assert 'id="pledge-signed">2020-01-25<' in html and 'id="pledge-deadline">24 h<' in html
    overdue = re.findall(r'<tr data-alert-id="(\d+)" class="overdue">', html)
    assert sorted(int(i) for i in overdue) == sorted([case["ids"]["J4"], case["ids"]["J5"]])
    assert re.search(r'class="fig-overdue"><span class="label">Overdue</span><strong>2<', html)
    earlier = client.get("/ui/platforms/jd", params={"as_of": h(30).isoformat()}).text
    assert len(re.findall(r'class="overdue"', earlier)) == 1 and len(re.findall(r'class="awaiting"', earlier)) == 1


def test_platform_page_refuses_a_bad_clock_and_says_so(case):
    client = logged_in(case["db"], case["key"])
    html = client.get("/ui/platforms", params={"as_of": "soon"}).text
    assert "could not be read" in html and "Figures as of" in html
    assert client.get("/ui/platforms/nosuch").status_code == 404


def test_pages_show_nothing_without_a_session(case):
    client = TestClient(create_app(case["db"]), base_url="https://testserver")
    for path in ("/ui/sellers", f"/ui/sellers/{case['seller_db_id']}", "/ui/platforms", "/ui/platforms/jd"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/ui/login"), path
        assert "LIC-COMPLY" not in response.text
    refused = client.post(f"/ui/alerts/{case['alert']}/case", follow_redirects=False)
    assert refused.status_code == 303 and "PK" not in refused.text[:2]


def test_export_case_without_the_csrf_token_is_refused(case):
    client = logged_in(case["db"], case["key"])
    response = client.post(f"/ui/alerts/{case['alert']}/case", data={"csrf": "forged"})
    assert response.status_code == 403 and response.headers["content-type"].startswith("text/html")


def test_export_case_buttons_download_a_verifiable_bundle_and_are_audited(case, tmp_path):
    db = case["db"]
    client = logged_in(db, case["key"])
    page = client.get(f"/ui/alerts/{case['alert']}").text
    assert 'id="export-alert-case"' in page and f'href="/ui/sellers/{case["seller_db_id"]}"' in page
    bundle = client.post(f"/ui/alerts/{case['alert']}/case", data={"csrf": csrf_of(page)})
    assert bundle.status_code == 200 and bundle.headers["content-type"] == "application/zip"
    assert f'filename="case-alert-{case["alert"]}.zip"' in bundle.headers["content-disposition"]
    (tmp_path / "a.zip").write_bytes(bundle.content)
    assert verify_bundle(tmp_path / "a.zip").ok
    with zipfile.ZipFile(io.BytesIO(bundle.content)) as zf:
        readme = zf.read(f"case-alert-{case['alert']}/README.txt").decode()
    assert "(regulator)" in readme  # the reviewer is the extraction record's operator

    seller_page = client.get(f"/ui/sellers/{case['seller_db_id']}").text
    assert 'id="export-seller-case"' in seller_page
    seller = client.post(f"/ui/sellers/{case['seller_db_id']}/case", data={"csrf": csrf_of(seller_page)})
    assert seller.status_code == 200 and seller.content[:2] == b"PK"
    (tmp_path / "s.zip").write_bytes(seller.content)
    check = verify_bundle(tmp_path / "s.zip")
    assert check.ok and check.subject["license"] == "LIC-COMPLY"
    with db.session() as s:
        exports = s.execute(select(AuditLog.actor, AuditLog.target).where(AuditLog.action == "case.exported")).all()
    assert [t for _, t in exports] == [f"alert:{case['alert']}", f"seller:{case['seller_db_id']}"]
    assert all(actor.endswith("(regulator)") for actor, _ in exports)
    assert client.post("/ui/alerts/99999/case", data={"csrf": csrf_of(page)}).status_code == 404


def test_platform_page_lists_the_most_overdue_first_and_says_how_many_more(case, monkeypatch):
    from pricewatch.ui.views import platforms

    monkeypatch.setattr(platforms, "PENDING_SHOWN", 1)
    client = logged_in(case["db"], case["key"])
    html = client.get("/ui/platforms/jd", params={"as_of": h(72).isoformat()}).text
    shown = re.findall(r'<tr data-alert-id="(\d+)" class="(overdue|awaiting)">', html)
    assert shown == [(str(case["ids"]["J4"]), "overdue")]  # due at 24 h, before J5's 36 h
    assert 'id="pending-more">1 more not shown' in html
