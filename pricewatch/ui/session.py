"""Reviewers' browser sessions: log in with an API key, a session cookie, CSRF tokens, and who may see ``/ui/``.

Contract (DESIGN.md § Web UI): ``POST /ui/login`` with form field ``key`` — an API key whose role is ``regulator``
or ``admin`` — opens a session and redirects to the queue. The cookie ``pw_session`` holds a random token
(``Secure``, ``HttpOnly``, ``SameSite=Lax``); the database keeps only its SHA-256 (``ui_session``). A session lasts
``[ui] session_hours`` (default 12) and ends at logout; revoking the API key ends it at the next request. Without
a live session every ``/ui/`` page answers a redirect to the login page and shows no data.

CSRF: every state-changing request carries the session's synchronizer token (form field ``csrf`` or header
``X-CSRF-Token``), compared in constant time, and a browser's ``Origin`` header, when sent, must be this host.
``POST /ui/login`` has no session yet: it is protected by the ``Origin`` check (scripts that send no Origin can log
in with the bare ``key`` field, as the contract says).

Why not Starlette's SessionMiddleware: its signed cookie cannot be revoked at logout or when a key is revoked, and
the queue needs the key's previous visit, which lives in the database anyway.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi import Request
from sqlalchemy import func, select, update

from pricewatch.keys import Principal, authenticate
from pricewatch.store.engine import Database
from pricewatch.store.models import ApiKey, AuditLog, Platform, UiSession, utcnow

COOKIE = "pw_session"
REVIEWER_ROLES = ("regulator", "admin")
TOUCH_EVERY = timedelta(minutes=1)  # last_seen_at is written at most once a minute per session


class LoginRequired(Exception):
    """No live session: the UI answers with a redirect to the login page (``next`` = where the user was going)."""

    def __init__(self, next_path: str = "/ui/alerts"):
        super().__init__(next_path)
        self.next_path = next_path


class CsrfRefused(Exception):
    """A state-changing request without the session's CSRF token, or from another origin (answered 403)."""


