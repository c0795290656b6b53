"""Loyalty's routes are their use-case groups' routers put together (issue 17), as the
front desk's are: every route has one home (two groups serving the same method and path
would leave one unreachable without a word), every operation keeps the loyalty tag, and
no group's factory grows back into the one large closure the split took apart."""

from typing import Any

from fastapi import APIRouter

from services.loyalty import (
    duplicates_api,
    guest_data_api,
    ledger_api,
    profiles_api,
    programme_api,
)
from services.loyalty.api import loyalty_router
from tests.support.routes import operations, route_homes, router_factory_sizes

MAX_ROUTER_FACTORY_LINES = 100  # the largest, programme_router, is 74
ROUTES = 18


def _router() -> APIRouter:
    # Building the router only registers routes: nothing is called on the use cases.
    uses: list[Any] = [None, None, None, None]
    return loyalty_router(*uses)


def test_every_loyalty_route_has_one_home() -> None:
    homes = route_homes(_router())
    assert {key: names for key, names in homes.items() if len(names) > 1} == {}
    assert len(homes) == ROUTES


def test_every_operation_keeps_the_loyalty_tag() -> None:
    found = operations(_router())
    assert len(found) == ROUTES
    assert [op["operationId"] for op in found if op.get("tags") != ["loyalty"]] == []


def test_no_router_factory_grows_back_into_one_large_closure() -> None:
    sizes = router_factory_sizes(
        (ledger_api, profiles_api, duplicates_api, guest_data_api, programme_api)
    )
    assert len(sizes) == 5
    assert {name: lines for name, lines in sizes.items() if lines > MAX_ROUTER_FACTORY_LINES} == {}
