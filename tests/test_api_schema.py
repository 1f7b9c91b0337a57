"""schemathesis against the live `/openapi.json`, with each role's key: no 500, and no status the schema does
not document, on any generated request — valid ones and, in negative mode, invalid ones (bounded:
``PRICEWATCH_SCHEMATHESIS_EXAMPLES`` per operation and mode, every role's key on each)."""

from __future__ import annotations

import os
from datetime import timedelta

import pandas as pd
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import status_code_conformance
from sqlalchemy import select

from pricewatch.api.serve import serve_api
from pricewatch.ingest import ingest_frame
from pricewatch.keys import create_key
from pricewatch.store.models import Alert, Listing, utcnow

EXAMPLES = int(os.environ.get("PRICEWATCH_SCHEMATHESIS_EXAMPLES", "25"))
ROLES = ("platform", "regulator", "analyst", "admin")


@pytest.fixture
def api(db):
    """The API on 127.0.0.1 with one listing and one violation of jd's; returns (base_url, keys by role)."""
    now = utcnow()
    rows = [{"platform": "jd", "listing_id": "J1", "seller_id": "s1", "observed_at": (now - timedelta(days=d))
             .strftime("%Y-%m-%dT%H:%M:%SZ"), "price": "29.90", "currency": "CNY", "title": "医用外科口罩 50只/盒"}
            for d in range(3)]
    ingest_frame(db, pd.DataFrame(rows))
    with db.session() as s:
        listing = s.scalar(select(Listing).where(Listing.listing_key == "J1"))
        s.add(Alert(listing_id=listing.id, rule="cn-samr-2020", severity="severe", first_violation_at=now,
                    detected_at=now, baseline_unit_price=0.6, observed_unit_price=3.0, unit="piece", currency="CNY",
                    increase_pct=400.0, status="notified", history=[]))
        s.commit()
    keys = {role: create_key(db, role=role, platform="jd" if role == "platform" else None)[1] for role in ROLES}
    with serve_api(db) as base:
        yield base, keys


def test_no_request_from_any_role_gets_a_500_or_an_undocumented_status(api):
    base, keys = api
    schema = schemathesis.openapi.from_url(f"{base}/openapi.json")
    failures = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8
    for operation, mode in ((op, mode) for op in operations for mode in GenerationMode):
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(generation_mode=mode))
        def check(case):
            for role in ROLES:
                response = case.call(headers={"authorization": f"Bearer {keys[role]}"}, timeout=30)
                case.validate_response(response, checks=[not_a_server_error, status_code_conformance])

        try:
            check()
        except Unsatisfiable:
            continue  # nothing in this operation can be made invalid (negative mode has nothing to generate)
        except Exception as exc:  # collect every operation's failure, not only the first
            failures.append(f"{operation.label} ({mode.value}): {str(exc)[:1500]}")
    assert not failures, "\n\n".join(failures)
