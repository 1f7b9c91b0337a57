"""``/docs`` that works offline, and an OpenAPI document that says how to authenticate and how errors look.

* Swagger UI is served from files shipped inside the package (``pricewatch/api/swagger_ui/``: swagger-ui-dist
  5.36.0 from npm, Apache-2.0, its LICENSE and NOTICE beside it; the source-map comments are removed so a browser
  asks for nothing else). FastAPI's ``get_swagger_ui_html`` builds the page with those local URLs; the default
  pages (CDN scripts) and ReDoc (CDN only) are switched off in :func:`pricewatch.api.app.create_app`. The page
  makes no request outside the server — it must work on an air-gapped government network.
* The bearer scheme (``Authorization: Bearer pw_…``) is declared once in ``components.securitySchemes`` and
  required on every operation that answers 401 — those are the ones that read a key, whatever router added them —
  so Swagger UI shows its Authorize button and sends the key.
* Every documented error (400, 401, 403, 404, 409, 413, 422) has the real shape, ``{"error": {"status", "message"}}``
  (:class:`pricewatch.api.app.ErrorOut`), with an example message. This is done on the generated document rather
  than route by route so routers written elsewhere are covered too.

Swagger UI is a third-party single-page app; re-implementing it was not an option, and swagger-ui-bundle on PyPI
ships 4.x, which cannot render the OpenAPI 3.1 documents FastAPI writes.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = Path(__file__).parent / "swagger_ui"
ASSETS_URL = "/docs/assets"
BEARER = "bearerAuth"
ERROR_EXAMPLES = {
    "400": "a dispute needs a reason",
    "401": "missing bearer API key (Authorization: Bearer pw_…)",
    "403": "role analyst may not do this (needs regulator)",
    "404": "no violation 12345",
    "409": "violation 7 was upheld by a regulator (verified); a platform cannot change that decision",
    "413": "request body over 10485760 bytes",
    "422": "body.action: Input should be 'delisted', 'disputed' or 'warned'",
}


def install_docs(app: FastAPI, *, title: str) -> None:
    """Serve Swagger UI at ``/docs`` from local files and complete the OpenAPI document (see the module docstring).

    ``app`` must be created with ``docs_url=None, redoc_url=None``."""
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS), name="swagger-ui-assets")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json", title=f"{title} — API reference",
            swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js", swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url="data:,",  # no favicon request (the default is an external URL)
            swagger_ui_parameters={"validatorUrl": None, "persistAuthorization": True, "tryItOutEnabled": True})

    generate = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()
        complete_schema(schema)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def complete_schema(schema: dict) -> dict:
    """Add the bearer scheme, require it where a key is read (operations answering 401), and give every error
    response the real shape with an example. Changes ``schema`` in place and returns it."""
    components = schema.setdefault("components", {})
    components.setdefault("securitySchemes", {})[BEARER] = {
        "type": "http", "scheme": "bearer", "bearerFormat": "pw_… API key",
        "description": "An API key from `pricewatch keys create --role ROLE [--platform NAME]`, sent as "
                       "`Authorization: Bearer pw_…`. Roles: admin, regulator, analyst, platform (a platform key "
                       "sees only its own platform's violations)."}
    error_ref = {"$ref": "#/components/schemas/ErrorOut"} if "ErrorOut" in components.get("schemas", {}) else None
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            if "401" in responses:
                operation.setdefault("security", [{BEARER: []}])
            for code, response in responses.items():
                if code in ERROR_EXAMPLES and error_ref is not None:
                    content = response.setdefault("content", {}).setdefault("application/json", {})
                    content["schema"] = error_ref
                    content["example"] = {"error": {"status": int(code), "message": ERROR_EXAMPLES[code]}}
    return schema


__all__ = ["ASSETS", "ASSETS_URL", "BEARER", "complete_schema", "install_docs"]
