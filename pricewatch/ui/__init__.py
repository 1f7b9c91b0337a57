"""The regulators' review workspace: server-rendered pages under ``/ui/`` (FastAPI + Jinja2 + htmx).

Layout (after Datasette): ``views/`` small view modules over the same query functions the JSON API uses
(:mod:`pricewatch.alerts.queue`, :mod:`pricewatch.alerts.casefile`, :mod:`pricewatch.history`,
:mod:`pricewatch.evidence`), ``templates/`` one Jinja2 file per page, ``static/`` every asset the pages load (htmx,
uPlot, CSS, JS) — nothing from a CDN, so it works on an air-gapped network. ``session`` (login, CSRF, who may
see what), ``i18n`` (Chinese and English catalogues), ``display`` (times with their offset, money), ``render``.

:func:`mount_ui` adds it to the API application that ``pricewatch serve`` runs. How to add a page:
``/work/notes/ui-skeleton.md`` and ``docs/ui.md``.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from pricewatch.store.engine import Database
from pricewatch.ui.render import STATIC, render
from pricewatch.ui.session import CsrfRefused, LoginRequired


class PageNotFound(Exception):
    """A ``/ui/`` page for a record that does not exist: answered 404 with an HTML page."""


def mount_ui(app: FastAPI, db: Database) -> None:
    """Serve the workspace under ``/ui/`` from ``app`` (the JSON API's application)."""
    from pricewatch.ui.views import ROUTERS

    app.state.pricewatch_db = db
    app.mount("/ui/static", StaticFiles(directory=STATIC), name="ui-static")
    for router in ROUTERS:
        app.include_router(router)

    @app.exception_handler(LoginRequired)
    async def login_required(_request: Request, exc: LoginRequired) -> RedirectResponse:
        from urllib.parse import quote

        return RedirectResponse(f"/ui/login?next={quote(exc.next_path, safe='')}", status_code=303)

    @app.exception_handler(CsrfRefused)
    async def csrf_refused(request: Request, exc: CsrfRefused) -> HTMLResponse:
        return render(request, "error.html", status_code=403, code=403, message_key="error.csrf")

    # the API answers errors as JSON; a browser on a /ui/ page gets an HTML page in its language instead
    from fastapi.exceptions import RequestValidationError
    from starlette.exceptions import HTTPException as StarletteHTTPException

    for kind in (StarletteHTTPException, RequestValidationError):
        app.add_exception_handler(kind, _html_for_ui(app.exception_handlers.get(kind), kind))

    @app.exception_handler(PageNotFound)
    async def not_found(request: Request, exc: PageNotFound) -> HTMLResponse:
        return render(request, "error.html", status_code=404, code=404, message_key="error.not_found",
                      detail=str(exc))


def _html_for_ui(api_handler, kind):  # noqa: ANN001, ANN202
    """An exception handler: HTML error page under /ui/, the API's own (JSON) handler elsewhere."""

    async def handle(request: Request, exc: Exception):  # noqa: ANN202
        if request.url.path.startswith("/ui/") or api_handler is None:
            code = getattr(exc, "status_code", 422)
            key = {404: "error.not_found", 405: "error.method"}.get(code, "error.bad_request")
            return render(request, "error.html", status_code=code, code=code, message_key=key)
        return await api_handler(request, exc)

    return handle


__all__ = ["PageNotFound", "mount_ui"]
