"""The HTTP API (FastAPI): platforms answer violations and push feeds; regulators and analysts read.

Authentication: ``Authorization: Bearer pw_…`` API keys (``pricewatch keys create``), roles ``admin``,
``regulator``, ``analyst``, ``platform``. A platform key sees and answers only its own platform's violations and
pushes observations only in its own name; another platform's violation answers 404 (its existence is not
revealed). Errors are JSON: ``{"error": {"status": 403, "message": "…"}}``. Request bodies are limited in size
(``[api] max_body_bytes``, default 10 MB). OpenAPI at ``/openapi.json``.

Written forms, the same in every answer: a day is ``YYYY-MM-DD``; an instant is ISO 8601 in UTC with ``Z``, to the
second (``pricewatch.instants``); prices to the currency's minor unit, unit prices to 4 significant digits,
percentages to 0.01, as the exact decimal (``pricewatch.amounts``). Charts (``…/chart``) are PNG or SVG
(``?format=``), drawn by ``pricewatch.charts``.
"""

from __future__ import annotations

import io
import json
from enum import Enum, StrEnum

import pandas as pd
from fastapi import Depends, FastAPI, HTTPException, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from pricewatch import __version__, history
from pricewatch.alerts.queue import AlertFilter, alert_ids
from pricewatch.api.docs import install_docs
from pricewatch.api.roles import principal_of
from pricewatch.enforcement.responses import DECISIONS, RESPONSES, DecisionFinal, answer, decide
from pricewatch.errors import NotFound, PricewatchError
from pricewatch.ingest import ingest_frame
from pricewatch.instants import check_range, day_text, parse_when, utc_fields, utc_text, utc_texts
from pricewatch.keys import Principal
from pricewatch.normalize.category import TAXONOMY
from pricewatch.store.engine import Database
from pricewatch.store.models import Alert, Listing, Platform, Seller
from pricewatch.webhooks.payload import violation_payload

DEFAULT_MAX_BODY = 10 << 20
MAX_ID = 2**31 - 1  # violation ids are 32-bit integers on PostgreSQL: a larger one is a 422, not a 500
MAX_JSON_DEPTH = 32


# the values come from the domain (pricewatch.enforcement.responses), so the OpenAPI enums cannot drift from it
Action = Enum("Action", {name: name for name in RESPONSES}, type=str)
Action.__doc__ = "A platform's answer: delisted, disputed (needs a reason) or warned (seller warned, listing kept)."
Decision = Enum("Decision", {name: name for name in DECISIONS}, type=str)
Decision.__doc__ = "A regulator's decision: upheld (confirms; joint enforcement follows) or dismissed."


class ResponseIn(BaseModel):
    action: Action = Field(description="delisted, disputed (needs a reason) or warned")
    reason: str | None = Field(default=None, max_length=4000)


class DecisionIn(BaseModel):
    decision: Decision = Field(description="upheld or dismissed (a reason in `note` is expected for dismissed)")
    note: str | None = Field(default=None, max_length=4000)


class LicenseIn(BaseModel):
    license: str | None = Field(description="business licence / registration number; null clears it",
                                max_length=128, pattern=r"^[^\x00]*$")
    note: str | None = Field(default=None, max_length=4000)


class ErrorBody(BaseModel):
    status: int
    message: str


class ErrorOut(BaseModel):
    """Every error: ``{"error": {"status": 403, "message": "…"}}``."""

    error: ErrorBody


def _documented(*codes: int) -> dict:
    return {code: {"model": ErrorOut, "description": ERROR_MEANINGS[code]} for code in codes}


ERROR_MEANINGS = {
    400: "the request is well-formed but its content is refused (the message says why)",
    401: "no API key, or an invalid or revoked one",
    403: "the key's role or platform may not do this",
    404: "no such record (or not the key's platform's)",
    409: "the answer would change a regulator's decision (it was recorded as information)",
    413: "the request body is over the limit ([api] max_body_bytes)",
    422: "a query, path or body value is invalid (the message names it)",
}


class _BodyTooLarge(Exception):
    pass


