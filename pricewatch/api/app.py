"""The HTTP API (FastAPI): platforms answer violations and push feeds; regulators and analysts read.

Authentication: ``Authorization: Bearer pw_…`` API keys (``pricewatch keys create``), roles ``admin``,
``regulator``, ``analyst``, ``platform``. A platform key sees and answers only its own platform's violations and
pushes observations only in its own name; another platform's violation answers 404 (its existence is not
revealed). Errors are JSON: ``{"error": {"status": 403, "message": "…"}}``. Request bodies are limited in size
(``[api] max_body_bytes``, default 10 MB). OpenAPI at ``/openapi.json``.
"""

from __future__ import annotations

import io
import json

import pandas as pd
from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import select
from starlette.middleware.base import BaseHTTPMiddleware

from pricewatch import __version__, history
from pricewatch.enforcement.responses import answer, decide
from pricewatch.errors import PricewatchError
from pricewatch.ingest import ingest_frame
from pricewatch.keys import Principal, authenticate
from pricewatch.store.engine import Database
from pricewatch.store.models import Alert, Listing, Platform
from pricewatch.webhooks.payload import violation_payload

DEFAULT_MAX_BODY = 10 << 20


class ResponseIn(BaseModel):
    action: str = Field(description="delisted, disputed (needs a reason) or warned")
    reason: str | None = Field(default=None, max_length=4000)


class DecisionIn(BaseModel):
    decision: str = Field(description="upheld or dismissed")
    note: str | None = Field(default=None, max_length=4000)


class BodyLimit(BaseHTTPMiddleware):
    def __init__(self, app, limit: int):  # noqa: ANN001
        super().__init__(app)
        self.limit = limit

    async def dispatch(self, request: Request, call_next):  # noqa: ANN201
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            return _error(413, f"request body over {self.limit} bytes")
        return await call_next(request)


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": {"status": status, "message": message}}, status_code=status)


