"""Wires the front desk service: the one place that builds clients and injects them."""

from __future__ import annotations

from fastapi import FastAPI

from shared.property_setup import load_property
from shared.runtime import ServiceRuntime, create_service_app, serve

from .api import frontdesk_router
from .config import Settings
from .consumers import register_consumers
from .repository import OUTBOX_COLLECTIONS, FrontDeskRepository
from .service import FrontDeskService


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    runtime = ServiceRuntime(settings, outbox_collections=OUTBOX_COLLECTIONS)
    setup = load_property(settings.property_file)
    repository = FrontDeskRepository(runtime.database, settings.property_id)
    service = FrontDeskService(repository, events_written=runtime.relay.wake)
    register_consumers(runtime.broker, service)
    return create_service_app(
        runtime, title="Front desk service",
        routers=[frontdesk_router(service)],
        prepare_database=lambda: repository.prepare(setup),
    )


if __name__ == "__main__":
    settings = Settings()
    serve(create_app(settings), settings)
