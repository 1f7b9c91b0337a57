"""``GET /v1/reconciliation`` (regulators): crawled-vs-feed discrepancies and each platform's feed accuracy."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from starlette.concurrency import run_in_threadpool

from pricewatch.api.roles import requirer
from pricewatch.keys import Principal
from pricewatch.store.engine import Database

_ERR = {"description": "error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}}


def reconciliation_router(db: Database) -> APIRouter:
    router = APIRouter()
    require = requirer(db)

    @router.get("/v1/reconciliation", summary="Discrepancies between crawled pages and platform feeds (regulators)",
                responses={401: _ERR, 403: _ERR, 422: _ERR})
    async def reconciliation(platform: str | None = Query(None, max_length=64),
                             limit: int = Query(100, ge=1, le=10_000),
                             refresh: bool = Query(False, description="compare stored observations first"),
                             _p: Principal = Depends(require("regulator"))) -> dict:
        from pricewatch.api.app import _records
        from pricewatch.reconcile import accuracy_by_platform, discrepancies_frame, reconcile

        if refresh:
            await run_in_threadpool(reconcile, db)
        frame = await run_in_threadpool(lambda: discrepancies_frame(db, platform=platform, limit=limit))
        accuracy = await run_in_threadpool(accuracy_by_platform, db)
        if platform:
            accuracy = accuracy[accuracy["platform"] == platform]
        return {"rule": "the evidence-backed page wins: both observations are kept and detection judges the page's "
                        "price; the feed row never hides it (docs/reports.md)",
                "feed_accuracy": _records(accuracy), "discrepancies": _records(frame)}

    return router
