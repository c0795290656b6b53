"""Issue 15: no listing is unbounded. In every service's OpenAPI, each paging or size
parameter (limit, offset, ...) has a maximum, so one request cannot ask for the whole
store or skip past what the store can count."""

from __future__ import annotations

import pytest

from tests.unit.test_pages_access import SERVICES, build

PAGING = {"limit", "offset", "page", "page_size", "size", "skip", "count"}


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_every_paging_parameter_has_a_maximum(service: str) -> None:
    schema = build(service).openapi()
    checked, unbounded = 0, []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] != "query" or parameter["name"] not in PAGING:
                    continue
                checked += 1
                if "maximum" not in parameter["schema"]:
                    unbounded.append(f"{method.upper()} {path} {parameter['name']}")
    assert unbounded == []
    print(f"\n{service}: {checked} paging parameters, all bounded")
