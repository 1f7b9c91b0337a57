"""The review workspace in a real browser (Chromium through Playwright): logging in and out, the queue's filters
and keys, the price chart, the evidence sandbox, deciding a case end to end, and no request ever leaving
127.0.0.1."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

from ui_browser import browser, live, log_in, page  # noqa: F401
from ui_seed import many_alerts

from pricewatch.store.models import Alert
from pricewatch.webhooks.dispatch import dispatch
from pricewatch.webhooks.endpoints import add_endpoint


def status_of(live, alert_id: int) -> str:  # noqa: ANN001, F811
    with live.db.session() as s:
        return s.get(Alert, alert_id).status


def test_regulator_logs_in_and_out(page, live):  # noqa: F811
    page.goto(f"{live.url}/ui/alerts")
    assert "/ui/login" in page.url and page.locator("#alerts-table").count() == 0
    log_in(page, live)
    page.wait_for_url(re.compile(r"/ui/alerts$"))
    assert page.locator("#alerts-table tbody tr[data-id]").count() == 1
    cookie = next(c for c in page.context.cookies() if c["name"] == "pw_session")
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Lax"
    page.click("header form button")  # log out
    page.wait_for_url(re.compile(r"/ui/login"))
    page.goto(f"{live.url}/ui/alerts")
    assert "/ui/login" in page.url


def test_platform_key_cannot_log_in(page, live):  # noqa: F811
    log_in(page, live, "platform")
    assert page.locator("#login-error").is_visible()
    assert not [c for c in page.context.cookies() if c["name"] == "pw_session"]
    page.goto(f"{live.url}/ui/alerts/{live.case.alert_id}")
    assert "/ui/login" in page.url and "康宁" not in page.content()


def test_queue_filters_by_facet_and_moves_with_the_keyboard(page, live):  # noqa: F811
    many_alerts(live.db, 300, platforms=3, sellers=30)
    log_in(page, live)
    page.wait_for_url(re.compile(r"/ui/alerts$"))
    facet = page.locator('[data-facet="severity"] a[data-value="egregious"]')
    expected = int(facet.locator(".count").inner_text())
    facet.click()
    page.wait_for_url(re.compile(r"severity=egregious"))
    page.select_option("#per_page", "200")
    page.click("#filter-form button[type=submit]")
    page.wait_for_url(re.compile(r"per_page=200"))
    rows = page.locator("#alerts-table tbody tr[data-id]")
    assert rows.count() == expected
    assert set(page.locator("#alerts-table tbody .badge").all_inner_texts()) == {"egregious"}
    page.keyboard.press("j")
    page.keyboard.press("j")
    second = rows.nth(1).get_attribute("data-id")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/ui/alerts/{second}$"))


def test_chart_draws_every_observation(page, live):  # noqa: F811
    log_in(page, live)
    page.goto(f"{live.url}/ui/alerts/{live.case.alert_id}")
    page.wait_for_function("window.pwChart !== undefined")
    assert page.locator("#price-chart canvas").count() >= 1
    assert page.evaluate("window.pwChartPoints") == live.case.observations
    labels = page.locator("#price-chart .u-legend .u-label").all_inner_texts()
    assert {"observations", "daily median", "baseline", "legal threshold"} <= set(labels)
    # drag to zoom: the x scale narrows
    before = page.evaluate("window.pwChart.scales.x.max - window.pwChart.scales.x.min")
    box = page.locator("#price-chart .u-over").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + 50)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + 50, steps=5)
    page.mouse.up()
    after = page.evaluate("window.pwChart.scales.x.max - window.pwChart.scales.x.min")
    assert after < before * 0.6


def test_script_in_a_stored_page_does_not_run(page, live):  # noqa: F811
    log_in(page, live)
    page.wait_for_url(re.compile(r"/ui/alerts$"))
    page.evaluate("window.received = []; window.addEventListener('message', e => window.received.push(e.data))")
    page.goto(f"{live.url}/ui/evidence/{live.case.evidence_sha256}")
    page.evaluate("window.received = []; window.addEventListener('message', e => window.received.push(e.data))")
    frame = page.frame_locator("#evidence-frame")
    assert frame.locator("#marker").inner_text() == "page text"  # the inline script would have replaced it
    assert frame.locator("mark#pw-price").inner_text() == "89.90"
    page.wait_for_timeout(300)
    assert page.evaluate("window.received") == []
    inner = next(f for f in page.frames if f.url.endswith("/page"))
    assert inner.title() != "SCRIPT RAN"


def test_uphold_in_the_browser_delivers_seller_flagged_to_the_other_platform(page, live):  # noqa: F811
    from receivers import Receiver

    endpoint, secret = add_endpoint(live.db, platform="tmall", url="http://127.0.0.1:1/placeholder")
    with Receiver([secret]) as receiver:
        with live.db.session() as s:
            from pricewatch.store.models import WebhookEndpoint

            s.get(WebhookEndpoint, endpoint.id).url = receiver.url
            s.commit()
        log_in(page, live)
        page.goto(f"{live.url}/ui/alerts/{live.case.alert_id}")
        page.fill("#uphold-text", "price tripled during the emergency")
        page.once("dialog", lambda dialog: dialog.accept())
        page.click("#uphold-form button[type=submit]")
        page.wait_for_url(re.compile(r"done=uphold"))
        assert status_of(live, live.case.alert_id) == "verified"
        # the dispatcher runs its own event loop: in a thread, as the service runs it (Playwright holds this one's)
        with ThreadPoolExecutor(1) as pool:
            stats = pool.submit(dispatch, live.db, max_rounds=3).result()
        assert stats.delivered >= 1
        flagged = [e for e in receiver.events.values() if e["type"] == "seller.flagged"]
        assert len(flagged) == 1 and flagged[0]["seller"]["seller_id"] == "t9"
        assert flagged[0]["origin"]["violation_id"] == live.case.alert_id
        page.reload()
        timeline = page.locator("#timeline")
        assert timeline.locator('[data-kind="seller_flagged"]').count() == 1
        assert timeline.locator('[data-kind="webhook_delivered"]').count() == 1
        assert "price tripled during the emergency" in timeline.inner_text()


def test_dismiss_needs_a_reason_in_the_browser(page, live):  # noqa: F811
    log_in(page, live)
    page.goto(f"{live.url}/ui/alerts/{live.case.alert_id}")
    page.click("#dismiss-form button[type=submit]")  # the browser refuses the empty required field
    assert page.url.endswith(f"/ui/alerts/{live.case.alert_id}")
    page.evaluate("document.getElementById('dismiss-text').removeAttribute('required')")
    page.click("#dismiss-form button[type=submit]")  # the server refuses it too
    page.wait_for_url(re.compile(r"error=action.reason_required"))
    assert page.locator("#action-error").is_visible()
    assert status_of(live, live.case.alert_id) == "notified"
    page.fill("#dismiss-text", "shipping fee only")
    page.click("#dismiss-form button[type=submit]")
    page.wait_for_url(re.compile(r"done=dismiss"))
    assert status_of(live, live.case.alert_id) == "dismissed"


def test_a_forged_csrf_token_is_refused(page, live):  # noqa: F811
    log_in(page, live)
    page.goto(f"{live.url}/ui/alerts/{live.case.alert_id}")
    page.evaluate("document.querySelector('#note-form input[name=csrf]').value = 'forged'")
    page.fill("#note-text", "should not be saved")
    response = None
    with page.expect_response(lambda r: r.request.method == "POST") as info:
        page.click("#note-form button[type=submit]")
    response = info.value
    assert response.status == 403
    page.goto(f"{live.url}/ui/alerts/{live.case.alert_id}")
    assert "should not be saved" not in page.content()


def test_no_page_makes_a_third_party_request(page, live):  # noqa: F811
    log_in(page, live)
    page.wait_for_url(re.compile(r"/ui/alerts$"))
    sha = live.case.evidence_sha256
    for path in [f"/ui/alerts/{live.case.alert_id}", f"/ui/evidence/{sha}", f"/ui/evidence/{sha}/raw",
                 "/ui/lang/zh?next=/ui/alerts", f"/ui/alerts/{live.case.alert_id}"]:
        page.goto(f"{live.url}{path}")
        page.wait_for_load_state("networkidle")
    page.locator("#evidence-list .verify-button").first.click()  # an htmx request
    page.locator("#evidence-list .verify-out .verify").wait_for()
    assert "未被改动" in page.locator("#evidence-list .verify-out").inner_text()
    page.goto(f"{live.url}/ui/logout")
    page.click("main form button")
    page.wait_for_url(re.compile(r"/ui/login"))
    def host(url: str) -> str | None:
        return urlparse(url).hostname

    # the workspace's own pages and assets: only 127.0.0.1 answered anything
    assert {host(u) for u in live.finished} == {"127.0.0.1"}
    # the stored seller page names a CDN stylesheet, an image and a tracker: Chromium blocked each by the
    # sandbox's CSP before sending it ("csp"), and the tracker script was not even requested (no scripts run)
    elsewhere = {u: live.failed.get(u) for u in live.requests if host(u) not in ("127.0.0.1", None)}
    assert elsewhere == {"https://cdn.shop.example/site.css": "csp", "https://img.shop.example/mask.jpg": "csp"}
    assert any(u.endswith(f"/ui/evidence/{sha}/page") for u in live.requests)  # the stored page was shown
    assert any(u.endswith("/ui/static/uPlot.iife.min.js") for u in live.requests)