class BodyLimit:
    """Refuses request bodies over ``limit`` bytes while they stream in, chunked ones too (ASGI middleware).

    A declared Content-Length over the limit is answered 413 before anything is read; otherwise the bytes are
    counted as the application receives them, and the request is stopped with 413 as soon as they pass the
    limit — the body is never held whole in memory beyond the limit.
    """

    def __init__(self, app, limit: int):  # noqa: ANN001
        self.app = app
        self.limit = limit

    async def __call__(self, scope, receive, send) -> None:  # noqa: ANN001
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length", b"").decode("latin-1")
        if length.isdigit() and int(length) > self.limit:
            await _error(413, f"request body over {self.limit} bytes")(scope, receive, send)
            return
        received = 0
        started = False

        async def counted():  # noqa: ANN202
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise _BodyTooLarge
            return message

        async def watched(message) -> None:  # noqa: ANN001
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except _BodyTooLarge:
            if not started:
                await _error(413, f"request body over {self.limit} bytes")(scope, receive, send)


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": {"status": status, "message": message}}, status_code=status)


def create_app(db: Database) -> FastAPI:
    app = FastAPI(title="pricewatch API", version=__version__,
                  description="Violations for platforms, price history and indices for analysts. Every error is "
                              "`{\"error\": {\"status\": 403, \"message\": \"…\"}}`.",
                  docs_url=None, redoc_url=None)  # /docs from local files: pricewatch.api.docs
    install_docs(app, title="pricewatch API")
    limit = int(db.settings.section("api").get("max_body_bytes", DEFAULT_MAX_BODY))
    app.add_middleware(BodyLimit, limit=limit)

    @app.exception_handler(StarletteHTTPException)  # FastAPI's and Starlette's own (404 route, 405, bad JSON)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error(exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return _error(422, f"{where}: {first.get('msg', 'invalid request')}")

    @app.exception_handler(PricewatchError)
    async def domain_error(_request: Request, exc: PricewatchError) -> JSONResponse:
        return _error(400, str(exc))

    @app.exception_handler(RecursionError)
    async def too_deep(_request: Request, _exc: RecursionError) -> JSONResponse:
        return _error(400, f"body nested too deeply (at most {MAX_JSON_DEPTH} levels)")

    @app.exception_handler(UnicodeDecodeError)
    async def not_text(_request: Request, exc: UnicodeDecodeError) -> JSONResponse:
        return _error(400, f"body is not UTF-8 text (byte 0x{exc.object[exc.start]:02X} at {exc.start})")

    principal = principal_of(db)

    def require(*roles: str):  # noqa: ANN202
        def check(p: Principal = Depends(principal)) -> Principal:
            if p.role not in roles and p.role != "admin":
                raise HTTPException(403, f"role {p.role} may not do this (needs {' or '.join(roles)})")
            return p
        return check

    def own_alert(session, alert_id: int, p: Principal) -> Alert:  # noqa: ANN001
        alert = session.get(Alert, alert_id)
        if alert is None:
            raise HTTPException(404, f"no violation {alert_id}")
        if p.role == "platform":
            listing = session.get(Listing, alert.listing_id)
            if listing.platform_id != p.platform_id:
                raise HTTPException(404, f"no violation {alert_id}")  # do not reveal other platforms' cases
        return alert

    @app.post("/v1/observations", summary="Push feed v1 rows (JSON array, object, or JSON Lines)",
              responses=_documented(400, 401, 403, 413, 422), openapi_extra=OBSERVATIONS_BODY)
    async def post_observations(request: Request, p: Principal = Depends(require("platform"))) -> dict:
        body = await request.body()  # bounded by BodyLimit while it streams in
        # parsing and ingesting are blocking work: off the event loop, so other requests (and /healthz) go on
        stats = await run_in_threadpool(_ingest_body, db, body, p)
        return {"rows": stats.rows, "accepted": stats.accepted, "duplicate": stats.duplicate,
                "rejected": stats.rejected, "new_listings": stats.new_listings}

    @app.get("/v1/violations", summary="Violations (a platform sees only its own)",
             responses=_documented(401, 403, 422))
    def list_violations(status: str | None = Query(None, pattern=STATUS_PATTERN),
                        limit_: int = Query(100, alias="limit", ge=1, le=1000),
                        p: Principal = Depends(require("platform", "regulator"))) -> dict:
        with db.session() as s:
            # the same filter code as the review workspace's queue (pricewatch.alerts.queue), oldest first
            scope = AlertFilter(statuses=(status,) if status else (),
                                platform_id=p.platform_id if p.role == "platform" else None)
            ids = alert_ids(s, scope, limit=limit_)
            alerts = s.scalars(select(Alert).where(Alert.id.in_(ids)).order_by(Alert.id)).all() if ids else []
            return {"violations": [violation_payload(s, a, "violation.current") for a in alerts]}

    @app.get("/v1/violations/{alert_id}", summary="One violation", responses=_documented(401, 403, 404, 422))
    def get_violation(alert_id: int = Path(ge=1, le=MAX_ID), p: Principal = Depends(require("platform", "regulator"))) -> dict:
        with db.session() as s:
            alert = own_alert(s, alert_id, p)
            payload = violation_payload(s, alert, "violation.current")
            payload["violation"]["history"] = [utc_fields(entry) for entry in alert.history or []]
            return payload

    @app.post("/v1/violations/{alert_id}/response", summary="A platform answers: delisted, disputed, warned",
              responses=_documented(400, 401, 403, 404, 409, 413, 422))
    def respond(body: ResponseIn, p: Principal = Depends(require("platform")),
                alert_id: int = Path(ge=1, le=MAX_ID)) -> dict:
        if p.role != "platform":
            raise HTTPException(403, "only the platform concerned answers a violation")
        with db.session() as s:
            alert = own_alert(s, alert_id, p)
            try:
                answer(s, alert, body.action.value, reason=body.reason, actor=p.actor)
            except DecisionFinal as exc:
                s.commit()  # the platform's statement is kept as information
                raise HTTPException(409, str(exc)) from None
            s.commit()
            return {"id": alert.id, "status": alert.status, "answered_at": utc_text(alert.answered_at)}

    @app.post("/v1/violations/{alert_id}/decision", summary="A regulator upholds or dismisses a violation",
              responses=_documented(400, 401, 403, 404, 413, 422))
    def decision(body: DecisionIn, p: Principal = Depends(require("regulator")),
                 alert_id: int = Path(ge=1, le=MAX_ID)) -> dict:
        with db.session() as s:
            alert = own_alert(s, alert_id, p)
            decide(s, alert, body.decision.value, note=body.note, actor=p.actor)
            s.commit()
            return {"id": alert.id, "status": alert.status}

    @app.put("/v1/sellers/{platform}/{seller_id}/license",
             summary="A regulator sets a seller's licence (the link joint enforcement acts on)",
             responses=_documented(400, 401, 403, 404, 413, 422))
    def set_license(platform: str, seller_id: str, body: LicenseIn,
                    p: Principal = Depends(require("regulator"))) -> dict:
        from pricewatch.enforcement.joint import set_license as set_seller_license

        with db.session() as s:
            seller = s.scalar(select(Seller).join(Platform, Platform.id == Seller.platform_id)
                              .where(Platform.name == platform, Seller.seller_key == seller_id))
            if seller is None:
                raise HTTPException(404, f"no seller {platform}/{seller_id}")
            before = set_seller_license(s, seller, body.license, actor=p.actor, note=body.note)
            s.commit()
            return {"platform": platform, "seller_id": seller_id, "license": seller.license, "previous": before}

    @app.get("/v1/listings/{platform}/{listing_id}/prices", summary="A listing's observations",
             responses=_documented(401, 403, 404, 422))
    def listing_prices(platform: str, listing_id: str, since: str | None = Query(None, description=WHEN),
                       until: str | None = Query(None, description=WHEN),
                       p: Principal = Depends(require("analyst", "regulator", "platform"))) -> dict:
        start, end = _range(since, until)
        if p.role == "platform" and p.platform != platform:
            raise HTTPException(403, f"a {p.platform} key cannot read {platform} listings")
        frame = history.query(db, platforms=platform, listings=listing_id, start=start, end=end)
        if frame.empty:
            with db.session() as s:
                exists = s.scalar(select(Listing.id).join(Platform).where(Platform.name == platform,
                                                                         Listing.listing_key == listing_id))
            if exists is None:
                raise HTTPException(404, f"no listing {platform}/{listing_id}")
        return {"platform": platform, "listing_id": listing_id, "observations": _records(frame)}

    @app.get("/v1/prices", summary="Daily unit-price aggregates by category, platform, seller or listing",
             responses=_documented(401, 403, 422))
    def prices(category: list[str] | None = Query(None), platform: list[str] | None = Query(None),
               region: str | None = Query(None, max_length=16), since: str | None = Query(None, description=WHEN),
               until: str | None = Query(None, description=WHEN),
               by: str = Query("category", pattern="^(category|platform|seller|listing)$"),
               include_unavailable: bool = Query(False, description="let out-of-stock and placeholder prices in"),
               p: Principal = Depends(require("analyst", "regulator"))) -> dict:
        start, end = _range(since, until)
        _known_categories(category)
        daily = history.query(db, categories=category, platforms=platform, regions=region, start=start, end=end,
                              freq="D", by=by, include_unavailable=include_unavailable)
        return {"by": by, "timezone": db.settings.timezone, "rows": _records(daily)}

    @app.get("/v1/index", summary="Daily category price index (1.0 = listings at their reference price)",
             responses=_documented(401, 403, 422))
    def index(category: list[str] | None = Query(None), base_end: str | None = Query(None, description=WHEN),
              include_unavailable: bool = Query(False, description="let out-of-stock and placeholder prices in"),
              p: Principal = Depends(require("analyst", "regulator"))) -> dict:
        _known_categories(category)
        base_when = _when("base_end", base_end)
        table, end = history.price_index(db, categories=category, reference_end=base_when,
                                         include_unavailable=include_unavailable)
        if end is None:
            return {"rows": []}
        return {"reference_window_end": utc_text(end.to_pydatetime()), "rows": _records(table)}

    def _image(image: bytes, fmt: str) -> Response:
        from pricewatch.charts import MEDIA_TYPES

        return Response(image, media_type=MEDIA_TYPES[fmt], headers={"Cache-Control": "no-store"})

    @app.get("/v1/listings/{platform}/{listing_id}/chart", summary="A listing's price chart (PNG or SVG)",
             response_class=Response, responses={**CHART_RESPONSE, **_documented(401, 403, 404, 422)})
    def listing_chart(platform: str, listing_id: str, since: str | None = Query(None, description=WHEN),
                      until: str | None = Query(None, description=WHEN),
                      format_: ChartFormat = Query(ChartFormat.png, alias="format"),
                      p: Principal = Depends(require("analyst", "regulator", "platform"))) -> Response:
        from pricewatch.charts import listing_chart as draw_listing

        start, end = _range(since, until)
        if p.role == "platform" and p.platform != platform:
            raise HTTPException(403, f"a {p.platform} key cannot read {platform} listings")
        try:
            image = draw_listing(db, (platform, listing_id), format_.value, since=start, until=end)
        except NotFound as exc:
            raise HTTPException(404, str(exc)) from None
        return _image(image, format_.value)

    @app.get("/v1/violations/{alert_id}/chart",
             summary="A violation's chart: observations, daily median, baseline, threshold, emergency start",
             response_class=Response, responses={**CHART_RESPONSE, **_documented(401, 403, 404, 422)})
    def violation_chart(alert_id: int = Path(ge=1, le=MAX_ID),
                        format_: ChartFormat = Query(ChartFormat.png, alias="format"),
                        p: Principal = Depends(require("platform", "regulator"))) -> Response:
        from pricewatch.charts import listing_chart as draw_listing

        with db.session() as s:
            own_alert(s, alert_id, p)  # 404 for another platform's violation
        return _image(draw_listing(db, alert_id, format_.value), format_.value)

    @app.get("/v1/chart", summary="A chart of any history selection (platform, seller, category, listing, dates)",
             response_class=Response, responses={**CHART_RESPONSE, **_documented(401, 403, 404, 422)})
    def selection_chart(category: list[str] | None = Query(None), platform: list[str] | None = Query(None),
                        seller: list[str] | None = Query(None), listing: list[str] | None = Query(None),
                        since: str | None = Query(None, description=WHEN),
                        until: str | None = Query(None, description=WHEN),
                        format_: ChartFormat = Query(ChartFormat.png, alias="format"),
                        p: Principal = Depends(require("analyst", "regulator"))) -> Response:
        from pricewatch.charts import selection_chart as draw_selection

        start, end = _range(since, until)
        _known_categories(category)
        for name, values in (("platform", platform), ("seller", seller), ("listing", listing)):
            if any("\x00" in v for v in values or ()):  # PostgreSQL text cannot hold NUL: a 422, never a 500
                raise HTTPException(422, f"query: {name}: NUL characters are not allowed")
        if not (category or platform or seller or listing):
            raise HTTPException(422, "query: choose what to draw (category, platform, seller or listing)")
        try:
            image = draw_selection(db, platforms=platform, listings=listing, sellers=seller, categories=category,
                                   since=start, until=end, fmt=format_.value)
        except NotFound as exc:
            raise HTTPException(404, str(exc)) from None
        return _image(image, format_.value)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict:
        return {"ok": True}

    from pricewatch.ui import mount_ui

    mount_ui(app, db)  # the regulators' review workspace under /ui/ (HTML pages, session cookie, CSRF)
    from pricewatch.api.cooperation import include_cooperation

    include_cooperation(app, db)  # feed validation, public reports, reconciliation, warnings (own modules)
    return app


