"""The routes of a router put together from group routers (issue 17's split services)."""

from __future__ import annotations

from collections.abc import Iterator

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
