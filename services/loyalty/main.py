"""Wires the loyalty service: the one place that builds clients and injects them."""

from __future__ import annotations

from fastapi import FastAPI

from shared.runtime import ServiceRuntime, create_service_app, serve

from .api import loyalty_router
from .config import Settings
from .consumers import register_consumers
from .repository import OUTBOX_COLLECTIONS, LoyaltyRepository
from .service import LoyaltyService


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    runtime = ServiceRuntime(settings, outbox_collections=OUTBOX_COLLECTIONS)
    repository = LoyaltyRepository(runtime.database)
    service = LoyaltyService(repository, points_per_currency_unit=settings.points_per_currency_unit,
                             events_written=runtime.relay.wake)
    register_consumers(runtime.broker, service)
    return create_service_app(runtime, title="Loyalty service",
                              routers=[loyalty_router(service)],
                              prepare_database=repository.prepare)


if __name__ == "__main__":
    settings = Settings()
    serve(create_app(settings), settings)
