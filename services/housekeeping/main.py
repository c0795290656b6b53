"""Wires the housekeeping service: the one place that builds clients and injects them."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from shared.business_date import BusinessDates
from shared.clock import PropertyClock, wall_clock_from
from shared.property_setup import load_property
from shared.retention import RetentionJob, RetentionRule
from shared.runtime import ServiceRuntime, create_service_app, serve

from .amenities import StockKeeper, default_stock
from .api import housekeeping_router
from .config import Settings
from .consumers import register_consumers
from .maintenance import MaintenanceService
from .pages import housekeeping_pages
from .reports import Reports
from .repository import OUTBOX_COLLECTIONS, TASK_FREE_TEXT, HousekeepingRepository
from .rooms import RoomKeeper
from .service import HousekeepingService
from .tasks import TaskService
from .workers import DailyPlanWorker, RoomPeriodWorker


def retention_job(database: Any, settings: Settings) -> RetentionJob:
    """Tasks and maintenance requests that name a guest lose the guest (their id, amenity
    preferences and the words of their request) past the retention period; the work
    done, its times and the rooms stay for the reports (issue 15)."""
    keep = settings.retention_days
    named = {"guest_id": {"$ne": None}}
    return RetentionJob(
        database,
        [
            RetentionRule(
                "tasks",
                date_field="day",
                keep_days=keep,
                where=named,
                erase={"guest_id": None, "guest_amenities": []},
                free_text=TASK_FREE_TEXT,
            ),
            RetentionRule(
                "maintenance",
                date_field="reported_at",
                dates="datetime",
                keep_days=keep,
                where=named,
                erase={"guest_id": None},
                free_text={"description": ()},
            ),
        ],
        poll_seconds=settings.retention_poll_seconds,
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    runtime = ServiceRuntime(settings, outbox_collections=OUTBOX_COLLECTIONS)
    setup = load_property(settings.property_file)
    clock = wall_clock_from(settings.test_clock_file)
    events_written = runtime.relay.wake

    repository = HousekeepingRepository(runtime.database, settings.property_id)
    timezone = settings.timezone or settings.property_timezone
    business_dates = BusinessDates(
        runtime.database, settings.property_id, PropertyClock(clock, timezone)
    )
    rooms = RoomKeeper(repository, events_written=events_written)
    stock = StockKeeper(repository)
    maintenance = MaintenanceService(repository, rooms, clock=clock, events_written=events_written)
    service = HousekeepingService(
        repository,
        rooms,
        maintenance,
        clock=clock,
        events_written=events_written,
        business_dates=business_dates,
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
    planner = DailyPlanWorker(
        tasks,
        clock=clock,
        plan_at=settings.plan_at,
        timezone=timezone,
        poll_seconds=settings.scheduler_poll_seconds,
    )
    register_consumers(runtime.broker, service, tasks, business_dates, day_rolled=planner.wake)
    workers = [
        retention_job(runtime.database, settings),
        planner,
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
