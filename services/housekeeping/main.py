"""Wires the housekeeping service: the one place that builds clients and injects them."""

from __future__ import annotations

from fastapi import FastAPI

from shared.property_setup import load_property
from shared.runtime import ServiceRuntime, create_service_app, serve

from .amenities import StockKeeper, default_stock
from .api import housekeeping_router
from .clock import clock_from
from .config import Settings
from .consumers import register_consumers
from .maintenance import MaintenanceService, RoomPeriodWorker
from .pages import housekeeping_pages
from .reports import Reports
from .repository import OUTBOX_COLLECTIONS, HousekeepingRepository
from .rooms import RoomKeeper
from .service import HousekeepingService
from .tasks import DailyPlanWorker, TaskService


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    runtime = ServiceRuntime(settings, outbox_collections=OUTBOX_COLLECTIONS)
    setup = load_property(settings.property_file)
    clock = clock_from(settings.test_clock_file)
    events_written = runtime.relay.wake

    repository = HousekeepingRepository(runtime.database, settings.property_id)
    rooms = RoomKeeper(repository, events_written=events_written)
    stock = StockKeeper(repository)
    maintenance = MaintenanceService(repository, rooms, clock=clock, events_written=events_written)
    service = HousekeepingService(
        repository, rooms, maintenance, clock=clock, events_written=events_written
    )
    tasks = TaskService(
        repository,
        rooms,
        service,
        maintenance,
        stock,
        clock=clock,
        events_written=events_written,
        default_linen_every=settings.default_linen_every_nights,
        attendants=settings.attendants,
    )
    register_consumers(runtime.broker, service)
    workers = [
        DailyPlanWorker(
            tasks,
            clock=clock,
            plan_at=settings.plan_at,
            timezone=settings.timezone or settings.property_timezone,
            poll_seconds=settings.scheduler_poll_seconds,
        ),
        RoomPeriodWorker(maintenance, poll_seconds=settings.scheduler_poll_seconds),
    ]
    stock_levels = default_stock(settings.amenity_initial_stock, settings.amenity_reorder_point)
    return create_service_app(
        runtime,
        title="Housekeeping service",
        routers=[
            housekeeping_router(rooms, tasks, maintenance, stock, Reports(repository)),
            housekeeping_pages(runtime),
        ],
        prepare_database=lambda: repository.prepare(setup, stock_levels),
        workers=workers,
    )


if __name__ == "__main__":
    settings = Settings()
    serve(create_app(settings), settings)
