"""schemathesis against the live `/openapi.json`, with each role's key: no 500, and no status the schema does
not document, on any generated request — valid ones and, in negative mode, invalid ones (bounded:
``PRICEWATCH_SCHEMATHESIS_EXAMPLES`` per operation and mode, every role's key on each)."""

from __future__ import annotations

import os

import schemathesis
from api_seed import ROLES
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import status_code_conformance

EXAMPLES = int(os.environ.get("PRICEWATCH_SCHEMATHESIS_EXAMPLES", "25"))


def test_no_request_from_any_role_gets_a_500_or_an_undocumented_status(seeded_api):
    base, keys = seeded_api
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
