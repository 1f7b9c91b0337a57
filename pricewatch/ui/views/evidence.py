"""The evidence viewer: one stored page (``GET /ui/evidence/{sha256}``) with its metadata, the page itself in a
sandboxed frame (``…/page``), its source (``…/raw``), the original bytes (``…/download``) and a re-hash
(``…/verify``). Bodies come from :class:`pricewatch.evidence.store.EvidenceStore`."""

from __future__ import annotations

import hashlib

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from pricewatch.errors import NotFound
from pricewatch.evidence.store import EvidenceStore
from pricewatch.store.models import Alert, Listing, Platform, PriceObservation
from pricewatch.ui import PageNotFound
from pricewatch.ui.pagecopy import decode, highlighted
from pricewatch.ui.render import render
from pricewatch.ui.session import require_reviewer

router = APIRouter(include_in_schema=False)
SHA256 = Path(pattern="^[0-9a-f]{64}$")
# The stored page: no scripts, no network, an opaque origin (the sandbox), images only when inlined.
FRAME_CSP = "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:"
FRAME_HEADERS = {"Content-Security-Policy": FRAME_CSP, "X-Content-Type-Options": "nosniff",
                 "Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Frame-Options": "SAMEORIGIN",
                 "Cross-Origin-Resource-Policy": "same-origin"}
MAX_RAW_CHARS = 2_000_000  # the source view shows at most this much (the download has everything)


def _read(db, sha256: str):  # noqa: ANN001, ANN202
    try:
        return EvidenceStore(db).get(sha256)
    except NotFound as exc:
        raise PageNotFound(str(exc)) from None


def _observation(db, sha256: str) -> dict | None:  # noqa: ANN001
    """The observation recorded from this page (its price is what the viewer highlights)."""
    with db.session() as s:
        row = s.execute(select(PriceObservation.price, PriceObservation.currency, PriceObservation.observed_at,
                               Platform.name, Listing.listing_key, Listing.title)
                        .join(Listing, Listing.id == PriceObservation.listing_id)
                        .join(Platform, Platform.id == Listing.platform_id)
                        .where(PriceObservation.snapshot_sha256 == sha256)
                        .order_by(PriceObservation.observed_at).limit(1)).first()
    return dict(row._mapping) if row else None


def _citing_alerts(db, sha256: str) -> list[int]:  # noqa: ANN001
    """Alerts that list this page as evidence (a LIKE narrows, the JSON list decides)."""
    with db.session() as s:
        rows = s.execute(select(Alert.id, Alert.evidence).where(Alert.evidence.is_not(None))
                         .where(Alert.listing_id.in_(select(PriceObservation.listing_id)
                                                     .where(PriceObservation.snapshot_sha256 == sha256)))).all()
    return [alert_id for alert_id, hashes in rows if sha256 in (hashes or [])]


def _page_data(db, sha256: str, verify: bool) -> dict:  # noqa: ANN001
    snapshot, body = _read(db, sha256)
    observation = _observation(db, sha256)
    _, found = highlighted(body, snapshot.content_type, observation["price"] if observation else None)
    result = None
    if verify:
        result = hashlib.sha256(body).hexdigest() == sha256
    return {"snapshot": snapshot, "observation": observation, "price_found": found, "verified": result,
            "alerts": _citing_alerts(db, sha256), "size": len(body)}


@router.get("/ui/evidence/{sha256}", response_class=HTMLResponse)
async def evidence_page(request: Request, sha256: str = SHA256, _reviewer=Depends(require_reviewer)) -> HTMLResponse:
    db = request.app.state.pricewatch_db
    data = await run_in_threadpool(_page_data, db, sha256, request.query_params.get("verify") == "1")
    return render(request, "evidence.html", view=request.query_params.get("view", "page"), **data)


@router.get("/ui/evidence/{sha256}/page")
async def stored_page(request: Request, sha256: str = SHA256, _reviewer=Depends(require_reviewer)) -> Response:
    db = request.app.state.pricewatch_db

    def build() -> str:
        snapshot, body = _read(db, sha256)
        observation = _observation(db, sha256)
        page, _ = highlighted(body, snapshot.content_type, observation["price"] if observation else None)
        return page

    page = await run_in_threadpool(build)
    return Response(page, media_type="text/html; charset=utf-8", headers=FRAME_HEADERS)


@router.get("/ui/evidence/{sha256}/raw", response_class=HTMLResponse)
async def raw_page(request: Request, sha256: str = SHA256, _reviewer=Depends(require_reviewer)) -> HTMLResponse:
    db = request.app.state.pricewatch_db
    snapshot, body = await run_in_threadpool(_read, db, sha256)
    text, encoding = decode(body, snapshot.content_type)
    return render(request, "evidence_raw.html", snapshot=snapshot, source=text[:MAX_RAW_CHARS],
                  truncated=len(text) > MAX_RAW_CHARS, encoding=encoding)


@router.get("/ui/evidence/{sha256}/download")
async def download(request: Request, sha256: str = SHA256, _reviewer=Depends(require_reviewer)) -> Response:
    db = request.app.state.pricewatch_db
    _snapshot, body = await run_in_threadpool(_read, db, sha256)
    return Response(body, media_type="application/octet-stream",
                    headers={"Content-Disposition": f'attachment; filename="{sha256}.html"',
                             "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})


@router.get("/ui/evidence/{sha256}/verify", response_class=HTMLResponse)
async def verify(request: Request, sha256: str = SHA256, _reviewer=Depends(require_reviewer)) -> HTMLResponse:
    """Re-hash the stored body: a fragment for htmx (the evidence list's "verify" button), else the page."""
    db = request.app.state.pricewatch_db
    try:
        _snapshot, body = await run_in_threadpool(_read, db, sha256)
    except PageNotFound:
        return render(request, "verify_result.html", ok=None, sha256=sha256)  # recorded, but its file is missing
    ok = hashlib.sha256(body).hexdigest() == sha256
    return render(request, "verify_result.html", ok=ok, sha256=sha256)