# The body is read as bytes (JSON or JSON Lines, streamed under the size limit), so it is documented here.
_FEED_ROW = {"type": "object", "description": "a feed v1 row (DESIGN.md § Feed v1); values as strings or numbers",
             "required": ["platform", "listing_id", "observed_at", "price", "currency"],
             "additionalProperties": True}
OBSERVATIONS_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": {"oneOf": [_FEED_ROW, {"type": "array", "items": _FEED_ROW, "minItems": 1}]}},
    "application/x-ndjson": {"schema": {"type": "string", "description": "JSON Lines: one feed v1 row per line"}},
}}}
WHEN = "a date YYYY-MM-DD (a day in the display zone) or an ISO 8601 instant"


class ChartFormat(StrEnum):
    png = "png"
    svg = "svg"


CHART_RESPONSE = {200: {"description": "the chart (format=png or svg)",
                        "content": {"image/png": {"schema": {"type": "string", "format": "binary"}},
                                    "image/svg+xml": {"schema": {"type": "string"}}}}}
STATUS_PATTERN = ("^(open|notified|acknowledged|delisted|disputed|dismissed|verified|closed)$")


def _when(name: str, value: str | None):  # noqa: ANN202
    if value is None:
        return None
    try:
        return parse_when(value)
    except ValueError as exc:
        raise HTTPException(422, f"query.{name}: {exc}") from None


