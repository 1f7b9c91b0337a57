"""Browser fixtures for the review workspace: the real app served on 127.0.0.1 (uvicorn in a thread), Debian's
Chromium driven by Playwright (``executable_path``; Playwright's own browser download cannot reach the network
here), and a record of every request a page makes. A missing Chromium fails the tests, it never skips them.

Use: ``from ui_browser import browser, live, page  # noqa: F401`` in a test module.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from ui_seed import Case, seed_case

from pricewatch.api.serve import serve_api
from pricewatch.config import load_settings
from pricewatch.store import open_database

CHROMIUM = os.environ.get("PRICEWATCH_CHROMIUM", "/usr/bin/chromium")


@dataclass
class Live:
    url: str
    db: object
    case: Case
    requests: list[str] = field(default_factory=list)  # every request the page started
    finished: list[str] = field(default_factory=list)  # requests that got a response
    failed: dict[str, str] = field(default_factory=dict)  # url → Chromium's failure reason ("csp": never sent)


@pytest.fixture(scope="module")  # closed with its module: Playwright's sync API keeps an event loop running
def browser():  # noqa: ANN201
    from playwright.sync_api import sync_playwright

    path = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    if not path:
        pytest.fail(f"Chromium not found at {CHROMIUM} (apt-get install chromium); the UI tests need a real browser")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=path, args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield chromium
        chromium.close()


@pytest.fixture
def live(workdir, database_url) -> Iterator[Live]:  # noqa: ANN001
    """The seeded case served by the real application on a free port of 127.0.0.1 (webhooks to 127.0.0.1 allowed).

    Cookies: Chromium keeps ``Secure`` cookies for http://127.0.0.1 (a trustworthy origin), so the production
    cookie settings are used unchanged."""
    (workdir / "pricewatch.toml").write_text('[webhooks]\nallow_private = ["127.0.0.1"]\n', encoding="utf-8")
    db = open_database(load_settings(), url=database_url)
    case = seed_case(db)
    with serve_api(db) as url:
        yield Live(url, db, case)
    db.engine.dispose()


@pytest.fixture
def page(browser, live):  # noqa: ANN001, ANN201
    """A fresh browser context (no cookies) whose requests are recorded in ``live`` (started, finished, failed)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.on("request", lambda request: live.requests.append(request.url))
    context.on("requestfinished", lambda request: live.finished.append(request.url))
    context.on("requestfailed", lambda request: live.failed.__setitem__(request.url, request.failure))
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


def log_in(page, live: Live, role: str = "regulator") -> None:  # noqa: ANN001
    page.goto(f"{live.url}/ui/login")
    page.fill("#key", live.case.keys[role])
    page.click("button[type=submit]")


__all__ = ["CHROMIUM", "Live", "browser", "live", "log_in", "page"]
