"""Wires the reservation service: the one place that builds clients and injects them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI

from shared.audit import audit_log_router
from shared.broker_identity import broker_login
from shared.clock import wall_clock_from
from shared.crypto import PersonalDataCipher
from shared.property_setup import load_property
from shared.reencryption import ReencryptionJob
from shared.retention import RetentionJob, RetentionRule
from shared.runtime import ServiceRuntime, create_service_app, serve

from .api import property_router, reservation_router
from .blocks import BlockService
from .config import Settings
from .consumers import register_consumers
from .integrators import IntegratorCommands
from .pages import reservation_pages
from .reports import Reports
from .repository import ERASED_GUEST_FIELDS, OUTBOX_COLLECTIONS, ReservationRepository
from .room_periods import RoomPeriods
from .service import SEALED_FIELDS, ReservationService
from .setup import PropertySetupService
from .stays import StayFollower
from .workers import AbandonedBookingJanitor, BlockReleaser


def utc_now() -> datetime:
    return datetime.now(UTC)


def retention_job(database: Any, settings: Settings) -> RetentionJob:
    """Bookings whose departure is past the retention period lose their guests' names and
    contacts; the booking, its dates and amounts stay for the books and the reports."""
    return RetentionJob(
        database,
        [
            RetentionRule(
                "reservations",
                date_field="departure",
                keep_days=settings.retention_days,
                erase=ERASED_GUEST_FIELDS,
            )
        ],
        poll_seconds=settings.retention_poll_seconds,
    )


def create_app(
    settings: Settings | None = None, clock: Callable[[], datetime] | None = None
) -> FastAPI:
    settings = settings or Settings()
    clock = clock or wall_clock_from(settings.test_clock_file)
    runtime = ServiceRuntime(settings, outbox_collections=OUTBOX_COLLECTIONS)
    setup = load_property(settings.property_file)
    repository = ReservationRepository(runtime.database, settings.property_id)
    cipher = PersonalDataCipher.from_settings(settings.pii_keys, settings.pii_current_key)
    reservations = ReservationService(
        repository,
        currency=setup.currency,
        max_nights=settings.max_nights,
        events_written=runtime.relay.wake,
        clock=clock,
        cipher=cipher,
    )
    blocks = BlockService(repository, reservations, clock=clock)
    property_setup = PropertySetupService(
        repository, events_written=runtime.relay.wake, clock=clock
    )
    commands = IntegratorCommands(
        reservations,
        repository,
        clock,
        own_login=broker_login(settings.rabbitmq_url),
        block_channels={c.strip() for c in settings.block_channels.split(",") if c.strip()},
    )
    register_consumers(
        runtime.broker,
        commands,
        reservations,
        StayFollower(reservations, runtime.database),
        RoomPeriods(reservations, runtime.database),
    )
    return create_service_app(
        runtime,
        title="Reservation service",
        routers=[
            reservation_router(reservations, Reports(repository), runtime.audit),
            audit_log_router(runtime.audit),
            property_router(property_setup, blocks),
            reservation_pages(runtime),
        ],
        prepare_database=lambda: repository.prepare(setup),
        workers=[
            BlockReleaser(blocks, settings.block_release_poll_seconds),
            AbandonedBookingJanitor(
                reservations, settings.janitor_poll_seconds, settings.stale_booking_minutes
            ),
            retention_job(runtime.database, settings),
            # After a key rotation, the payment tokens move to the current key.
            ReencryptionJob(runtime.database, cipher, SEALED_FIELDS),
        ],
    )


if __name__ == "__main__":
    settings = Settings()
    serve(create_app(settings), settings)
