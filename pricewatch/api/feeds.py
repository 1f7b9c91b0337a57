"""``POST /v1/feeds/validate``: a platform checks a feed v1 file before sending it; nothing is stored.

The body is the file as it would be sent (CSV with header, JSON Lines, or a JSON array of rows; gzip allowed). It
goes through the same reader and validation as ``pricewatch ingest`` and ``pricewatch feed validate``
(``pricewatch.feed.check``), so the answer lists exactly the rows ingest would quarantine, with the same reasons.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from pricewatch.api.roles import requirer
from pricewatch.feed.check import FileCheck, check_file
from pricewatch.store.engine import Database

MAX_LISTED = 1000  # bad rows listed in one answer (the counts cover them all)

VALIDATE_BODY = {"requestBody": {"required": True, "content": {
    "text/csv": {"schema": {"type": "string", "description": "feed v1 CSV with a header row (docs/feed-v1.md)"}},
    "application/x-ndjson": {"schema": {"type": "string", "description": "JSON Lines: one feed v1 row a line"}},
    "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
    "application/gzip": {"schema": {"type": "string", "format": "binary"}},
}}}


def _suffix(content_type: str, body: bytes) -> str:
    kind = content_type.split(";")[0].strip().lower()
    gz = ".gz" if body[:2] == b"\x1f\x8b" else ""
    if kind in ("application/json", "application/x-ndjson", "application/jsonl", "application/json-lines"):
        return ".jsonl" + gz
    if kind in ("text/csv", "application/csv"):
        return ".csv" + gz
    # gzip or unknown: sniff the (decompressed) start — a brace or bracket is JSON, else CSV
    if gz:
        import zlib

        start = zlib.decompressobj(31).decompress(body[:4096], 64).lstrip()
    else:
        start = body[:64].lstrip()
    return (".jsonl" if start[:1] in (b"{", b"[") else ".csv") + gz


def validate_body(body: bytes, content_type: str) -> FileCheck:
    """Write the body to a temporary file and check it as ``pricewatch feed validate`` would (blocking)."""
    suffix = _suffix(content_type, body)
    if suffix == ".jsonl" and body.lstrip()[:1] == b"[":
        try:
            rows = json.loads(body)
        except (ValueError, RecursionError) as exc:
            raise HTTPException(400, f"body is not a JSON array of rows: {str(exc)[:200]}") from None
        if not isinstance(rows, list):
            raise HTTPException(400, "expected a JSON array of feed v1 rows")
        body = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()
    with tempfile.TemporaryDirectory(prefix="pricewatch-validate-") as folder:
        path = Path(folder) / f"body{suffix}"
        path.write_bytes(body)
        result = check_file(path)
    # name the input, not the temporary file
    name = "body"
    result.file = name
    for bad in result.bad:
        bad.file = name
    if result.error:
        result.error = result.error.replace(str(path), name)
    return result


def feeds_router(db: Database) -> APIRouter:
    router = APIRouter()
    require = requirer(db)

    @router.post("/v1/feeds/validate", summary="Check a feed v1 file without storing anything",
                 openapi_extra=VALIDATE_BODY,
                 responses={400: {"description": "the body cannot be read as a feed"},
                            401: {"description": "no or invalid API key"}, 413: {"description": "body too large"}})
    async def validate_feed(request: Request, _p=Depends(require("platform", "regulator", "analyst"))) -> dict:  # noqa: ANN001, B008
        body = await request.body()
        if not body.strip():
            raise HTTPException(400, "empty body: send the feed file (CSV with header, JSON Lines or a JSON array)")
        result = await run_in_threadpool(validate_body, body, request.headers.get("content-type", ""))
        return {"valid": result.ok, "rows": result.rows, "valid_rows": result.valid, "bad_rows": len(result.bad),
                "error": result.error,
                "rejected": [{"line": b.line, "field": b.field, "reason": b.reason, "message": b.message()}
                             for b in result.bad[:MAX_LISTED]]}

    return router
