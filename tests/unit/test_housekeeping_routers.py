"""Housekeeping's routes are their groups' routers put together (issue 17), as the front
desk's and loyalty's are: every route has one home (two groups serving the same method and
path would leave one unreachable without a word), every operation keeps the housekeeping
tag, and no group's factory grows back into the one large closure the split took apart."""

import inspect
from typing import Any

from fastapi import APIRouter, FastAPI

from services.housekeeping import (
    amenities_api,
    maintenance_api,
    plans_api,
    reports_api,
    rooms_api,
    tasks_api,
)
from services.housekeeping.api import housekeeping_router
from tests.support.routes import api_routes

MAX_ROUTER_FACTORY_LINES = 100  # the largest, tasks_router, is 71
ROUTES = 29


def _router() -> APIRouter:
    # Building the router only registers routes: nothing is called on the use cases.
    uses: list[Any] = [None, None, None, None, None]
    return housekeeping_router(*uses)


def test_every_housekeeping_route_has_one_home() -> None:
    seen: dict[tuple[str, str], list[str]] = {}
    for route in api_routes(_router().routes):
        for method in route.methods:
            seen.setdefault((method, route.path), []).append(route.name)
    assert {key: names for key, names in seen.items() if len(names) > 1} == {}
    assert len(seen) == ROUTES


def test_every_operation_keeps_the_housekeeping_tag() -> None:
    app = FastAPI()
    app.include_router(_router())
    operations = [op for path in app.openapi()["paths"].values() for op in path.values()]
    assert len(operations) == ROUTES
    assert [op["operationId"] for op in operations if op.get("tags") != ["housekeeping"]] == []


def test_no_router_factory_grows_back_into_one_large_closure() -> None:
    factories = [
        value
        for module in (rooms_api, maintenance_api, tasks_api, plans_api, amenities_api, reports_api)
        for name, value in vars(module).items()
        if name.endswith("_router") and inspect.isfunction(value)
    ]
    assert len(factories) == 7
    sizes = {f.__name__: len(inspect.getsourcelines(f)[0]) for f in factories}
    assert {name: lines for name, lines in sizes.items() if lines > MAX_ROUTER_FACTORY_LINES} == {}