class LoginRefused(Exception):
    """The presented key is unknown, revoked, or not a reviewer's (``reason``: ``invalid`` or ``role``)."""

    def __init__(self, reason: str, role: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.role = role


@dataclass(frozen=True)
class ReviewSession:
    """The live session behind a request: who (``principal``), its CSRF token, and the previous visit's time."""

    principal: Principal
    csrf_token: str
    previous_visit_at: datetime | None
    created_at: datetime


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def session_hours(db: Database) -> float:
    return float(db.settings.section("ui").get("session_hours", 12))


def secure_cookie(db: Database) -> bool:
    return bool(db.settings.section("ui").get("secure_cookie", True))


def open_session(db: Database, presented_key: str) -> tuple[str, ReviewSession]:
    """Check a presented API key and open a session; returns (cookie token, session). Audited either way."""
    principal = authenticate(db, presented_key.strip())
    now = utcnow()
    with db.session() as s:
        if principal is None or principal.role not in REVIEWER_ROLES:
            s.add(AuditLog(actor=principal.actor if principal else "anonymous", action="ui.login_refused",
                           target=f"key:{principal.key_id}" if principal else None,
                           detail={"reason": "role" if principal else "invalid"}))
            s.commit()
            raise LoginRefused("role" if principal else "invalid", principal.role if principal else None)
        previous = s.scalar(select(func.max(UiSession.last_seen_at)).where(UiSession.key_id == principal.key_id))
        token = secrets.token_urlsafe(32)
        row = UiSession(id=_digest(token), key_id=principal.key_id, csrf_token=secrets.token_urlsafe(32),
                        created_at=now, last_seen_at=now, expires_at=now + timedelta(hours=session_hours(db)),
                        previous_visit_at=previous)
        s.add(row)
        s.add(AuditLog(actor=principal.actor, action="ui.login", target=f"key:{principal.key_id}", detail=None))
        s.commit()
        return token, ReviewSession(principal, row.csrf_token, previous, now)


def find_session(db: Database, token: str | None) -> ReviewSession | None:
    """The live session for a cookie token (one query), or None when absent, expired, ended or its key revoked."""
    if not token:
        return None
    now = utcnow()
    with db.session() as s:
        found = s.execute(select(UiSession, ApiKey, Platform.name)
                          .join(ApiKey, ApiKey.id == UiSession.key_id)
                          .outerjoin(Platform, Platform.id == ApiKey.platform_id)
                          .where(UiSession.id == _digest(token))).first()
        if found is None:
            return None
        row, key, platform = found
        if row.ended_at is not None or row.expires_at <= now or key.revoked_at is not None \
                or key.role not in REVIEWER_ROLES:
            return None
        if now - row.last_seen_at >= TOUCH_EVERY:
            s.execute(update(UiSession).where(UiSession.id == row.id).values(last_seen_at=now))
            s.commit()
        principal = Principal(key.id, key.role, key.platform_id, platform, key.name)
        return ReviewSession(principal, row.csrf_token, row.previous_visit_at, row.created_at)


def end_session(db: Database, token: str | None) -> None:
    """Log out: the session ends now (kept, for the audit trail and the next "new since my last visit")."""
    if not token:
        return
    now = utcnow()
    with db.session() as s:
        row = s.get(UiSession, _digest(token))
        if row is None or row.ended_at is not None:
            return
        row.ended_at = now
        row.last_seen_at = now
        key = s.get(ApiKey, row.key_id)
        s.add(AuditLog(actor=f"key:{key.id}({key.role})", action="ui.logout", target=f"key:{key.id}", detail=None))
        s.commit()


def _database(request: Request) -> Database:
    return request.app.state.pricewatch_db


def current_session(request: Request) -> ReviewSession | None:
    cached = getattr(request.state, "review_session", None)
    if cached is None:
        cached = find_session(_database(request), request.cookies.get(COOKIE))
        request.state.review_session = cached
    return cached


def require_reviewer(request: Request) -> Principal:
    """FastAPI dependency for every ``/ui/`` page: the logged-in reviewer, or :class:`LoginRequired`.

    The session is then on ``request.state.review_session`` (CSRF token, previous visit)."""
    found = current_session(request)
    if found is None:
        path = request.url.path
        query = request.url.query
        raise LoginRequired(path + (f"?{query}" if query else "") if request.method == "GET" else "/ui/alerts")
    return found.principal


def same_origin(request: Request) -> bool:
    """A browser's Origin header (sent on every cross-site POST) names this host; absent (scripts) passes."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    host = request.headers.get("host", "")
    return origin.split("://", 1)[-1].rstrip("/") == host


async def require_csrf(request: Request) -> dict:
    """FastAPI dependency for every state-changing ``/ui/`` request: the reviewer must be logged in, the request
    must come from this origin and carry the session's CSRF token. Returns the submitted form as a dict of lists
    (``{"ids": ["1", "2"], "reason": ["…"]}``)."""
    require_reviewer(request)
    session = request.state.review_session
    form = await request.form()
    sent = form.get("csrf") or request.headers.get("x-csrf-token") or ""
    if not same_origin(request) or not hmac.compare_digest(str(sent), session.csrf_token):
        raise CsrfRefused("missing or wrong CSRF token")
    return {name: form.getlist(name) for name in form}


def safe_next(value: str | None) -> str:
    """Only a path inside the UI may be a post-login or post-action target (no open redirect)."""
    if value and value.startswith("/ui/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/ui/alerts"


__all__ = ["COOKIE", "CsrfRefused", "LoginRefused", "LoginRequired", "ReviewSession", "current_session",
           "end_session", "find_session", "open_session", "require_csrf", "require_reviewer", "safe_next",
           "same_origin"]
