"""``POST /v1/warnings`` and ``GET /v1/warnings`` (regulators): formal warnings (告诫) to sellers."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from pricewatch.api.roles import requirer
from pricewatch.errors import NotFound
from pricewatch.keys import Principal
from pricewatch.store.engine import Database

_ERR = {"description": "error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}}


class WarningIn(BaseModel):
    alert_id: int | None = Field(default=None, ge=1, le=2**31 - 1, description="warn on this violation's seller")
    platform: str | None = Field(default=None, max_length=64, description="with seller_id: warn a seller")
    seller_id: str | None = Field(default=None, max_length=128, description="the platform's seller id")
    note: str | None = Field(default=None, max_length=4000, description="the warning's text or reference")
    correct_within_hours: float = Field(default=72, gt=0, le=24 * 365,
                                        description="time the seller has to correct before rules needing a prior "
                                                    "warning apply")


def warnings_router(db: Database) -> APIRouter:
    router = APIRouter()
    require = requirer(db)

    @router.post("/v1/warnings", status_code=201, summary="A regulator issues a formal warning (告诫) to a seller",
                 responses={400: _ERR, 401: _ERR, 403: _ERR, 404: _ERR, 413: _ERR, 422: _ERR})
    def warn(body: WarningIn, p: Principal = Depends(require("regulator"))):  # noqa: ANN202
        from pricewatch.enforcement.warnings import issue_warning

        if (body.alert_id is None) == (body.seller_id is None) or (body.seller_id is not None and not body.platform):
            raise HTTPException(400, "give either alert_id, or platform and seller_id")
        try:
            warning = issue_warning(db, alert_id=body.alert_id, platform=body.platform, seller_id=body.seller_id,
                                    note=body.note, correct_within_hours=body.correct_within_hours, actor=p.actor)
        except NotFound as exc:
            raise HTTPException(404, str(exc)) from None
        return JSONResponse({"id": warning.id, "issued_at": warning.issued_at.isoformat().replace("+00:00", "Z"),
                             "correct_by": warning.correct_by.isoformat().replace("+00:00", "Z")}, status_code=201)

    @router.get("/v1/warnings", summary="Formal warnings issued (regulators)", responses={401: _ERR, 403: _ERR})
    def list_warnings(_p: Principal = Depends(require("regulator"))) -> dict:
        from pricewatch.api.app import _records
        from pricewatch.enforcement.warnings import warnings_frame

        return {"warnings": _records(warnings_frame(db))}

    return router
