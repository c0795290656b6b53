"""Wires the loyalty service: the one place that builds clients and injects them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import FastAPI

from shared.mail import MailSender, SmtpSender
from shared.runtime import ServiceRuntime, create_service_app, serve

from .api import loyalty_router
from .config import Settings
from .consumers import register_consumers
from .guests import GuestStore
from .jobs import DailyPass
from .ledger import EarningRules, Promotion
from .messenger import CampaignMessenger
from .pages import loyalty_pages
from .profiles import ProfileService
from .repository import OUTBOX_COLLECTIONS, LoyaltyRepository
from .service import LoyaltyService


def earning_rules(settings: Settings) -> EarningRules:
    return EarningRules(
        points_per_currency_unit=settings.points_per_currency_unit,
        spend_points_per_currency_unit=settings.spend_points_per_currency_unit,
        promotions=tuple(Promotion(**p.model_dump()) for p in settings.promotions),
    )


def create_app(settings: Settings | None = None, sender: MailSender | None = None) -> FastAPI:
    settings = settings or Settings()
    runtime = ServiceRuntime(settings, outbox_collections=OUTBOX_COLLECTIONS)
    repository = LoyaltyRepository(runtime.database)
    messenger = CampaignMessenger(repository, sender or SmtpSender(settings), settings)
    store = GuestStore(
        repository,
        property_id=settings.property_id,
        clock=lambda: datetime.now(UTC),
        events_written=runtime.relay.wake,
        messages_queued=messenger.wake,
    )
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
    register_consumers(runtime.broker, service, profiles)

    async def prepare_database() -> None:
        await repository.prepare()
        await store.repair_merges()  # before the first request: a crash may have left some

    return create_service_app(
        runtime,
        title="Loyalty service",
        routers=[loyalty_router(service, profiles, daily_pass), loyalty_pages(runtime)],
        prepare_database=prepare_database,
        workers=[messenger, *([daily_pass] if settings.jobs_enabled else [])],
    )


if __name__ == "__main__":
    settings = Settings()
    serve(create_app(settings), settings)
