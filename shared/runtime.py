"""What every service process is made of, built in one place.

A service's main.py creates a `ServiceRuntime` (database, broker, outbox relay, parking
lot), wires its own repository, use cases, routes and subscribers onto it, and calls
`create_service_app`. Start-up order matters: the topology is declared before any
subscriber consumes and before the relay publishes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Annotated, Any

import aio_pika
import uvicorn
from fastapi import APIRouter, FastAPI, Query, Response
from faststream.middlewares import AckPolicy
from faststream.rabbit import RabbitBroker
from faststream.rabbit.schemas import Channel
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from shared.asyncapi import render, service_document
from shared.audit import AuditLog
from shared.auth import AccessPolicy, KeyRing
from shared.broker_identity import broker_login
from shared.consumer import RetryOrPark
from shared.errors import NotFound
from shared.guard import ApiGuard, GuardSettings, TokenBuckets
from shared.health import health_router
from shared.http_observe import CorrelateAndMeasure
from shared.idempotent_requests import IdempotentRequests
from shared.logging import configure_logging, get_logger
from shared.mongo import close_database, connect_database, ping
from shared.outbox import OutboxRelay
from shared.parking import ParkedMessage, ParkingLot, Replayed
from shared.problems import PROBLEM_JSON, install_problem_handlers
from shared.process_lease import ProcessLease
from shared.producers import ALLOWED_PRODUCERS
from shared.settings import ServiceSettings
from shared.topology import CONSUMER_QUEUES, QueuePolicy, declare_topology
from shared.worker import PollingWorker

log = get_logger(__name__)


class ServiceRuntime:
    def __init__(self, settings: ServiceSettings, *, outbox_collections: Iterable[str]) -> None:
        configure_logging(settings.service_name, settings.log_level)
        self.settings = settings
        self.database = connect_database(settings)
        self.parking = ParkingLot(CONSUMER_QUEUES[settings.service_name])
        self.broker = RabbitBroker(
            settings.rabbitmq_url,
            default_channel=Channel(prefetch_count=settings.prefetch_count),
            ack_policy=AckPolicy.REJECT_ON_ERROR,
            middlewares=[
                RetryOrPark(
                    self.parking,
                    settings.max_attempts,
                    producers=ALLOWED_PRODUCERS,
                    own_login=broker_login(settings.rabbitmq_url),
                )
            ],
            logger=logging.getLogger("faststream"),
            log_level=logging.DEBUG,  # one line per message is too much at INFO
            # A clean stop waits this long for handlers in flight; one cut short is not
            # acked and comes back (consumers are idempotent), so a stop stays under 2 s.
            graceful_timeout=1.0,
        )
        self.relay = OutboxRelay(
            self.database,
            outbox_collections,
            poll_seconds=settings.outbox_poll_seconds,
            lease_seconds=settings.outbox_lease_seconds,
            enabled=settings.outbox_relay_enabled,
        )
        # This process's claim to be alive: half-done work names it (bookings, keys).
        self.lease = ProcessLease(
            self.database,
            term_seconds=settings.process_lease_seconds,
            instance_name=settings.instance_name,
        )
        self.connection: aio_pika.abc.AbstractRobustConnection | None = None
        self._joining: asyncio.Task[None] | None = None
        # Who may call what (services/<name>/access.py) and with which keys.
        self.access_policy = AccessPolicy.for_service(settings.service_name)
        self.api_keys = KeyRing.from_json(settings.api_keys)
        # Reveals of personal data, in this service's own database.
        self.audit = AuditLog(self.database, settings.property_id)

    @property
    def queue_policy(self) -> QueuePolicy:
        return QueuePolicy(
            retry_delay_ms=self.settings.retry_delay_ms, delivery_limit=self.settings.delivery_limit
        )

    async def start(self, prepare_database: Callable[[], Awaitable[None]]) -> None:
        await prepare_database()
        await self.audit.prepare()
        await self.lease.renew()  # before any work can name it as its owner
        self.lease.start_loop()
        if not len(self.api_keys):
            log.warning("no API keys configured (API_KEYS): only public routes will answer")
        # The broker may come up after the service (compose, a reboot, a broker restart):
        # the service answers meanwhile (/readyz says not ready, writes wait in the
        # outbox) and joins the broker as soon as it answers.
        self._joining = asyncio.create_task(self._join_broker())

    async def _join_broker(self) -> None:
        delay = 0.5
        while True:
            try:
                await self._connect_and_declare()
                break
            except Exception as error:  # noqa: BLE001 - anything: the broker is not usable yet
                log.warning(
                    "broker not usable yet; retrying",
                    retry_in_seconds=delay,
                    error=f"{type(error).__name__}: {error}"[:300],
                )
                if self.connection is not None:
                    with contextlib.suppress(Exception):
                        await self.connection.close()
                    self.connection = None
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
        await self.broker.start()
        assert self.connection is not None  # _connect_and_declare opened it
        await self.relay.start(self.connection)
        log.info(
            "service started",
            port=self.settings.http_port,
            store="mongodb" if self.settings.mongodb_url else "embedded",
        )

    async def _connect_and_declare(self) -> None:
        self.connection = await aio_pika.connect_robust(self.settings.rabbitmq_url)
        await declare_topology(self.connection, self.settings.service_name, self.queue_policy)
        await self.parking.start(self.connection)

    async def stop(self) -> None:
        started = time.perf_counter()
        if self._joining is not None and not self._joining.done():
            self._joining.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._joining
        await self.relay.stop()
        await self.broker.stop()  # waits for handlers in flight, up to graceful_timeout
        if self.connection:
            await self.connection.close()
        await self.lease.release()
        close_database(self.database)  # the embedded store writes its snapshot
        log.info("service stopped", seconds=round(time.perf_counter() - started, 2))

    async def broker_ready(self) -> bool:
        return (
            self._joining is not None
            and self._joining.done()
            and self._joining.exception() is None
            and self.connection is not None
            and not self.connection.is_closed
            and await self.broker.ping(timeout=2)
        )

    async def database_ready(self) -> bool:
        return await ping(self.database)


def create_service_app(
    runtime: ServiceRuntime,
    *,
    title: str,
    routers: Iterable[APIRouter],
    prepare_database: Callable[[], Awaitable[None]],
    workers: Iterable[PollingWorker] = (),
) -> FastAPI:
    """`workers`: the service's own background loops, run while the app runs."""
    workers = tuple(workers)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await runtime.start(prepare_database)
        for worker in workers:
            worker.start_loop()
        try:
            yield
        finally:
            for worker in workers:
                await worker.stop_loop()
            await runtime.stop()

    app = FastAPI(title=title, lifespan=lifespan, version="0.1.0")
    install_problem_handlers(app)
    settings = runtime.settings
    # Innermost: after the gate has named the caller, whose keys these are.
    app.add_middleware(IdempotentRequests, database=runtime.database, lease=runtime.lease)
    # Added before the middleware below, so it runs inside the correlation/metrics one.
    app.add_middleware(
        ApiGuard,
        router=app.router,
        policy=runtime.access_policy,
        keys=runtime.api_keys,
        limiter=TokenBuckets(settings.rate_limit_per_minute, settings.rate_limit_burst),
        settings=GuardSettings(settings.max_body_bytes, settings.request_timeout_seconds),
        failures=TokenBuckets(settings.auth_failures_per_minute, settings.auth_failures_burst),
    )

    app.add_middleware(CorrelateAndMeasure)  # outermost: refusals get an id and a count too

    _document_security(app, runtime.access_policy)
    app.include_router(
        health_router({"database": runtime.database_ready, "broker": runtime.broker_ready})
    )
    app.include_router(_operations_router(runtime, title))
    for router in routers:
        app.include_router(router)
    return app


PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
    },
}


def _document_security(app: FastAPI, policy: AccessPolicy) -> None:
    """The OpenAPI says how to authenticate, and which operations need no credential."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = generate()
        schema.setdefault("components", {})["securitySchemes"] = {
            "apiKey": {
                "type": "http",
                "scheme": "bearer",
                "description": "a department's API key: <key id>.<secret>",
            }
        }
        schema["components"].setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        schema["security"] = [{"apiKey": []}]
        problem = {"content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
        for path, operations in schema.get("paths", {}).items():
            for method, operation in operations.items():
                responses = operation.setdefault("responses", {})
                if policy.required_scopes(method.upper(), path) is None:
                    operation["security"] = []
                else:
                    responses.setdefault("401", {"description": "no valid credential", **problem})
                    responses.setdefault(
                        "403", {"description": "a scope this route does not admit", **problem}
                    )
                responses.setdefault(
                    "429", {"description": "rate limit reached; see Retry-After", **problem}
                )
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _operations_router(runtime: ServiceRuntime, title: str) -> APIRouter:
    router = APIRouter(tags=["operations"])
    # Generated from the event registry (shared/asyncapi.py): everything the service
    # sends and receives, not only what FastStream subscribes to.
    asyncapi = render(service_document(runtime.settings.service_name))

    @router.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @router.get("/asyncapi.json", include_in_schema=False)
    async def asyncapi_document() -> Response:
        return Response(asyncapi, media_type="application/json")

    @router.get("/admin/parking")
    async def parked_messages(
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
    ) -> dict[str, list[ParkedMessage]]:
        """Poison messages per queue, with the reason each was parked."""
        return {
            name: await runtime.parking.inspect(name, limit) for name in runtime.parking.queue_names
        }

    @router.post("/admin/parking/{queue}/replay")
    async def replay_parked(
        queue: str, limit: Annotated[int, Query(ge=1, le=1000)] = 100
    ) -> Replayed:
        if queue not in runtime.parking.queue_names:
            raise NotFound(f"{queue!r} is not a queue of this service")
        return Replayed(queue=queue, replayed=await runtime.parking.replay(queue, limit))

    return router


def serve(app: FastAPI, settings: ServiceSettings) -> None:
    # Requests in flight get a second to finish at a clean stop (the store's own calls take
    # milliseconds); keep-alive connections are closed at once.
    uvicorn.run(
        app,
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        timeout_graceful_shutdown=1,
    )
