"""The front desk's routes are their use-case groups' routers put together (issue 17). Two
groups serving the same method and path would leave one of them unreachable without a
word (the first included answers), so every route has one home; and no group's factory
grows back into the one large closure the split took apart."""

import inspect
from typing import Any

from fastapi import APIRouter, FastAPI

from services.frontdesk import api
from services.frontdesk.api import frontdesk_router
from tests.support.routes import api_routes

MAX_ROUTER_FACTORY_LINES = 100  # the largest, stay_router, is 71


def _router() -> APIRouter:
    # Building the router only registers routes: nothing is called on the desks.
    desks: list[Any] = [None, None, None, None, object(), object()]
    return frontdesk_router(*desks)


def test_every_front_desk_route_has_one_home() -> None:
    seen: dict[tuple[str, str], list[str]] = {}
    for route in api_routes(_router().routes):
        for method in route.methods:
            seen.setdefault((method, route.path), []).append(route.name)
    assert {key: names for key, names in seen.items() if len(names) > 1} == {}
    assert len(seen) == 24  # with the optional departure and registration desks


def test_every_operation_keeps_the_front_desk_tag() -> None:
    app = FastAPI()
    app.include_router(_router())
    operations = [op for path in app.openapi()["paths"].values() for op in path.values()]
    assert len(operations) == 24
    assert [op["operationId"] for op in operations if op.get("tags") != ["front desk"]] == []


def test_no_router_factory_grows_back_into_one_large_closure() -> None:
    factories = [
        value
        for name, value in vars(api).items()
        if name.endswith("_router") and inspect.isfunction(value)
    ]
    sizes = {f.__name__: len(inspect.getsourcelines(f)[0]) for f in factories}
    assert {name: lines for name, lines in sizes.items() if lines > MAX_ROUTER_FACTORY_LINES} == {}
    assert len(sizes) == 8
