"""The gate every request passes before any route code runs (an ASGI middleware).

In order: find the route the request is for; public route, or a valid credential (401)
with one of the route's scopes (403); a rate limit per credential, or per client address
on public routes (429 with Retry-After); a cap on the body size (413); a time limit on
the handling (503). The authenticated `Principal` lands in `request.state.principal`.
A path that matches no route needs a valid credential too, so an anonymous caller learns
nothing about which routes exist.

The rate limiter lives in the process: N replicas allow N times the rate. Good enough
against a runaway client; a shared limiter (the gateway's, or Redis) is for later.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from prometheus_client import Counter
from starlette.routing import BaseRoute, Router, compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.auth import PUBLIC, AccessPolicy, KeyRing, Principal, presented_credential
from shared.logging import get_logger
from shared.problems import PROBLEM_JSON

log = get_logger(__name__)

REQUESTS_REFUSED = Counter(
    "http_requests_refused_total", "Requests refused by the gate", ["reason"]
)


_USUAL_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class TokenBuckets:
    """A token bucket per caller: `per_minute` sustained, bursts up to `burst`."""

    def __init__(
        self, per_minute: int, burst: int, max_callers: int = 10_000, clock: Any = time.monotonic
    ) -> None:
        self.rate = per_minute / 60.0
        self.burst = burst
        self.max_callers = max_callers
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def waiting(self, caller: str) -> float:
        """Like `take`, but without taking: the seconds until the caller has a token."""
        tokens, last = self._buckets.get(caller, (float(self.burst), self.clock()))
        tokens = min(float(self.burst), tokens + (self.clock() - last) * self.rate)
        return 0.0 if tokens >= 1 else (1 - tokens) / self.rate

    def take(self, caller: str) -> float:
        """0 if the caller may go on; else the seconds until it may try again."""
        now = self.clock()
        tokens, last = self._buckets.pop(caller, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.rate)
        if tokens >= 1:
            tokens -= 1
            wait = 0.0
        else:
            wait = (1 - tokens) / self.rate
        self._buckets[caller] = (tokens, now)
        while len(self._buckets) > self.max_callers:  # forget the longest-idle callers
            self._buckets.popitem(last=False)
        return wait


@dataclass(frozen=True)
class GuardSettings:
    max_body_bytes: int
    request_timeout_seconds: float


class ApiGuard:
    def __init__(
        self,
        app: ASGIApp,
        *,
        router: Router,
        policy: AccessPolicy,
        keys: KeyRing,
        limiter: TokenBuckets,
        settings: GuardSettings,
        failures: TokenBuckets | None = None,
    ) -> None:
        """`failures`: failed authentications allowed per client address; once spent,
        the address gets 429 before its credential is even looked at (no guessing)."""
        self.app = app
        self.failures = failures
        self.router = router
        self.policy = policy
        self.keys = keys
        self.limiter = limiter
        self.settings = settings
        self._table: list[tuple[Any, frozenset[str] | None, str]] | None = None
        self._scopes: dict[tuple[str, str], frozenset[str] | None] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        method = scope["method"]
        template = self._route_template(scope)
        required = (
            self._required_scopes(method, template) if template is not None else frozenset()
        )  # no such route: any valid credential, then 404/405

        address = f"address:{(scope.get('client') or ('unknown',))[0]}"
        principal: Principal | None = None
        if required is PUBLIC:
            caller = address
        else:
            if self.failures and (wait := self.failures.waiting(address)) > 0:
                log.warning("request refused: too many failed authentications", route=template)
                await self._refuse(
                    scope,
                    send,
                    429,
                    "Too many requests",
                    "too many failed authentications from this address; retry later",
                    {"retry-after": str(math.ceil(wait))},
                    "auth_throttled",
                )
                return
            credential = presented_credential(headers)
            principal = self.keys.authenticate(credential) if credential else None
            if principal is None:
                if self.failures:
                    self.failures.take(address)
                log.info(
                    "request refused: no valid credential",
                    method=method,
                    route=template,
                    presented=credential is not None,
                )
                await self._refuse(
                    scope,
                    send,
                    401,
                    "Unauthorized",
                    "a valid credential is needed: 'Authorization: Bearer <key>'",
                    {"www-authenticate": 'Bearer realm="hotel"'},
                    "unauthenticated",
                )
                return
            scope.setdefault("state", {})["principal"] = principal
            caller = f"key:{principal.key_id}"

        wait = self.limiter.take(caller)
        if wait > 0:
            log.warning("request refused: rate limit", caller=caller, route=template)
            await self._refuse(
                scope,
                send,
                429,
                "Too many requests",
                "the rate limit for this credential is reached; retry later",
                {"retry-after": str(math.ceil(wait))},
                "rate_limited",
            )
            return

        if principal is not None and required and not principal.has_any(required):
            # who tried what: the key id, never the credential
            log.warning(
                "request refused: scope", key_id=principal.key_id, method=method, route=template
            )
            await self._refuse(
                scope,
                send,
                403,
                "Forbidden",
                f"this route needs one of the scopes {sorted(required)}",
                {},
                "forbidden",
            )
            return

        length = headers.get("content-length")
        if length is not None and (
            not length.isdigit() or int(length) > self.settings.max_body_bytes
        ):
            await self._refuse(
                scope,
                send,
                413,
                "Content too large",
                f"the body may not exceed {self.settings.max_body_bytes} bytes",
                {},
                "too_large",
            )
            return
        if length is None and method in ("POST", "PUT", "PATCH"):
            body = await self._read_capped(receive)
            if body is None:
                await self._refuse(
                    scope,
                    send,
                    413,
                    "Content too large",
                    f"the body may not exceed {self.settings.max_body_bytes} bytes",
                    {},
                    "too_large",
                )
                return
            receive = _replay(body, receive)

        await self._handle_in_time(scope, receive, send)

    def _required_scopes(self, method: str, template: str) -> frozenset[str] | None:
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

    def _route_template(self, scope: Scope) -> str | None:
        """The path template of the route this request is for (None: no route). A route
        with the path but another method counts: its policy applies, then 405."""
        if self._table is None:  # routes are all in place by the first request
            self._table = list(_route_table(self.router.routes))
        partial = None
        for regex, methods, template in self._table:
            if regex.match(scope["path"]):
                if methods is None or scope["method"] in methods:
                    return template
                partial = partial or template
        return partial

    async def _read_capped(self, receive: Receive) -> bytes | None:
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.settings.max_body_bytes:
                return None
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    async def _handle_in_time(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            async with asyncio.timeout(self.settings.request_timeout_seconds):
                await self.app(scope, receive, tracking_send)
        except TimeoutError:
            log.error(
                "request timed out",
                path=scope["path"],
                seconds=self.settings.request_timeout_seconds,
            )
            if started:
                raise
            await self._refuse(
                scope,
                send,
                503,
                "Request timed out",
                "the service took too long to answer; it is logged",
                {"retry-after": "1"},
                "timeout",
            )

    @staticmethod
    async def _refuse(
        scope: Scope,
        send: Send,
        status: int,
        title: str,
        detail: str,
        headers: dict[str, str],
        reason: str,
    ) -> None:
        REQUESTS_REFUSED.labels(reason).inc()
        body = json.dumps(
            {
                "type": "about:blank",
                "title": title,
                "status": status,
                "detail": detail,
                "instance": scope["path"],
            }
        ).encode()
        raw_headers = [
            (b"content-type", PROBLEM_JSON.encode()),
            (b"content-length", str(len(body)).encode()),
            *((k.encode(), v.encode()) for k, v in headers.items()),
        ]
        await send({"type": "http.response.start", "status": status, "headers": raw_headers})
        await send({"type": "http.response.body", "body": body})


def _replay(body: bytes, original: Receive) -> Receive:
    """The body already read, then whatever the connection says next (a disconnect)."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await original()

    return receive


def _route_table(
    routes: list[BaseRoute], prefix: str = ""
) -> Iterator[tuple[Any, frozenset[str] | None, str]]:
    """(path regex, methods, template) of every route, routers included at any depth.
    (FastAPI keeps an included router as one node; its routes are not in `app.routes`.)"""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            # FastAPI's own node for an included router (not in the BaseRoute type)
            included_prefix: str = getattr(route, "include_context").prefix  # noqa: B009
            yield from _route_table(included.routes, prefix + included_prefix)
        elif isinstance(path := getattr(route, "path", None), str):
            template = prefix + path
            methods = getattr(route, "methods", None)
            yield compile_path(template)[0], frozenset(methods) if methods else None, template
