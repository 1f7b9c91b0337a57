"""JSON Schema of the webhook payloads, defined once here; ``docs/webhook-payload.schema.json`` is generated
from it (``python -m pricewatch.webhooks.schema``) and a test keeps the two identical."""

from __future__ import annotations

import json
from pathlib import Path

_NUM = {"type": ["number", "null"]}
_STR = {"type": ["string", "null"]}
_TIME = {"type": ["string", "null"], "format": "date-time"}
_EVIDENCE = {"type": "array", "items": {"type": "object", "required": ["sha256"],
                                        "properties": {"sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"}}}}

VIOLATION = {
    "type": "object",
    "required": ["schema_version", "type", "violation", "listing", "seller", "requested_action"],
    "properties": {
        "schema_version": {"const": "1"},
        "type": {"enum": ["violation.opened", "violation.updated", "violation.closed", "violation.current"]},
        "violation": {
            "type": "object",
            "required": ["id", "status", "rule", "severity", "first_violation_at", "baseline_unit_price",
                         "observed_unit_price", "currency", "increase_pct", "evidence"],
            "properties": {
                "id": {"type": "integer"},
                "status": {"type": "string"},
                "rule": {"type": "string", "description": "rule preset id (analysis/presets.toml)"},
                "rule_title": _STR, "citation": _STR,
                "severity": {"enum": ["watch", "alert", "severe", "egregious"]},
                "first_violation_at": _TIME, "last_violation_at": _TIME,
                "baseline_unit_price": _NUM, "baseline_method": _STR, "observed_unit_price": _NUM,
                "unit": {"enum": ["piece", "ml", "g", None]},
                "currency": {"type": ["string", "null"], "pattern": "^[A-Z]{3}$"},
                "increase_pct": _NUM, "explanation": _STR,
                "flags": {"type": "array", "items": {"type": "string"}},
                "evidence": _EVIDENCE,
                "history": {"type": "array"},
            },
        },
        "listing": {"type": "object", "required": ["platform", "listing_id"],
                    "properties": {"platform": {"type": "string"}, "listing_id": {"type": "string"},
                                   "url": _STR, "title": _STR, "category": _STR}},
        "seller": {"type": ["object", "null"], "properties": {"seller_id": {"type": "string"}, "name": _STR,
                                                              "license": _STR}},
        "requested_action": {"type": "object", "required": ["action", "deadline"],
                             "properties": {"action": {"enum": ["delist", "close"]}, "deadline": _TIME,
                                            "pledge_deadline_hours": {"type": ["integer", "null"]}}},
    },
}

SELLER_FLAGGED = {
    "type": "object",
    "required": ["schema_version", "type", "seller", "reason", "matched_by", "origin", "requested_action"],
    "properties": {
        "schema_version": {"const": "1"},
        "type": {"const": "seller.flagged"},
        "seller": {"type": "object", "required": ["platform", "seller_id"],
                   "properties": {"platform": {"type": "string"}, "seller_id": {"type": "string"}, "name": _STR,
                                  "license": _STR}},
        "reason": {"type": "string"},
        "matched_by": {"enum": ["license", "regulator_link"]},
        "link": {"type": "object", "description": "the trusted link acted on: the licence and who set it on each "
                                                  "account, or the regulator's recorded link",
                 "properties": {"license": _STR, "origin_set_by": _STR, "seller_set_by": _STR,
                                "recorded_by": _STR, "reason": _STR}},
        "origin": {"type": "object", "required": ["platform", "listing_id", "violation_id", "rule", "evidence"],
                   "properties": {"platform": {"type": "string"}, "listing_id": {"type": "string"},
                                  "seller_id": _STR, "violation_id": {"type": "integer"}, "rule": {"type": "string"},
                                  "increase_pct": _NUM, "baseline_unit_price": _NUM, "observed_unit_price": _NUM,
                                  "currency": _STR, "unit": _STR, "first_violation_at": _TIME,
                                  "evidence": _EVIDENCE}},
        "requested_action": {"type": "object", "required": ["action"],
                             "properties": {"action": {"const": "review_seller"},
                                            "pledge_deadline_hours": {"type": ["integer", "null"]}}},
    },
}

SELLER_WARNED = {
    "type": "object",
    "description": "A regulator's formal warning (告诫) to a seller, on one violation or on the seller as a whole; "
                   "rules that apply only after a warning was ignored count from `correct_by` "
                   "(pricewatch.enforcement.warnings).",
    "required": ["schema_version", "type", "warning", "seller", "violation", "requested_action"],
    "properties": {
        "schema_version": {"const": "1"},
        "type": {"const": "seller.warned"},
        "warning": {"type": "object", "required": ["id", "issued_at", "correct_by", "issued_by"],
                    "properties": {"id": {"type": "integer"}, "issued_at": _TIME, "correct_by": _TIME,
                                   "issued_by": {"type": "string"}, "note": _STR}},
        "seller": {"type": ["object", "null"], "properties": {"platform": {"type": "string"},
                                                              "seller_id": {"type": "string"}, "name": _STR,
                                                              "license": _STR}},
        "violation": {"type": ["object", "null"],
                      "properties": {"id": {"type": "integer"}, "rule": {"type": "string"}, "status": _STR,
                                     "listing_id": _STR, "increase_pct": _NUM, "first_violation_at": _TIME,
                                     "evidence": _EVIDENCE}},
        "requested_action": {"type": "object", "required": ["action", "deadline"],
                             "properties": {"action": {"const": "deliver_warning"}, "deadline": _TIME,
                                            "pledge_deadline_hours": {"type": ["integer", "null"]}}},
    },
}

SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://pricewatch.example/schemas/webhook-payload.schema.json",
    "title": "pricewatch webhook payload (schema_version 1)",
    "description": "Body of every pricewatch webhook; headers follow Standard Webhooks (webhook-id, "
                   "webhook-timestamp, webhook-signature). Receivers de-duplicate on webhook-id.",
    "oneOf": [VIOLATION, SELLER_FLAGGED, SELLER_WARNED],
}

DOC = Path(__file__).resolve().parents[2] / "docs" / "webhook-payload.schema.json"


def render() -> str:
    return json.dumps(SCHEMA, indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    DOC.write_text(render(), encoding="utf-8")
    print(f"wrote {DOC}")
