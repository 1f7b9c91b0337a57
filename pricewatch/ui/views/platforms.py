"""Platforms and their pledges: ``GET /ui/platforms`` (every platform's compliance figures) and
``GET /ui/platforms/{name}`` (one platform: its pledge, deadline, figures, and the alerts overdue or awaiting an
answer). Figures from :func:`pricewatch.enforcement.compliance.compliance` — the function ``pricewatch
compliance``, the digest and the demo call — at a stated clock: ``?as_of=`` (a date: the end of that day in the
display zone; an ISO 8601 instant), default now. The page says which instant it used."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from pricewatch.enforcement.compliance import alert_standing, compliance, records, resolve_as_of
from pricewatch.instants import parse_when
from pricewatch.store.models import Alert, Listing, Platform
from pricewatch.ui import PageNotFound
from pricewatch.ui.render import render
from pricewatch.ui.session import require_reviewer

router = APIRouter(include_in_schema=False)
PENDING_SHOWN = 200


def _clock(text: str | None, tz: str):  # noqa: ANN202
    """(clock, error): the ``as_of`` query value resolved, or now with the parse error's message."""
    if not text:
        return resolve_as_of(None, tz), None
    try:
        return resolve_as_of(parse_when(text), tz), None
    except ValueError as exc:
        return resolve_as_of(None, tz), str(exc)


@router.get("/ui/platforms", response_class=HTMLResponse)
async def platforms(request: Request, as_of: str | None = Query(None, max_length=40),
                    _reviewer=Depends(require_reviewer)) -> HTMLResponse:
    db = request.app.state.pricewatch_db
    clock, error = _clock(as_of, db.settings.timezone)
    frame = await run_in_threadpool(compliance, db, clock)
    return render(request, "platforms.html", rows=records(frame), clock=clock.to_pydatetime(),
                  as_of=as_of or "", as_of_error=error)


def _platform(db, name: str, clock):  # noqa: ANN001, ANN202
    frame = compliance(db, clock, platforms=[name])
    if frame.empty:
        return None
    alerts, _, _ = alert_standing(db, clock, platforms=[name])
    pending = alerts[alerts["overdue"] | alerts["awaiting"]].sort_values(["due_at", "alert_id"])
    more = max(0, len(pending) - PENDING_SHOWN)
    pending = pending.head(PENDING_SHOWN)  # most overdue first; the queue has the rest
    with db.session() as s:
        platform = s.scalar(select(Platform).where(Platform.name == name))
        s.expunge(platform)
        ids = [int(i) for i in pending["alert_id"]]
        details = {i: (key, title, severity) for i, key, title, severity in s.execute(
            select(Alert.id, Listing.listing_key, Listing.title, Alert.severity)
            .join(Listing, Listing.id == Alert.listing_id).where(Alert.id.in_(ids)))} if ids else {}
    rows = []
    for r in pending.itertuples(index=False):
        key, title, severity = details[int(r.alert_id)]
        rows.append({"alert_id": int(r.alert_id), "listing_id": key, "title": title, "severity": severity,
                     "notified_at": r.notified_at.to_pydatetime(),
                     "due_at": None if r.due_at != r.due_at else r.due_at.to_pydatetime(),
                     "overdue": bool(r.overdue)})
    return {"platform": platform, "figures": records(frame)[0], "pending": rows, "more": more}


@router.get("/ui/platforms/{name}", response_class=HTMLResponse)
async def platform_page(request: Request, name: str, as_of: str | None = Query(None, max_length=40),
                        _reviewer=Depends(require_reviewer)) -> HTMLResponse:
    db = request.app.state.pricewatch_db
    clock, error = _clock(as_of, db.settings.timezone)
    data = await run_in_threadpool(_platform, db, name, clock)
    if data is None:
        raise PageNotFound(f"platform {name}")
    return render(request, "platform.html", clock=clock.to_pydatetime(), as_of=as_of or "", as_of_error=error,
                  **data)
