"""Which route a request is for, and which scopes that route needs (the gate asks both
of every request before any route code runs: shared/guard.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from starlette.routing import BaseRoute, Router, compile_path
from starlette.types import Scope

from shared.auth import AccessPolicy

_USUAL_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class RouteScopes:
    def __init__(self, router: Router, policy: AccessPolicy) -> None:
        self.router = router
        self.policy = policy
        self._table: list[tuple[Any, frozenset[str] | None, str]] | None = None
        self._scopes: dict[tuple[str, str], frozenset[str] | None] = {}

    def template(self, scope: Scope) -> str | None:
        """The path template of the route this request is for (None: no route). A route
        with the path but another method counts: its policy applies, then 405."""
        if self._table is None:  # routes are all in place by the first request
            self._table = list(route_table(self.router.routes))
        partial = None
        for regex, methods, template in self._table:
            if regex.match(scope["path"]):
                if methods is None or scope["method"] in methods:
                    return template
                partial = partial or template
        return partial

    def required(self, method: str, template: str) -> frozenset[str] | None:
        """The policy's answer for a route, worked out once: its rules are matched
        segment by segment with shell patterns on every request otherwise, and the routes
        are a fixed few (kept for the usual methods only, so no caller grows the table)."""
        route = (method, template)
        if route in self._scopes:
            return self._scopes[route]
        required = self.policy.required_scopes(method, template)
        if method in _USUAL_METHODS:
            self._scopes[route] = required
        return required


def route_table(
    routes: list[BaseRoute], prefix: str = ""
) -> Iterator[tuple[Any, frozenset[str] | None, str]]:
    """(path regex, methods, template) of every route, routers included at any depth.
    (FastAPI keeps an included router as one node; its routes are not in `app.routes`.)"""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            # FastAPI's own node for an included router (not in the BaseRoute type)
            included_prefix: str = getattr(route, "include_context").prefix  # noqa: B009
            yield from route_table(included.routes, prefix + included_prefix)
        elif isinstance(path := getattr(route, "path", None), str):
            template = prefix + path
            methods = getattr(route, "methods", None)
            yield compile_path(template)[0], frozenset(methods) if methods else None, template
