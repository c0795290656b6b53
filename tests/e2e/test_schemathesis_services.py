"""schemathesis against each running service's OpenAPI, with a manager key: valid and
invalid requests generated from the schema; 0 server errors (5xx) and 0 responses that
break their documented schema, over at least FUZZ_CASES cases per service.

Selected with `-m fuzz` (left out of the default run: it takes minutes on two cores).
"""

from __future__ import annotations

import contextlib
import math
import os
from collections import Counter
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.support.stack import SERVICE_NAMES, Stack

pytestmark = [pytest.mark.e2e, pytest.mark.fuzz]

CASES_PER_SERVICE = int(os.environ.get("FUZZ_CASES", "1000"))
CHECKS = {"server error": not_a_server_error, "schema violation": response_schema_conformance}


def fuzz(base_url: str, headers: dict[str, str], wanted: int) -> dict[str, Any]:
    """Calls generated cases until `wanted` got past the gate (schemathesis also sends
    broken credentials, which the gate answers with 401); returns figures and failures."""
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    figures: dict[str, Any] = {
        "cases": 0,
        "past_gate": 0,
        "statuses": Counter(),
        "failures": [],
        "operations": len(operations),
    }
    per_operation = max(10, math.ceil(wanted / (2 * len(operations))))

    def run(operation: Any, mode: GenerationMode) -> None:
        @settings(
            max_examples=per_operation,
            deadline=None,
            database=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(operation.as_strategy(generation_mode=mode))
        def call(case: Any) -> None:
            response = case.call(base_url=base_url, headers=headers, timeout=10)
            figures["cases"] += 1
            figures["statuses"][response.status_code] += 1
            figures["past_gate"] += response.status_code != 401
            for name, check in CHECKS.items():
                try:
                    case.validate_response(response, checks=[check])
                except Exception as failure:  # noqa: BLE001 - each one is a finding
                    figures["failures"].append(
                        (
                            name,
                            f"{case.method} {case.formatted_path}",
                            response.status_code,
                            str(failure).splitlines()[0][:300],
                            case.as_curl_command()[:500],
                        )
                    )

        # Unsatisfiable: nothing to make invalid (an operation without parameters)
        with contextlib.suppress(Unsatisfiable):
            call()

    while figures["past_gate"] < wanted:
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                run(operation, mode)
    return figures


# Each service with a manager key (every route), and the reservation service with an
# integrator's key too (its own-channel paths: scoped keys, searches, refusals).
@pytest.mark.parametrize(
    ("name", "scope"),
    [*((name, "manager") for name in SERVICE_NAMES), ("reservation", "integrator")],
)
def test_schemathesis_finds_no_server_error_and_no_schema_violation(
    stack: Stack, name: str, scope: str
) -> None:
    stack.start(name)
    headers = stack.credentials.headers(scope)
    figures = fuzz(stack.services[name].url, headers, CASES_PER_SERVICE)
    kinds = Counter(kind for kind, *_ in figures["failures"])
    print(
        f"\n{name} ({scope}): {figures['cases']} cases "
        f"({figures['past_gate']} past the gate) over "
        f"{figures['operations']} operations; "
        f"statuses {dict(sorted(figures['statuses'].items()))}; "
        f"server errors {kinds['server error']}, schema violations {kinds['schema violation']}"
    )
    for failure in figures["failures"][:10]:
        print("  ", failure)
    assert figures["past_gate"] >= CASES_PER_SERVICE
    assert figures["failures"] == []
