"""Log in, log out, and the language switch (``/ui/login``, ``/ui/logout``, ``/ui/lang/{code}``)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from pricewatch.ui.i18n import LANG_COOKIE, LANGUAGES
from pricewatch.ui.render import render
from pricewatch.ui.session import (
    COOKIE,
    LoginRefused,
    current_session,
    end_session,
    open_session,
    require_csrf,
    safe_next,
    same_origin,
    secure_cookie,
    session_hours,
)

router = APIRouter(include_in_schema=False)


@router.get("/ui", response_class=HTMLResponse)
@router.get("/ui/", response_class=HTMLResponse)
def home(request: Request) -> RedirectResponse:
    return RedirectResponse("/ui/alerts" if current_session(request) else "/ui/login", status_code=303)


@router.get("/ui/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None) -> HTMLResponse:  # noqa: A002
    if current_session(request):
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "login.html", next=safe_next(next), error=None)


@router.post("/ui/login", response_class=HTMLResponse)
async def login(request: Request) -> HTMLResponse:
    db = request.app.state.pricewatch_db
    form = await request.form()
    next_path = safe_next(str(form.get("next") or ""))
    if not same_origin(request):
        return render(request, "login.html", status_code=403, next=next_path, error="login.cross_origin")
    key = str(form.get("key") or "")
    try:
        token, _session = await run_in_threadpool(open_session, db, key)
    except LoginRefused as refused:
        error = "login.not_reviewer" if refused.reason == "role" else "login.invalid"
        return render(request, "login.html", status_code=403 if refused.reason == "role" else 401,
                      next=next_path, error=error, role=refused.role)
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(COOKIE, token, max_age=int(session_hours(db) * 3600), path="/ui", httponly=True,
                        secure=secure_cookie(db), samesite="lax")
    return response


@router.get("/ui/logout", response_class=HTMLResponse)
def logout_page(request: Request) -> HTMLResponse:
    """A confirmation form (logging out changes state, so it is a CSRF-protected POST)."""
    if current_session(request) is None:
        return RedirectResponse("/ui/login", status_code=303)
    return render(request, "logout.html")


@router.post("/ui/logout")
async def logout(request: Request, _form: dict = Depends(require_csrf)) -> RedirectResponse:
    db = request.app.state.pricewatch_db
    await run_in_threadpool(end_session, db, request.cookies.get(COOKIE))
    response = RedirectResponse("/ui/login?bye=1", status_code=303)
    response.delete_cookie(COOKIE, path="/ui", httponly=True, secure=secure_cookie(db), samesite="lax")
    return response


@router.get("/ui/lang/{code}")
def switch_language(request: Request, code: str, next: str | None = None) -> RedirectResponse:  # noqa: A002
    """A display preference in a cookie (no stored data changes)."""
    response = RedirectResponse(safe_next(next), status_code=303)
    if code in LANGUAGES:
        response.set_cookie(LANG_COOKIE, code, max_age=365 * 86400, path="/ui", samesite="lax",
                            secure=secure_cookie(request.app.state.pricewatch_db))
    return response
