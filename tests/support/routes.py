"""The routes of a router put together from group routers (issue 17's split services),
and what the router tests check of them."""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Iterator
from types import ModuleType
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute


def api_routes(routes: list[BaseRoute]) -> Iterator[APIRoute]:
    """Every route, included routers walked (FastAPI keeps one as a single node)."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from api_routes(included.routes)
        elif isinstance(route, APIRoute):
            yield route


def route_homes(router: APIRouter) -> dict[tuple[str, str], list[str]]:
    """Each method and path, with the names of the routes that serve it."""
    homes: dict[tuple[str, str], list[str]] = {}
    for route in api_routes(router.routes):
        for method in route.methods:
            homes.setdefault((method, route.path), []).append(route.name)
    return homes


def operations(router: APIRouter) -> list[dict[str, Any]]:
    """The OpenAPI operations of an app serving just the router."""
    app = FastAPI()
    app.include_router(router)
    return [op for path in app.openapi()["paths"].values() for op in path.values()]


def router_factory_sizes(modules: Iterable[ModuleType]) -> dict[str, int]:
    """Lines of each `*_router` function the modules hold."""
    factories = [
        value
        for module in modules
        for name, value in vars(module).items()
        if name.endswith("_router") and inspect.isfunction(value)
    ]
    return {f.__name__: len(inspect.getsourcelines(f)[0]) for f in factories}
