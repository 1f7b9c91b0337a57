"""Sellers: the index (``GET /ui/sellers``, search by id, licence or name) and one legal entity across platforms
(``GET /ui/sellers/{id}``): its accounts, listings, alerts with each platform's answer, and the ``seller.flagged``
events of joint enforcement. Data from :mod:`pricewatch.enforcement.entity` (the seller case bundle reads the same
function). ``POST /ui/sellers/{id}/case`` downloads the seller's case bundle (views/cases.py)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from pricewatch.enforcement.entity import entity_of, seller_index
from pricewatch.errors import NotFound
from pricewatch.ui import PageNotFound
from pricewatch.ui.render import render
from pricewatch.ui.session import require_reviewer

router = APIRouter(include_in_schema=False)
MAX_ID = 2**31 - 1


def _records(frame):  # noqa: ANN001, ANN202
    """Rows for a template: missing values (NaN, NaT, <NA>) as None."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


@router.get("/ui/sellers", response_class=HTMLResponse)
async def sellers(request: Request, q: str | None = Query(None, max_length=200),
                  _reviewer=Depends(require_reviewer)) -> HTMLResponse:
    db = request.app.state.pricewatch_db
    rows = await run_in_threadpool(seller_index, db, q)
    return render(request, "sellers.html", rows=_records(rows), q=q or "")


def _entity(db, seller_db_id: int):  # noqa: ANN001, ANN202
    try:
        return entity_of(db, seller_db_id)
    except NotFound:
        return None


@router.get("/ui/sellers/{seller_db_id}", response_class=HTMLResponse)
async def seller_page(request: Request, seller_db_id: int = Path(ge=1, le=MAX_ID),
                      _reviewer=Depends(require_reviewer)) -> HTMLResponse:
    db = request.app.state.pricewatch_db
    entity = await run_in_threadpool(_entity, db, seller_db_id)
    if entity is None:
        raise PageNotFound(f"seller {seller_db_id}")
    by_platform = []
    for platform in entity.platforms:
        by_platform.append({
            "platform": platform,
            "accounts": _records(entity.accounts[entity.accounts["platform"] == platform]),
            "listings": _records(entity.listings[entity.listings["platform"] == platform]),
            "alerts": _records(entity.alerts[entity.alerts["platform"] == platform]),
            "flagged": _records(entity.flagged[entity.flagged["platform"] == platform]),
        })
    answers = {}
    for row in _records(entity.alerts):
        counts = answers.setdefault(row["platform"], {"alerts": 0, "delisted": 0, "disputed": 0, "warned": 0,
                                                      "unanswered": 0})
        counts["alerts"] += 1
        counts[row["response"] if row["response"] in counts else "unanswered"] += 1
    return render(request, "seller.html", entity=entity, by_platform=by_platform, answers=answers,
                  accounts=_records(entity.accounts), flagged=_records(entity.flagged))