def create_app(db: Database) -> FastAPI:
    app = FastAPI(title="pricewatch API", version=__version__,
                  description="Violations for platforms, price history and indices for analysts.")
    limit = int(db.settings.section("api").get("max_body_bytes", DEFAULT_MAX_BODY))
    app.add_middleware(BodyLimit, limit=limit)

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, exc: HTTPException) -> JSONResponse:
        return _error(exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return _error(422, f"{where}: {first.get('msg', 'invalid request')}")

    @app.exception_handler(PricewatchError)
    async def domain_error(_request: Request, exc: PricewatchError) -> JSONResponse:
        return _error(400, str(exc))

    def principal(request: Request) -> Principal:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise HTTPException(401, "missing bearer API key (Authorization: Bearer pw_…)")
        found = authenticate(db, token.strip())
        if found is None:
            raise HTTPException(401, "invalid or revoked API key")
        return found

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

    @app.post("/v1/observations", summary="Push feed v1 rows (JSON array, object, or JSON Lines)")
    async def post_observations(request: Request, p: Principal = Depends(require("platform"))) -> dict:
        body = await request.body()
        if len(body) > limit:
            raise HTTPException(413, f"request body over {limit} bytes")
        text = body.decode("utf-8", errors="strict") if body else ""
        try:
            if text.lstrip().startswith("["):
                records = json.loads(text)
            elif text.lstrip().startswith("{") and "\n" not in text.strip():
                records = [json.loads(text)]
            else:
                records = [json.loads(line) for line in io.StringIO(text) if line.strip()]
        except json.JSONDecodeError as exc:
            raise HTTPException(400, f"body is not JSON or JSON Lines: {exc}") from exc
        if not records or not all(isinstance(r, dict) for r in records):
            raise HTTPException(400, "expected feed v1 objects")
        if p.role == "platform":
            others = sorted({str(r.get("platform")) for r in records} - {p.platform})
            if others:
                raise HTTPException(403, f"a {p.platform} key cannot push observations for {', '.join(others)}")
        frame = pd.DataFrame.from_records(records)
        stats = ingest_frame(db, frame, source=f"api:{p.platform or p.role}", file="POST /v1/observations")
        return {"rows": stats.rows, "accepted": stats.accepted, "duplicate": stats.duplicate,
                "rejected": stats.rejected, "new_listings": stats.new_listings}

    @app.get("/v1/violations", summary="Violations (a platform sees only its own)")
    def list_violations(status: str | None = None, limit_: int = Query(100, alias="limit", ge=1, le=1000),
                        p: Principal = Depends(require("platform", "regulator"))) -> dict:
        with db.session() as s:
            stmt = select(Alert).join(Listing, Listing.id == Alert.listing_id).order_by(Alert.id).limit(limit_)
            if p.role == "platform":
                stmt = stmt.where(Listing.platform_id == p.platform_id)
            if status:
                stmt = stmt.where(Alert.status == status)
            alerts = s.scalars(stmt).all()
            return {"violations": [violation_payload(s, a, "violation.current") for a in alerts]}

    @app.get("/v1/violations/{alert_id}", summary="One violation")
    def get_violation(alert_id: int, p: Principal = Depends(require("platform", "regulator"))) -> dict:
        with db.session() as s:
            alert = own_alert(s, alert_id, p)
            payload = violation_payload(s, alert, "violation.current")
            payload["violation"]["history"] = alert.history or []
            return payload

    @app.post("/v1/violations/{alert_id}/response", summary="A platform answers: delisted, disputed, warned")
    def respond(alert_id: int, body: ResponseIn, p: Principal = Depends(require("platform"))) -> dict:
        if p.role != "platform":
            raise HTTPException(403, "only the platform concerned answers a violation")
        with db.session() as s:
            alert = own_alert(s, alert_id, p)
            answer(s, alert, body.action, reason=body.reason, actor=p.actor)
            s.commit()
            return {"id": alert.id, "status": alert.status, "answered_at": alert.answered_at.isoformat()}

    @app.post("/v1/violations/{alert_id}/decision", summary="A regulator upholds or dismisses a violation")
    def decision(alert_id: int, body: DecisionIn, p: Principal = Depends(require("regulator"))) -> dict:
        with db.session() as s:
            alert = own_alert(s, alert_id, p)
            decide(s, alert, body.decision, note=body.note, actor=p.actor)
            s.commit()
            return {"id": alert.id, "status": alert.status}

    @app.get("/v1/listings/{platform}/{listing_id}/prices", summary="A listing's observations")
    def listing_prices(platform: str, listing_id: str, since: str | None = None, until: str | None = None,
                       p: Principal = Depends(require("analyst", "regulator", "platform"))) -> dict:
        if p.role == "platform" and p.platform != platform:
            raise HTTPException(403, f"a {p.platform} key cannot read {platform} listings")
        frame = history.query(db, platforms=platform, listings=listing_id, start=since, end=until)
        if frame.empty:
            with db.session() as s:
                exists = s.scalar(select(Listing.id).join(Platform).where(Platform.name == platform,
                                                                         Listing.listing_key == listing_id))
            if exists is None:
                raise HTTPException(404, f"no listing {platform}/{listing_id}")
        return {"platform": platform, "listing_id": listing_id, "observations": _records(frame)}

    @app.get("/v1/prices", summary="Daily unit-price aggregates by category, platform, seller or listing")
    def prices(category: list[str] | None = Query(None), platform: list[str] | None = Query(None),
               region: str | None = None, since: str | None = None, until: str | None = None,
               by: str = Query("category", pattern="^(category|platform|seller|listing)$"),
               p: Principal = Depends(require("analyst", "regulator"))) -> dict:
        frame = history.query(db, categories=category, platforms=platform, start=since, end=until)
        if region and not frame.empty:
            with db.session() as s:
                keys = {(pl, k) for pl, k in s.execute(select(Platform.name, Listing.listing_key).join(Platform)
                                                       .where(Listing.region.like(f"{region.upper()}%")))}
            frame = frame[[(pl, k) in keys for pl, k in zip(frame["platform"], frame["listing_id"])]]
        daily = history.daily(frame, by=by, tz=db.settings.timezone) if not frame.empty else frame
        return {"by": by, "timezone": db.settings.timezone, "rows": _records(daily)}

    @app.get("/v1/index", summary="Daily category price index (1.0 = listings at their reference price)")
    def index(category: list[str] | None = Query(None), base_end: str | None = None,
              p: Principal = Depends(require("analyst", "regulator"))) -> dict:
        from analysis.baseline import own_baselines
        from analysis.market import category_index
        from analysis.series import daily_series

        frame = history.query(db, categories=category)
        if frame.empty:
            return {"rows": []}
        with db.session() as s:
            ids = {(pl, k): i for i, pl, k in s.execute(select(Listing.id, Platform.name, Listing.listing_key)
                                                        .join(Platform))}
        obs = frame.assign(listing_id=[ids[(pl, k)] for pl, k in zip(frame["platform"], frame["listing_id"])])
        daily = daily_series(obs)
        end = pd.Timestamp(base_end, tz="UTC") if base_end else daily["day"].min() + pd.Timedelta(days=30)
        t0 = pd.Series(end, index=daily["listing_id"].unique())
        base = own_baselines(daily, t0, "median_30d")
        meta = obs.groupby("listing_id")[["category", "currency", "unit"]].last()
        table = category_index(daily, base, meta)
        return {"reference_window_end": end.isoformat(), "rows": _records(table.dropna(subset=["index"]))}

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict:
        return {"ok": True}

    return app


def _records(frame: pd.DataFrame) -> list[dict]:
    if frame.empty:
        return []
    out = frame.copy()
    for name in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[name]):
            out[name] = out[name].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
        elif out[name].dtype == object:
            out[name] = out[name].map(lambda v: v.isoformat() if hasattr(v, "isoformat") else v)
    return json.loads(out.to_json(orient="records", force_ascii=False))


__all__ = ["create_app"]
