"""The API reference works on an air-gapped network and tells a platform engineer what they need: how to
authenticate, what every error looks like, which values ``action`` and ``decision`` take."""

from __future__ import annotations

import re

import httpx

from pricewatch.enforcement.responses import DECISIONS, RESPONSES


def test_docs_page_loads_swagger_ui_from_the_server_itself(seeded_api):
    base, _ = seeded_api
    page = httpx.get(f"{base}/docs")
    assert page.status_code == 200 and "SwaggerUIBundle" in page.text
    urls = re.findall(r'(?:src|href)="([^"]+)"', page.text) + re.findall(r"url: '([^']+)'", page.text)
    assert urls and not [u for u in urls if u.startswith(("http:", "https:", "//"))], urls
    assert "cdn" not in page.text.lower()
    for url in urls:
        if url.startswith("data:"):
            continue
        asset = httpx.get(f"{base}{url}")
        assert asset.status_code == 200, url
    script = httpx.get(f"{base}/docs/assets/swagger-ui-bundle.js")
    assert "javascript" in script.headers["content-type"] and len(script.content) > 500_000
    assert "sourceMappingURL" not in script.text[-300:]  # nothing more to ask for
    assert "text/css" in httpx.get(f"{base}/docs/assets/swagger-ui.css").headers["content-type"]


def test_redoc_from_a_cdn_is_not_served(seeded_api):
    base, _ = seeded_api
    assert httpx.get(f"{base}/redoc").status_code == 404


def test_openapi_declares_the_bearer_scheme_on_every_operation_that_needs_a_key(seeded_api):
    base, keys = seeded_api
    schema = httpx.get(f"{base}/openapi.json").json()
    scheme = schema["components"]["securitySchemes"]["bearerAuth"]
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer"
    operations = [(path, method, op) for path, item in schema["paths"].items() for method, op in item.items()]
    assert len(operations) >= 8
    # the public reporting channel is keyless by contract (DESIGN.md § HTTP: public reports)
    public = {("get", "/v1/reports/challenge"), ("post", "/v1/reports"), ("get", "/v1/reports/{receipt}")}
    assert public <= {(method, path) for path, method, _ in operations}
    for path, method, op in operations:
        if (method, path) in public:
            assert "security" not in op and "401" not in op["responses"], (method, path)
            continue
        assert op.get("security") == [{"bearerAuth": []}], (method, path)
        # and the server really refuses the operation without a key
    assert httpx.get(f"{base}/v1/violations").status_code == 401
    assert httpx.get(f"{base}/v1/violations", headers={"authorization": f"Bearer {keys['regulator']}"}).status_code == 200


def test_error_responses_are_documented_with_the_real_shape(seeded_api):
    base, keys = seeded_api
    schema = httpx.get(f"{base}/openapi.json").json()
    error = schema["components"]["schemas"]["ErrorOut"]
    assert error["properties"]["error"]["$ref"].endswith("/ErrorBody")
    assert "HTTPValidationError" not in schema["components"]["schemas"]  # FastAPI's default 422 is not ours
    respond = schema["paths"]["/v1/violations/{alert_id}/response"]["post"]["responses"]
    assert {"400", "401", "403", "404", "413", "422"} <= set(respond)
    for code in ("400", "401", "403", "404", "413", "422"):
        content = respond[code]["content"]["application/json"]
        assert content["schema"] == {"$ref": "#/components/schemas/ErrorOut"}
        assert content["example"]["error"]["status"] == int(code)
    # the documented shape is what the server answers, for each of those codes
    headers = {"authorization": f"Bearer {keys['platform']}"}
    answers = {
        400: httpx.post(f"{base}/v1/violations/1/response", json={"action": "disputed"}, headers=headers),
        401: httpx.post(f"{base}/v1/violations/1/response", json={"action": "delisted"}),
        403: httpx.post(f"{base}/v1/violations/1/decision", json={"decision": "upheld"}, headers=headers),
        404: httpx.post(f"{base}/v1/violations/99999/response", json={"action": "delisted"}, headers=headers),
        413: httpx.post(f"{base}/v1/violations/1/response", content=b"x" * (11 << 20), headers=headers),
        422: httpx.post(f"{base}/v1/violations/1/response", json={"action": "ignored"}, headers=headers),
    }
    for code, response in answers.items():
        assert response.status_code == code, (code, response.text)
        body = response.json()
        assert set(body) == {"error"} and body["error"]["status"] == code and body["error"]["message"]


def test_action_and_decision_values_are_enumerated_from_the_domain(seeded_api):
    base, keys = seeded_api
    schema = httpx.get(f"{base}/openapi.json").json()
    schemas = schema["components"]["schemas"]
    assert schemas["Action"]["enum"] == list(RESPONSES) == ["delisted", "disputed", "warned"]
    assert schemas["Decision"]["enum"] == list(DECISIONS) == ["upheld", "dismissed"]
    assert schemas["ResponseIn"]["properties"]["action"]["$ref"].endswith("/Action")
    assert schemas["DecisionIn"]["properties"]["decision"]["$ref"].endswith("/Decision")
    refused = httpx.post(f"{base}/v1/violations/1/decision", json={"decision": "approve"},
                         headers={"authorization": f"Bearer {keys['regulator']}"})
    assert refused.status_code == 422 and "'upheld' or 'dismissed'" in refused.json()["error"]["message"]
