"""Wires the feedback service: the one place that builds clients and injects them."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from shared.retention import RetentionJob, RetentionRule
from shared.runtime import ServiceRuntime, create_service_app, serve

from .api import feedback_router
from .channels import ChannelSender, FileSmsSender, MessageSender, SmtpSender
from .config import Settings
from .consumers import register_consumers
from .escalation import EscalationWorker
from .mailer import CaseResultMailer, SurveyMailer
from .pages import feedback_pages
from .repository import OUTBOX_COLLECTIONS, FeedbackRepository
from .request_notices import RequestNotices, RequestNoticeSender
from .service import Clock, FeedbackService, utc_now

CONTACT = ("first_name", "last_name", "email", "phone")


def retention_job(database: Any, settings: Settings) -> RetentionJob:
    """Past the retention period (issue 15): a contact not refreshed by any profile event
    is forgotten, and a case loses the guest's words (description, notes, resolution);
    its category, severity, times and goodwill stay for the reports."""
    keep = settings.retention_days
    return RetentionJob(
        database,
        [
            RetentionRule(
                "contacts",
                date_field="as_of",
                dates="datetime",
                keep_days=keep,
                erase=dict.fromkeys(CONTACT),
            ),
            RetentionRule(
                "cases",
                date_field="opened_at",
                dates="datetime",
                keep_days=keep,
                free_text={"description": (), "resolution": (), "notes": ("text",)},
            ),
        ],
        poll_seconds=settings.retention_poll_seconds,
    )


def create_app(
    settings: Settings | None = None, sender: MessageSender | None = None, clock: Clock = utc_now
) -> FastAPI:
    settings = settings or Settings()
    runtime = ServiceRuntime(settings, outbox_collections=OUTBOX_COLLECTIONS)
    repository = FeedbackRepository(runtime.database)
    sender = sender or ChannelSender(
        email=SmtpSender(settings), sms=FileSmsSender(settings.sms_log_path)
    )
    mailer = SurveyMailer(
        repository, sender, settings, events_written=runtime.relay.wake, clock=clock
    )
    results = CaseResultMailer(repository, sender, settings, clock=clock)
    escalation = EscalationWorker(
        repository, settings, events_written=runtime.relay.wake, clock=clock
    )
    service = FeedbackService(
        repository,
        settings,
        surveys_due=mailer.wake,
        notices_due=results.wake,
        events_written=runtime.relay.wake,
        clock=clock,
    )
    notices = RequestNotices(repository, clock=clock, notices_due=lambda: told.wake())
    told = RequestNoticeSender(notices, sender, settings, clock=clock)
    register_consumers(runtime.broker, service, notices)
    return create_service_app(
        runtime,
        title="Feedback service",
        routers=[
            feedback_router(service, settings.goodwill_manager_threshold),
            feedback_pages(runtime),
        ],
        prepare_database=service.prepare,
        workers=[mailer, results, escalation, told, retention_job(runtime.database, settings)],
    )


if __name__ == "__main__":
    settings = Settings()
    serve(create_app(settings), settings)
