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
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import Counter
from starlette.routing import Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.auth import PUBLIC, AccessPolicy, KeyRing, Principal, presented_credential
from shared.logging import get_logger
from shared.problems import PROBLEM_JSON
from shared.route_scopes import RouteScopes

log = get_logger(__name__)

REQUESTS_REFUSED = Counter(
    "http_requests_refused_total", "Requests refused by the gate", ["reason"]
)


_BODIES = frozenset({"POST", "PUT", "PATCH"})  # a body without a length is read, capped


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
class Refusal:
    """A problem+json answer the gate gives instead of the route's; `reason` labels the
    refusal counter."""

    status: int
    title: str
    detail: str
    reason: str
    headers: dict[str, str] = field(default_factory=dict)


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
        self.keys = keys
        self.limiter = limiter
        self.settings = settings
        self.routes = RouteScopes(router, policy)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        refusal = self._admission(scope, headers)
        if refusal is None and "content-length" not in headers and scope["method"] in _BODIES:
            body = await read_capped(receive, self.settings.max_body_bytes)
            if body is None:
                refusal = self._too_large()
            else:
                receive = _replay(body, receive)
        if refusal is not None:
            await refuse(scope, send, refusal)
            return
        await self._handle_in_time(scope, receive, send)

    def _admission(self, scope: Scope, headers: dict[str, str]) -> Refusal | None:
        """The checks in order: who (401, or 429 after too many failures), how often (429),
        what (403), how much (413, when the length is declared). None: let it in."""
        method = scope["method"]
        template = self.routes.template(scope)
        required = (
            self.routes.required(method, template) if template is not None else frozenset()
        )  # no such route: any valid credential, then 404/405
        address = f"address:{(scope.get('client') or ('unknown',))[0]}"
        principal: Principal | None = None
        if required is PUBLIC:
            caller = address
        else:
            found = self._authenticated(headers, address, method, template)
            if isinstance(found, Refusal):
                return found
            principal = found
            scope.setdefault("state", {})["principal"] = principal
            caller = f"key:{principal.key_id}"
        return (
            self._over_rate(caller, template)
            or self._out_of_scope(principal, required, method, template)
            or self._declared_too_large(headers)
        )

    def _authenticated(
        self, headers: dict[str, str], address: str, method: str, template: str | None
    ) -> Principal | Refusal:
        if self.failures and (wait := self.failures.waiting(address)) > 0:
            log.warning("request refused: too many failed authentications", route=template)
            return Refusal(
                429,
                "Too many requests",
                "too many failed authentications from this address; retry later",
                "auth_throttled",
                {"retry-after": str(math.ceil(wait))},
            )
        credential = presented_credential(headers)
        principal = self.keys.authenticate(credential) if credential else None
        if principal is not None:
            return principal
        if self.failures:
            self.failures.take(address)
        log.info(
            "request refused: no valid credential",
            method=method,
            route=template,
            presented=credential is not None,
        )
        return Refusal(
            401,
            "Unauthorized",
            "a valid credential is needed: 'Authorization: Bearer <key>'",
            "unauthenticated",
            {"www-authenticate": 'Bearer realm="hotel"'},
        )

    def _over_rate(self, caller: str, template: str | None) -> Refusal | None:
        wait = self.limiter.take(caller)
        if wait <= 0:
            return None
        log.warning("request refused: rate limit", caller=caller, route=template)
        return Refusal(
            429,
            "Too many requests",
            "the rate limit for this credential is reached; retry later",
            "rate_limited",
            {"retry-after": str(math.ceil(wait))},
        )

    @staticmethod
    def _out_of_scope(
        principal: Principal | None,
        required: frozenset[str] | None,
        method: str,
        template: str | None,
    ) -> Refusal | None:
        if principal is None or not required or principal.has_any(required):
            return None
        # who tried what: the key id, never the credential
        log.warning(
            "request refused: scope", key_id=principal.key_id, method=method, route=template
        )
        return Refusal(
            403, "Forbidden", f"this route needs one of the scopes {sorted(required)}", "forbidden"
        )

    def _declared_too_large(self, headers: dict[str, str]) -> Refusal | None:
        length = headers.get("content-length")
        if length is None or (length.isdigit() and int(length) <= self.settings.max_body_bytes):
            return None
        return self._too_large()

    def _too_large(self) -> Refusal:
        return Refusal(
            413,
            "Content too large",
            f"the body may not exceed {self.settings.max_body_bytes} bytes",
            "too_large",
        )

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
            await refuse(
                scope,
                send,
                Refusal(
                    503,
                    "Request timed out",
                    "the service took too long to answer; it is logged",
                    "timeout",
                    {"retry-after": "1"},
                ),
            )


async def refuse(scope: Scope, send: Send, refusal: Refusal) -> None:
    """Answers with the refusal as problem+json, counted by its reason."""
    REQUESTS_REFUSED.labels(refusal.reason).inc()
    body = json.dumps(
        {
            "type": "about:blank",
            "title": refusal.title,
            "status": refusal.status,
            "detail": refusal.detail,
            "instance": scope["path"],
        }
    ).encode()
    raw_headers = [
        (b"content-type", PROBLEM_JSON.encode()),
        (b"content-length", str(len(body)).encode()),
        *((k.encode(), v.encode()) for k, v in refusal.headers.items()),
    ]
    await send({"type": "http.response.start", "status": refusal.status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})


async def read_capped(receive: Receive, limit: int) -> bytes | None:
    """The whole body, or None once it grows past `limit` bytes."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        if size > limit:
            return None
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


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
