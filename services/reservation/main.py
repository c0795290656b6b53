"""Wires the reservation service: the one place that builds clients and injects them."""

from __future__ import annotations

from fastapi import FastAPI

from shared.property_setup import load_property
from shared.runtime import ServiceRuntime, create_service_app, serve

from .api import reservation_router
from .config import Settings
from .repository import OUTBOX_COLLECTIONS, ReservationRepository
from .service import ReservationService


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    runtime = ServiceRuntime(settings, outbox_collections=OUTBOX_COLLECTIONS)
    setup = load_property(settings.property_file)
    repository = ReservationRepository(runtime.database, settings.property_id)
    service = ReservationService(repository, currency=setup.currency,
                                 max_nights=settings.max_nights,
                                 events_written=runtime.relay.wake)
    return create_service_app(
        runtime, title="Reservation service",
        routers=[reservation_router(service)],
        prepare_database=lambda: repository.prepare(setup),
    )


if __name__ == "__main__":
    settings = Settings()
    serve(create_app(settings), settings)
