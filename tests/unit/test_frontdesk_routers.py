"""The front desk's routes are their use-case groups' routers put together (issue 17). Two
groups serving the same method and path would leave one of them unreachable without a
word (the first included answers), so every route has one home; and no group's factory
grows back into the one large closure the split took apart."""

from typing import Any

from fastapi import APIRouter

from services.frontdesk import api
from services.frontdesk.api import frontdesk_router
from tests.support.routes import operations, route_homes, router_factory_sizes

MAX_ROUTER_FACTORY_LINES = 100  # the largest, stay_router, is 71


def _router() -> APIRouter:
    # Building the router only registers routes: nothing is called on the desks.
    desks: list[Any] = [None, None, None, None, object(), object()]
    return frontdesk_router(*desks)


def test_every_front_desk_route_has_one_home() -> None:
    homes = route_homes(_router())
    assert {key: names for key, names in homes.items() if len(names) > 1} == {}
    assert len(homes) == 24  # with the optional departure and registration desks


def test_every_operation_keeps_the_front_desk_tag() -> None:
    found = operations(_router())
    assert len(found) == 24
    assert [op["operationId"] for op in found if op.get("tags") != ["front desk"]] == []


def test_no_router_factory_grows_back_into_one_large_closure() -> None:
    sizes = router_factory_sizes([api])
    assert {name: lines for name, lines in sizes.items() if lines > MAX_ROUTER_FACTORY_LINES} == {}
    assert len(sizes) == 8