def _range(since: str | None, until: str | None):  # noqa: ANN202
    start, end = _when("since", since), _when("until", until)
    try:
        check_range(start, end)
    except ValueError as exc:
        raise HTTPException(422, f"query.since: {exc}") from None
    return start, end


def _known_categories(categories: list[str] | None) -> None:
    unknown = sorted(set(categories or ()) - set(TAXONOMY))
    if unknown:
        raise HTTPException(422, f"query.category: unknown {', '.join(unknown)[:200]}; known: {', '.join(TAXONOMY)}")


def _ingest_body(db: Database, body: bytes, p: Principal):  # noqa: ANN202
    """Parse a POST /v1/observations body and ingest it (blocking: runs in a worker thread)."""
    try:
        text = body.decode("utf-8") if body else ""
    except UnicodeDecodeError as exc:
        raise HTTPException(400, f"body is not UTF-8 text (byte 0x{body[exc.start]:02X} at {exc.start})") from None
    stripped = text.strip()
    if _too_deep(stripped):
        raise HTTPException(400, f"body nested more than {MAX_JSON_DEPTH} levels deep")
    try:
        if stripped.startswith("["):
            records = json.loads(stripped)
        elif stripped.startswith("{") and "\n" not in stripped:
            records = [json.loads(stripped)]
        else:
            records = [json.loads(line) for line in io.StringIO(text) if line.strip()]
    except (json.JSONDecodeError, RecursionError) as exc:
        raise HTTPException(400, f"body is not JSON or JSON Lines: {str(exc)[:200]}") from None
    if not isinstance(records, list) or not records or not all(isinstance(r, dict) for r in records):
        raise HTTPException(400, "expected feed v1 objects (a JSON object, an array of them, or JSON Lines)")
    if p.role == "platform":
        others = sorted({str(r.get("platform")) for r in records} - {p.platform})
        if others:
            raise HTTPException(403, f"a {p.platform} key cannot push observations for {', '.join(others)[:200]}")
    # object columns: pandas would infer Arrow text, which cannot hold a lone surrogate ("\ud800")
    frame = pd.DataFrame(records, dtype=object)
    return ingest_frame(db, frame, source=f"api:{p.platform or p.role}", file="POST /v1/observations")


def _too_deep(text: str) -> bool:
    """More than MAX_JSON_DEPTH brackets open at once (json.loads would recurse, or take the server down)."""
    if text.count("[") + text.count("{") <= MAX_JSON_DEPTH:
        return False
    from pricewatch.feed.reader import nesting_depth

    return nesting_depth(text, MAX_JSON_DEPTH) > MAX_JSON_DEPTH


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows as JSON objects: instants ISO 8601 UTC with Z, days YYYY-MM-DD (``pricewatch.instants``), numbers as
    the exact decimals they were rounded to (``pricewatch.amounts``; Python's shortest repr, not pandas'
    10-digit JSON writer), NaN as null."""
    if frame.empty:
        return []
    out = frame.copy()
    for name in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[name]):
            out[name] = utc_texts(out[name])
        elif out[name].dtype == object:
            out[name] = out[name].map(lambda v: day_text(v) if hasattr(v, "isoformat") else v)
        out[name] = out[name].astype(object).where(out[name].notna(), None)
    return [dict(zip(out.columns, (v.item() if hasattr(v, "item") else v for v in row)))
            for row in out.itertuples(index=False, name=None)]


__all__ = ["create_app"]
