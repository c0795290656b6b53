"""Wires the front desk service: the one place that builds clients and injects them."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from shared.clock import wall_clock_from
from shared.crypto import PersonalDataCipher
from shared.property_setup import load_property
from shared.reencryption import ReencryptionJob
from shared.retention import RetentionJob, RetentionRule
from shared.runtime import ServiceRuntime, create_service_app, serve
from shared.worker import PollingWorker

from .api import frontdesk_router
from .business_day import BusinessDay
from .config import Settings
from .consumers import register_consumers
from .departure import DepartureDesk
from .folio_service import FolioService
from .front_office import FrontOffice
from .front_office_api import front_office_router
from .id_scans import COLLECTION as ID_SCANS
from .id_scans import IdScans
from .night_release import NightReleaseJanitor
from .pages import frontdesk_pages
from .projections import ERASED, ERASED_STAY_FIELDS, STAY_FREE_TEXT, Projections
from .records import SEALED_FIELDS, PropertyClock
from .registration_api import registration_router
from .registration_desk import RegistrationDesk
from .repository import OUTBOX_COLLECTIONS, FrontDeskRepository
from .service import FrontDeskService
from .workers import NightAuditWorker, RoomCheckWaitWorker


def retention_job(database: Any, settings: Settings) -> RetentionJob:
    """Stays and arrivals past the retention period lose the guest's name, registration (ID
    document included) and recognition; the folio and its invoice stay for the books."""
    keep = settings.retention_days
    return RetentionJob(
        database,
        [
            RetentionRule(
                "stays",
                date_field="departure",
                keep_days=keep,
                erase=ERASED_STAY_FIELDS,
                free_text=STAY_FREE_TEXT,  # requests, complaints, notices (issue 15)
            ),
            RetentionRule(  # issue 18: the ID scan goes with the registration
                ID_SCANS,
                date_field="departure",
                keep_days=keep,
                erase={"image_encrypted": None},
            ),
            RetentionRule(
                "arrivals",
                date_field="departure",
                keep_days=keep,
                erase={"guest_name": ERASED, "special_requests": []},
            ),
        ],
        poll_seconds=settings.retention_poll_seconds,
    )


def background_workers(
    settings: Settings,
    runtime: ServiceRuntime,
    repository: FrontDeskRepository,
    clock: PropertyClock,
    cipher: PersonalDataCipher,
    business_day: BusinessDay,
    departures: DepartureDesk,
) -> list[PollingWorker]:
    """The night audit (when enabled), retention, re-encryption, the wait for room checks
    and the janitor of night releases."""
    workers: list[PollingWorker] = (
        [NightAuditWorker(business_day, poll_seconds=settings.night_audit_poll_seconds)]
        if settings.night_audit_enabled
        else []
    )
    workers.append(retention_job(runtime.database, settings))
    # After a key rotation, the ID numbers and payment tokens move to the current key.
    workers.append(ReencryptionJob(runtime.database, cipher, SEALED_FIELDS))
    workers.append(RoomCheckWaitWorker(departures, poll_seconds=settings.room_check_poll_seconds))
    workers.append(
        NightReleaseJanitor(
            repository,
            clock,
            poll_seconds=settings.night_release_poll_seconds,
            grace_seconds=settings.night_release_grace_seconds,
        )
    )
    return workers


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    runtime = ServiceRuntime(settings, outbox_collections=OUTBOX_COLLECTIONS)
    setup = load_property(settings.property_file)
    repository = FrontDeskRepository(runtime.database, settings.property_id)
    clock = PropertyClock(
        wall_clock_from(settings.test_clock_file), timezone=settings.property_timezone
    )
    cipher = PersonalDataCipher.from_settings(settings.pii_keys, settings.pii_current_key)
    service = FrontDeskService(
        repository,
        events_written=runtime.relay.wake,
        setup=setup,
        cipher=cipher,
        clock=clock,
        audit_hour=settings.night_audit_hour,
    )
    folio = FolioService(
        repository,
        events_written=runtime.relay.wake,
        cipher=cipher,
        clock=clock,
        standard_checkout_hour=settings.standard_checkout_hour,
        half_day_until_hour=settings.late_checkout_half_day_until_hour,
        overstay_rate_percent=settings.overstay_rate_percent,
        audit_hour=settings.night_audit_hour,
    )
    departures = DepartureDesk(folio, room_check_wait_seconds=settings.room_check_wait_seconds)
    front_office = FrontOffice(service, runtime.database)
    registrations = RegistrationDesk(
        service, require_departure_check=settings.require_departure_check
    )
    business_day = BusinessDay(
        repository,
        folio,
        clock,
        events_written=runtime.relay.wake,
        audit_hour=settings.night_audit_hour,
    )
    register_consumers(runtime.broker, Projections(repository, folio))
    workers = background_workers(
        settings, runtime, repository, clock, cipher, business_day, departures
    )

    async def prepare_database() -> None:
        await repository.prepare(setup)
        await front_office.prepare()

    return create_service_app(
        runtime,
        title="Front desk service",
        routers=[
            frontdesk_router(
                service, folio, runtime.audit, business_day, departures, registrations
            ),
            registration_router(
                registrations, IdScans(service, runtime.database, cipher), runtime.audit
            ),
            front_office_router(front_office),
            frontdesk_pages(runtime, service.today),
        ],
        prepare_database=prepare_database,
        workers=workers,
    )


if __name__ == "__main__":
    settings = Settings()
    serve(create_app(settings), settings)
