"""Case bundle downloads from the workspace: ``POST /ui/alerts/{id}/case`` and ``POST /ui/sellers/{id}/case``
(CSRF-checked forms: an export is recorded in the audit log with who and when). The ZIP is the one ``pricewatch case
export`` writes (:mod:`pricewatch.cases`), with the reviewer as the extraction record's operator."""

from __future__ import annotations

import tempfile
from pathlib import Path as FilePath

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from pricewatch.cases import CaseError, export_alert_case, export_seller_case
from pricewatch.enforcement.entity import entity_of
from pricewatch.errors import NotFound
from pricewatch.ui import PageNotFound
from pricewatch.ui.session import require_csrf

router = APIRouter(include_in_schema=False)
MAX_ID = 2**31 - 1


def _zip(write, name: str) -> bytes:  # noqa: ANN001
    with tempfile.TemporaryDirectory(prefix="pricewatch-case-") as folder:
        target = FilePath(folder) / name
        write(target)
        return target.read_bytes()


def _download(data: bytes, name: str) -> Response:
    return Response(data, media_type="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store",
                             "X-Content-Type-Options": "nosniff"})


@router.post("/ui/alerts/{alert_id}/case")
async def alert_case(request: Request, alert_id: int = Path(ge=1, le=MAX_ID),
                     _form: dict = Depends(require_csrf)) -> Response:
    db = request.app.state.pricewatch_db
    operator = request.state.review_session.principal.actor
    name = f"case-alert-{alert_id}.zip"
    try:
        data = await run_in_threadpool(_zip, lambda t: export_alert_case(db, alert_id, t, operator=operator), name)
    except CaseError as exc:
        if str(exc).startswith("no alert"):
            raise PageNotFound(f"alert {alert_id}") from None
        raise
    return _download(data, name)


@router.post("/ui/sellers/{seller_db_id}/case")
async def seller_case(request: Request, seller_db_id: int = Path(ge=1, le=MAX_ID),
                      _form: dict = Depends(require_csrf)) -> Response:
    db = request.app.state.pricewatch_db
    operator = request.state.review_session.principal.actor
    try:
        entity = await run_in_threadpool(entity_of, db, seller_db_id)
    except NotFound:
        raise PageNotFound(f"seller {seller_db_id}") from None
    account = entity.accounts[entity.accounts["seller_db_id"] == seller_db_id].iloc[0]
    name = f"case-seller-{account['platform']}-{account['seller_id']}.zip".replace("/", "_").replace('"', "_")
    data = await run_in_threadpool(
        _zip, lambda t: export_seller_case(db, account["platform"], account["seller_id"], t, operator=operator), name)
    return _download(data, name)
