"""Wires the reservation service: the one place that builds clients and injects them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI

from shared.audit import audit_log_router
from shared.broker_identity import broker_login
from shared.clock import Clock, wall_clock_from
from shared.crypto import PersonalDataCipher
from shared.mail import SmtpSender
from shared.payments import LocalPaymentGateway
from shared.property_setup import PropertySetup, load_property
from shared.reencryption import ReencryptionJob
from shared.retention import RetentionJob, RetentionRule
from shared.runtime import ServiceRuntime, create_service_app, serve
from shared.sms import FileSmsGateway

from .api import property_router, reservation_router
from .blocks import BlockService
from .communication_api import communication_router
from .config import Settings
from .consumers import register_consumers
from .integrators import IntegratorCommands
from .letters import Letters, LetterWriter
from .members import Members
from .pages import reservation_pages
from .records import Records
from .records_api import records_router
from .redemptions import Redemptions
from .refunds import RefundPayer
from .reports import Reports
from .repository import ERASED_GUEST_FIELDS, OUTBOX_COLLECTIONS, ReservationRepository
from .room_periods import RoomPeriods
from .service import SEALED_FIELDS, ReservationService
from .setup import PropertySetupService
from .stays import StayFollower
from .tentative import TentativeBookings
from .walks import WalkedGuests
from .workers import AbandonedBookingJanitor, BlockReleaser, TentativeReleaser


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


def reservation_service(
    settings: Settings,
    runtime: ServiceRuntime,
    repository: ReservationRepository,
    setup: PropertySetup,
    clock: Clock,
    cipher: PersonalDataCipher,
) -> ReservationService:
    return ReservationService(
        repository,
        currency=setup.currency,
        max_nights=settings.max_nights,
        events_written=runtime.relay.wake,
        clock=clock,
        cipher=cipher,
        lease=runtime.lease,
    )


def integrator_commands(
    settings: Settings,
    reservations: ReservationService,
    repository: ReservationRepository,
    clock: Clock,
) -> IntegratorCommands:
    """The channels' commands, each channel named by its broker login; this service's
    own login and the channels allowed to pick up blocks from the settings."""
    return IntegratorCommands(
        reservations,
        repository,
        clock,
        own_login=broker_login(settings.rabbitmq_url),
        block_channels={c.strip() for c in settings.block_channels.split(",") if c.strip()},
    )


def letter_writers(
    settings: Settings,
    letters: Letters,
    repository: ReservationRepository,
    setup: PropertySetup,
    clock: Clock,
) -> list[LetterWriter]:
    """The writer that sends the guests' letters, when letters are on (none otherwise)."""
    if not settings.guest_letters_enabled:
        return []
    return [
        LetterWriter(
            letters,
            repository,
            mail=SmtpSender(settings),
            sms=FileSmsGateway(settings.sms_log_path),
            setup=setup,
            hotel_name=settings.hotel_name,
            mail_from=settings.mail_from,
            clock=clock,
            poll_seconds=settings.letter_poll_seconds,
        )
    ]


def refund_payer(
    settings: Settings, database: Any, cipher: PersonalDataCipher, clock: Clock
) -> RefundPayer:
    return RefundPayer(
        database,
        LocalPaymentGateway(settings.payments_log_path),
        cipher,
        clock=clock,
        poll_seconds=settings.refund_poll_seconds,
    )


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or Settings()
    clock = clock or wall_clock_from(settings.test_clock_file)
    runtime = ServiceRuntime(settings, outbox_collections=OUTBOX_COLLECTIONS)
    setup = load_property(settings.property_file)
    repository = ReservationRepository(runtime.database, settings.property_id)
    cipher = PersonalDataCipher.from_settings(settings.pii_keys, settings.pii_current_key)
    reservations = reservation_service(settings, runtime, repository, setup, clock, cipher)
    blocks = BlockService(repository, reservations, clock=clock)
    property_setup = PropertySetupService(
        repository, events_written=runtime.relay.wake, clock=clock
    )
    commands = integrator_commands(settings, reservations, repository, clock)
    letters = Letters(runtime.database, settings.property_id, clock)
    tentative = TentativeBookings(reservations, events_written=runtime.relay.wake)
    letter_workers = letter_writers(settings, letters, repository, setup, clock)
    register_consumers(
        runtime.broker,
        commands,
        reservations,
        StayFollower(reservations, runtime.database),
        RoomPeriods(reservations, runtime.database),
        WalkedGuests(reservations),
        Redemptions(reservations),
        Members(repository),
        letters if settings.guest_letters_enabled else None,
    )
    refunds = refund_payer(settings, runtime.database, cipher, clock)

    async def prepare_database() -> None:
        await repository.prepare(setup)
        await letters.prepare()
        await tentative.prepare()
        await refunds.prepare()

    return create_service_app(
        runtime,
        title="Reservation service",
        routers=[
            reservation_router(reservations, Reports(repository), runtime.audit),
            audit_log_router(runtime.audit),
            communication_router(reservations, tentative, letters),
            records_router(reservations, Records(repository, clock), runtime.audit),
            property_router(property_setup, blocks),
            reservation_pages(runtime),
        ],
        prepare_database=prepare_database,
        workers=[
            *letter_workers,
            TentativeReleaser(tentative, settings.tentative_poll_seconds),
            refunds,
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
