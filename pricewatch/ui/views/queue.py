"""The alert queue (``GET /ui/alerts``) and its bulk actions (``POST /ui/alerts/bulk``, confirmed first).

Filters arrive as query parameters — ``status``, ``severity``, ``platform``, ``category``, ``rule``, ``emergency``
(each repeatable), ``seller``, ``since``/``until`` (days ``YYYY-MM-DD`` in the display zone), ``new=1`` (detected
since the reviewer's previous visit), ``sort``, ``page``, ``per_page`` — so a filtered queue is a URL one can
bookmark or mail. Rows and counts come from :mod:`pricewatch.alerts.queue`.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from analysis.presets import load_presets
from pricewatch.alerts.queue import (
    DEFAULT_SORT,
    SEVERITIES,
    SORTS,
    STATUSES,
    AlertFilter,
    alert_page,
    day_bounds,
    facet_counts,
)
from pricewatch.alerts.review import BULK_ACTIONS, ReviewRefused, bulk_review
from pricewatch.store.models import Alert, Listing, Platform
from pricewatch.ui.render import render
from pricewatch.ui.session import require_csrf, require_reviewer, safe_next

router = APIRouter(include_in_schema=False)
PER_PAGE = (25, 50, 100, 200)
BULK_LIMIT = 500  # alerts one confirmation may act on


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def read_filter(request: Request) -> tuple[AlertFilter, dict]:
    """The queue's filter from the query string, and the raw selections (for the form and the facet links)."""
    q = request.query_params
    session = request.state.review_session
    tz = request.app.state.pricewatch_db.settings.timezone
    since, until = _day(q.get("since")), _day(q.get("until"))
    lo, hi = day_bounds(since, until, tz)
    raw = {
        "status": [v for v in q.getlist("status") if v in STATUSES],
        "severity": [v for v in q.getlist("severity") if v in SEVERITIES],
        "platform": [v for v in q.getlist("platform") if v][:50],
        "category": [v for v in q.getlist("category") if v][:50],
        "rule": [v for v in q.getlist("rule") if v][:50],
        "emergency": [v for v in q.getlist("emergency") if v][:50],
        "seller": (q.get("seller") or "").strip()[:128],
        "since": since.isoformat() if since else "", "until": until.isoformat() if until else "",
        "new": "1" if q.get("new") == "1" else "",
    }
    f = AlertFilter(statuses=tuple(raw["status"]), severities=tuple(raw["severity"]),
                    platforms=tuple(raw["platform"]), categories=tuple(raw["category"]), rules=tuple(raw["rule"]),
                    emergencies=tuple(raw["emergency"]), seller=raw["seller"] or None, since=lo, until=hi,
                    new_since=session.previous_visit_at, only_new=bool(raw["new"]))
    return f, raw


def _query(raw: dict, **changes: object) -> str:
    """The query string of ``raw`` with ``changes`` (a list value replaces, None removes)."""
    merged = {**raw, **changes}
    pairs = []
    for name, value in merged.items():
        if value in (None, "", []):
            continue
        for item in value if isinstance(value, list) else [value]:
            pairs.append((name, item))
    return urlencode(pairs)


def _queue_data(db, f: AlertFilter, sort: str, page: int, per_page: int):  # noqa: ANN001, ANN202
    with db.session() as s:
        rows = alert_page(s, f, sort=sort, page=page, per_page=per_page)
        facets = facet_counts(s, f)
    return rows, facets


@router.get("/ui/alerts", response_class=HTMLResponse)
async def queue_page(request: Request, _reviewer=Depends(require_reviewer)) -> HTMLResponse:
    db = request.app.state.pricewatch_db
    f, raw = read_filter(request)
    q = request.query_params
    sort = q.get("sort") if q.get("sort") in SORTS else DEFAULT_SORT
    per_page = int(q.get("per_page")) if (q.get("per_page") or "").isdigit() and int(q.get("per_page")) in PER_PAGE \
        else 50
    page = max(1, min(int(q.get("page")) if (q.get("page") or "").isdigit() else 1, 100_000))
    rows, facets = await run_in_threadpool(_queue_data, db, f, sort, page, per_page)
    pages = max(1, -(-facets.total // per_page))
    raw_sorted = {**raw, "sort": sort if sort != DEFAULT_SORT else "", "per_page": str(per_page) if per_page != 50
                  else ""}
    return render(request, "queue.html", rows=rows, facets=facets, raw=raw, sort=sort, sorts=list(SORTS),
                  page=page, pages=pages, per_page=per_page, per_page_choices=PER_PAGE,
                  query=lambda **c: _query(raw_sorted, **c), statuses=STATUSES, severities=SEVERITIES,
                  previous_visit=request.state.review_session.previous_visit_at, bulk_actions=BULK_ACTIONS,
                  presets=load_presets())


def _bulk_rows(db, ids: list[int]) -> list[dict]:  # noqa: ANN001
    with db.session() as s:
        return [dict(r._mapping) for r in s.execute(
            select(Alert.id, Alert.status, Alert.severity, Alert.increase_pct, Platform.name.label("platform"),
                   Listing.listing_key.label("listing_id"), Listing.title)
            .join(Listing, Listing.id == Alert.listing_id).join(Platform, Platform.id == Listing.platform_id)
            .where(Alert.id.in_(ids)).order_by(Alert.id))]


@router.post("/ui/alerts/bulk", response_class=HTMLResponse)
async def bulk(request: Request, form: dict = Depends(require_csrf)) -> HTMLResponse:
    """Step 1 (no ``confirmed``): show what would be done to which alerts. Step 2 (``confirmed=1``): do it."""
    db = request.app.state.pricewatch_db
    principal = request.state.review_session.principal
    action = (form.get("action") or [""])[0]
    reason = (form.get("reason") or [""])[0].strip()
    back = safe_next((form.get("back") or ["/ui/alerts"])[0])
    ids = sorted({int(v) for v in form.get("ids", []) if v.isdigit()})[:BULK_LIMIT]
    error = None
    if action not in BULK_ACTIONS:
        error = "bulk.choose_action"
    elif not ids:
        error = "bulk.choose_alerts"
    elif action == "dismiss" and not reason:
        error = "action.reason_required"
    rows = await run_in_threadpool(_bulk_rows, db, ids) if ids else []
    if error or (form.get("confirmed") or [""])[0] != "1":
        return render(request, "confirm.html", status_code=422 if error else 200, action=action, reason=reason,
                      rows=rows, back=back, error=error)
    try:
        done = await run_in_threadpool(bulk_review, db, ids, action, reason or None, principal.actor)
    except ReviewRefused as refused:
        return render(request, "confirm.html", status_code=422, action=action, reason=reason, rows=rows, back=back,
                      error=refused.key)
    sep = "&" if "?" in back else "?"
    return RedirectResponse(f"{back}{sep}{urlencode({'done': action, 'n': done})}", status_code=303)
