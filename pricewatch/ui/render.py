"""Rendering pages: one Jinja2 environment, the helpers every template gets, and the UI's response headers.

Every template receives: ``t`` (the translator), ``lang``, ``tz``, ``when(dt)`` (``2020-02-16 09:30 UTC+08:00``),
``day(dt)``, ``money(amount, currency)``, ``unit_money(amount, currency)``, ``pct(x)``, ``reviewer`` (the
Principal, None on the login page), ``csrf_token``, ``csrf_field()`` (the hidden input every POST form carries),
``path`` (this page's path with its query), ``static(name)`` and ``nav`` (the navigation entries).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from pricewatch.ui import display
from pricewatch.ui.i18n import LANG_COOKIE, Translator, request_language
from pricewatch.ui.session import current_session

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"

# The workspace's own pages: scripts and styles from /ui/static only, frames only from /ui/ (the evidence viewer),
# forms post only here. No third-party origin appears anywhere.
PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "font-src 'self'; connect-src 'self'; frame-src 'self'; frame-ancestors 'self'; form-action 'self'; "
            "base-uri 'none'; object-src 'none'")
PAGE_HEADERS = {"Content-Security-Policy": PAGE_CSP, "X-Content-Type-Options": "nosniff",
                "Referrer-Policy": "same-origin", "Cache-Control": "no-store", "X-Frame-Options": "SAMEORIGIN"}

# Navigation: (endpoint path, catalogue key). Pages added by other parts of the UI append here (ui-skeleton.md).
NAV: list[tuple[str, str]] = [("/ui/alerts", "nav.queue"), ("/ui/sellers", "nav.sellers"),
                              ("/ui/platforms", "nav.platforms")]

environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]),
                          trim_blocks=True, lstrip_blocks=True)


def language(request: Request) -> str:
    db = request.app.state.pricewatch_db
    return request_language(request.cookies.get(LANG_COOKIE), db.settings.language)


def context(request: Request) -> dict:
    """The helpers every template gets (see the module docstring)."""
    db = request.app.state.pricewatch_db
    lang = language(request)
    tz = db.settings.timezone
    t = Translator(lang)
    session = current_session(request)
    token = session.csrf_token if session else ""
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return {
        "t": t, "lang": lang, "tz": tz, "request": request, "path": path,
        "when": lambda v, seconds=False: display.instant(v, tz, seconds=seconds),
        "day": lambda v: display.day(v, tz),
        "money": lambda amount, currency: display.money(amount, currency, lang),
        "unit_money": lambda amount, currency: display.money(amount, currency, lang, unit_price=True),
        "pct": lambda v: display.percent(v, lang),
        "reviewer": session.principal if session else None,
        "csrf_token": token,
        "csrf_field": lambda: Markup(f'<input type="hidden" name="csrf" value="{escape(token)}">'),
        "static": lambda name: f"/ui/static/{name}",
        "nav": NAV,
        "offset": display.offset_text,
    }


def render(request: Request, template: str, status_code: int = 200, **values: object) -> HTMLResponse:
    """Render ``templates/<template>`` with the common helpers plus ``values``; the UI's security headers set."""
    page = environment.get_template(template).render(**context(request), **values)
    return HTMLResponse(page, status_code=status_code, headers=PAGE_HEADERS)


__all__ = ["NAV", "PAGE_HEADERS", "context", "environment", "language", "render"]
