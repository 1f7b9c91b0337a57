"""Public reports over HTTP. Keyless for the public; regulators (and, without private fields, analysts and
platforms) read them.

- ``GET /v1/reports/challenge`` (no key): a proof-of-work challenge (``pricewatch.reports.throttle``);
- ``POST /v1/reports`` (no key): JSON ``url``, ``price``, ``currency``, optional ``observed_at``, ``note``,
  ``image``, ``contact`` and ``proof`` → ``201 {"receipt": "…"}``; 400 names the refused field, 413 over
  ``[reports] max_body_bytes``, 429 (``Retry-After``) over a rate limit;
- ``GET /v1/reports/{receipt}`` (no key): ``{"status": …}`` and nothing else — not the listing, not other reports;
- ``GET /v1/reports`` (regulator, analyst, platform): the reports; ``note`` and ``contact`` for regulators only, a
  platform sees its own listings' reports;
- ``GET /v1/reports/{report_id}/image`` (regulator): the stored (metadata-free) image.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from pricewatch.api.roles import requirer
from pricewatch.keys import Principal
from pricewatch.reports.intake import (
    STATUSES,
    ReportIn,
    ReportRefused,
    ReportSettings,
    file_report,
    report_status,
)
from pricewatch.reports.throttle import ProofRefused, Throttled, client_key, issue_challenge
from pricewatch.store.engine import Database
from pricewatch.store.models import PublicReport, ReportImage

_ERR = {"description": "error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}}
REPORT_BODY = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": ReportIn.model_json_schema(ref_template="#/components/schemas/{model}")}}}}


def _throttled(exc: Throttled) -> JSONResponse:
    return JSONResponse({"error": {"status": 429, "message": str(exc)}}, status_code=429,
                        headers={"Retry-After": str(exc.retry_after)})


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def reports_router(db: Database) -> APIRouter:
    router = APIRouter()
    require = requirer(db)

    @router.get("/v1/reports/challenge", summary="A proof-of-work challenge for one public report (no key)",
                responses={429: _ERR})
    def challenge(request: Request) -> dict:
        settings = ReportSettings.of(db)
        try:
            return issue_challenge(db, client_key(_address(request), settings.address_salt),
                                   bits=settings.proof_bits, minutes=settings.challenge_minutes,
                                   per_minute=settings.challenges_per_minute)
        except Throttled as exc:
            return _throttled(exc)

    @router.post("/v1/reports", status_code=201, summary="Report a listing's price (the public; no key)",
                 openapi_extra=REPORT_BODY,
                 responses={201: {"description": "received", "content": {"application/json": {"schema": {
                     "type": "object", "properties": {"receipt": {"type": "string"}, "status": {"enum": list(STATUSES)}},
                     "required": ["receipt"]}}}},
                     400: _ERR, 413: _ERR, 422: _ERR, 429: _ERR})
    async def post_report(request: Request):  # noqa: ANN202
        settings = ReportSettings.of(db)
        body = await request.body()
        if len(body) > settings.max_body_bytes:
            raise HTTPException(413, f"report over {settings.max_body_bytes:,} bytes (images: at most "
                                     f"{settings.max_image_bytes:,} bytes)")
        try:
            report = ReportIn.model_validate_json(body or b"{}")
        except ValidationError as exc:
            first = exc.errors()[0] if exc.errors() else {}
            where = ".".join(str(p) for p in first.get("loc", ())) or "body"
            raise HTTPException(422, f"{where}: {first.get('msg', 'invalid report')}"[:300]) from None
        try:
            receipt, status = await run_in_threadpool(file_report, db, report, _address(request), settings)
        except (ReportRefused, ProofRefused) as exc:
            raise HTTPException(400, str(exc)) from None
        except Throttled as exc:
            return _throttled(exc)
        return JSONResponse({"receipt": receipt, "status": status}, status_code=201)

    @router.get("/v1/reports/{receipt}", summary="A report's status, by its receipt (no key)",
                responses={404: _ERR, 422: _ERR})
    def get_status(receipt: str = Path(min_length=4, max_length=40)) -> dict:
        status = report_status(db, receipt)
        if status is None:
            raise HTTPException(404, "no report with this receipt")
        return {"status": status}

    @router.get("/v1/reports", summary="Public reports (contact details for regulators only)",
                responses={401: _ERR, 403: _ERR, 422: _ERR})
    def list_reports(status: str | None = Query(None, pattern="^(" + "|".join(STATUSES) + ")$"),
                     limit: int = Query(100, ge=1, le=1000),
                     p: Principal = Depends(require("regulator", "analyst", "platform"))) -> dict:
        from pricewatch.api.app import _records
        from pricewatch.reports.listing import reports_frame

        regulator = p.role in ("regulator", "admin")
        frame = reports_frame(db, status=status, limit=limit, with_private=regulator,
                              platform=p.platform if p.role == "platform" else None)
        return {"reports": _records(frame)}

    @router.get("/v1/reports/{report_id}/image", summary="A report's image (regulators)",
                responses={401: _ERR, 403: _ERR, 404: _ERR, 422: _ERR},
                response_class=Response)
    def report_image(report_id: int = Path(ge=1, le=2**31 - 1), _p: Principal = Depends(require("regulator"))):  # noqa: ANN202
        with db.session() as s:
            report = s.get(PublicReport, report_id)
            image = s.get(ReportImage, report.image_sha256) if report and report.image_sha256 else None
            if image is None:
                raise HTTPException(404, f"no image for report {report_id}")
            return Response(image.data, media_type=image.content_type,
                            headers={"Content-Disposition": f'inline; filename="report-{report_id}"',
                                     "X-Content-Type-Options": "nosniff"})

    return router


__all__ = ["reports_router"]
