"""Every HTTP request gets a correlation id (the caller's `X-Correlation-ID`, else a new
one) bound to its logs and echoed in the answer, and is counted and timed per route.

A pure ASGI middleware: Starlette's BaseHTTPMiddleware (`@app.middleware("http")`) runs
the app in a task group and streams the answer through memory queues on every request,
which showed as a share of every request's time in py-spy (make bench --profile)."""

from __future__ import annotations

import time

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.logging import bind_correlation_id

HTTP_REQUESTS = Counter("http_requests_total", "HTTP requests", ["method", "route", "status"])
HTTP_LATENCY = Histogram("http_request_seconds", "HTTP request latency", ["method", "route"])
HEADER = b"x-correlation-id"


class CorrelateAndMeasure:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        presented = next(
            (v.decode("latin-1") for k, v in scope["headers"] if k.lower() == HEADER), None
        )
        correlation_id = bind_correlation_id(presented)
        echoed = correlation_id.encode("latin-1", "replace")
        status = 500  # what the server answers if the app raises before it answers
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", ()), (HEADER, echoed)]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            # The router put the matched route in the scope: label by template, not path.
            route = getattr(scope.get("route"), "path", "unmatched")
            HTTP_REQUESTS.labels(scope["method"], route, status).inc()
            HTTP_LATENCY.labels(scope["method"], route).observe(time.perf_counter() - started)
