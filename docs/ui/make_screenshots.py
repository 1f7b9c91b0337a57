"""Screenshots of the review workspace for the README and docs/ui.md (desktop 1280 px and phone 390 px wide).

    .venv/bin/python docs/ui/make_screenshots.py [OUT_DIR]     (default: docs/ui)

Builds a throw-away SQLite database with the browser tests' case (tests/ui_seed.py: the mask listing whose price
jumped, its evidence page, its seller on a second platform) plus 300 generated alerts, serves the real application
on 127.0.0.1, drives Debian's Chromium (/usr/bin/chromium) through Playwright and writes queue-*.png,
alert-*.png, evidence-*.png (English) and alert-desktop-zh.png (Chinese).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "docs" / "ui").resolve()
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="pw-shots-"))
    os.chdir(work)
    os.environ.pop("PRICEWATCH_CONFIG", None)
    from playwright.sync_api import sync_playwright
    from ui_seed import many_alerts, seed_case

    from pricewatch.alerts.review import add_note, request_recheck
    from pricewatch.api.serve import serve_api
    from pricewatch.config import load_settings
    from pricewatch.store import open_database
    from pricewatch.store.models import Alert

    db = open_database(load_settings(), url=f"sqlite:///{work / 'shots.db'}")
    case = seed_case(db)
    many_alerts(db, 300, platforms=3, sellers=40)
    with db.session() as s:
        alert = s.get(Alert, case.alert_id)
        add_note(s, alert, body="Called the seller's customer line: price confirmed, no cost documents offered.",
                 actor="key:1(regulator)")
        request_recheck(s, alert, actor="key:1(regulator)")
        s.commit()
    with serve_api(db) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        for size, viewport in SIZES.items():
            context = browser.new_context(viewport=viewport, device_scale_factor=1)
            page = context.new_page()
            page.goto(f"{url}/ui/login")
            page.fill("#key", case.keys["regulator"])
            page.click("button[type=submit]")
            page.wait_for_url("**/ui/alerts")
            page.goto(f"{url}/ui/alerts?sort=severity")
            page.screenshot(path=str(out / f"queue-{size}.png"))
            page.goto(f"{url}/ui/alerts/{case.alert_id}")
            page.wait_for_function("window.pwChart !== undefined")
            page.screenshot(path=str(out / f"alert-{size}.png"), full_page=True)
            page.goto(f"{url}/ui/evidence/{case.evidence_sha256}")
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(out / f"evidence-{size}.png"), full_page=size == "desktop")
            if size == "desktop":
                page.goto(f"{url}/ui/lang/zh?next=/ui/alerts/{case.alert_id}")
                page.wait_for_function("window.pwChart !== undefined")
                page.screenshot(path=str(out / "alert-desktop-zh.png"), full_page=True)
            context.close()
        browser.close()
    print("\n".join(sorted(str(f.relative_to(ROOT)) for f in out.glob("*.png"))))


if __name__ == "__main__":
    main()
