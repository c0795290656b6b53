"""Wires the loyalty service: the one place that builds clients and injects them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import FastAPI

from shared.audit import audit_log_router
from shared.business_date import BusinessDates
from shared.clock import Clock, PropertyClock, wall_clock_from
from shared.mail import MailSender, SmtpSender
from shared.retention import RetentionJob, RetentionRule
from shared.runtime import ServiceRuntime, create_service_app, serve
from shared.sms import FileSmsGateway

from .api import loyalty_router
from .care import care_router
from .config import Settings
from .consumers import register_consumers
from .domain import PERSONAL_FIELDS
from .guests import GuestStore
from .ledger import EarningRules, Promotion
from .messenger import CampaignMessenger
from .pages import loyalty_pages
from .profiles import ProfileService
from .repository import OUTBOX_COLLECTIONS, LoyaltyRepository
from .service import LoyaltyService
from .workers import DailyPass


def earning_rules(settings: Settings) -> EarningRules:
    return EarningRules(
        points_per_currency_unit=settings.points_per_currency_unit,
        spend_points_per_currency_unit=settings.spend_points_per_currency_unit,
        promotions=tuple(Promotion(**p.model_dump()) for p in settings.promotions),
    )


def retention_job(database: Any, settings: Settings) -> RetentionJob:
    """A guest who never joined the programme and has had no activity for the retention
    period loses the profile's personal fields (issue 15); members keep theirs while they
    are members (erasure on request still takes them). Points and stays stay."""
    return RetentionJob(
        database,
        [
            RetentionRule(
                "guests",
                date_field="last_activity_at",
                dates="datetime",
                keep_days=settings.retention_days,
                where={"member_number": {"$exists": False}, "merged_into": None},
                erase={f"profile.{name}": None for name in PERSONAL_FIELDS},
            )
        ],
        poll_seconds=settings.retention_poll_seconds,
    )


def campaign_messenger(
    settings: Settings, repository: LoyaltyRepository, sender: MailSender | None, clock: Clock
) -> CampaignMessenger:
    """The sender of queued campaign messages: by SMTP unless a sender is given (tests)."""
    return CampaignMessenger(
        repository,
        sender or SmtpSender(settings),
        settings,
        clock=clock,
        sms=FileSmsGateway(settings.sms_log_path),
    )


def guest_store(
    settings: Settings,
    runtime: ServiceRuntime,
    repository: LoyaltyRepository,
    clock: Clock,
    messenger: CampaignMessenger,
    business_dates: BusinessDates,
) -> GuestStore:
    """The one write path: its events wake the relay, its messages the messenger."""
    return GuestStore(
        repository,
        property_id=settings.property_id,
        clock=clock,
        events_written=runtime.relay.wake,
        messages_queued=messenger.wake,
        business_dates=business_dates,
    )


def create_app(settings: Settings | None = None, sender: MailSender | None = None) -> FastAPI:
    settings = settings or Settings()
    runtime = ServiceRuntime(settings, outbox_collections=OUTBOX_COLLECTIONS)
    repository = LoyaltyRepository(runtime.database)
    # The property's clock (a test moves it through TEST_CLOCK_FILE); days are the hotel's
    # business date, which the night audit rolls (before the first audit: this clock's
    # date at the hotel): greetings, festivals and follow-ups fall on the hotel's dates.
    clock = wall_clock_from(settings.test_clock_file)
    business_dates = BusinessDates(
        runtime.database, settings.property_id, PropertyClock(clock, settings.property_timezone)
    )
    messenger = campaign_messenger(settings, repository, sender, clock)
    store = guest_store(settings, runtime, repository, clock, messenger, business_dates)
    service = LoyaltyService(
        store,
        rules=earning_rules(settings),
        inactivity=timedelta(days=settings.points_inactivity_days),
    )
    profiles = ProfileService(store, match_secret=settings.match_key_secret)
    daily_pass = DailyPass(
        service,
        repository,
        poll_seconds=settings.jobs_poll_seconds,
        batch_size=settings.jobs_batch_size,
    )
    register_consumers(
        runtime.broker,
        service,
        profiles,
        business_dates=business_dates,
        day_rolled=daily_pass.wake if settings.jobs_enabled else lambda: None,
    )

    async def prepare_database() -> None:
        await repository.prepare()
        await store.repair_merges()  # before the first request: a crash may have left some

    return create_service_app(
        runtime,
        title="Loyalty service",
        routers=[
            loyalty_router(service, profiles, daily_pass, runtime.audit),
            audit_log_router(runtime.audit),
            care_router(repository.care_tasks, clock),
            loyalty_pages(runtime),
        ],
        prepare_database=prepare_database,
        workers=[
            messenger,
            retention_job(runtime.database, settings),
            *([daily_pass] if settings.jobs_enabled else []),
        ],
    )


if __name__ == "__main__":
    settings = Settings()
    serve(create_app(settings), settings)
