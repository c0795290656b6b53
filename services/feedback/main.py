"""Wires the feedback service: the one place that builds clients and injects them."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from shared.business_date import BusinessDates
from shared.clock import Clock, PropertyClock, wall_clock_from
from shared.retention import RetentionJob, RetentionRule
from shared.runtime import ServiceRuntime, create_service_app, serve
from shared.sms import FileSmsGateway

from .api import feedback_router
from .case_follow_up import CaseFollowUp, case_follow_up_router
from .channels import ChannelSender, MessageSender, SmtpSender
from .config import Settings
from .consumers import register_consumers
from .department_results import department_results_router
from .escalation import EscalationWorker
from .in_stay import InStaySurveys, InStaySurveySender, in_stay_router
from .mailer import CaseResultMailer, SurveyMailer
from .pages import feedback_pages
from .repository import OUTBOX_COLLECTIONS, FeedbackRepository
from .request_notices import RequestNotices, RequestNoticeSender
from .service import FeedbackService, utc_now

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


def default_sender(settings: Settings) -> MessageSender:
    """E-mail over SMTP, SMS to the gateway's file."""
    return ChannelSender(email=SmtpSender(settings), sms=FileSmsGateway(settings.sms_log_path))


def create_app(
    settings: Settings | None = None,
    sender: MessageSender | None = None,
    clock: Clock | None = None,
) -> FastAPI:
    """`clock`: a test's "now" for instants and days alike. Without it, instants are the
    wall clock's and days the hotel's business date (its clock moved by TEST_CLOCK_FILE)."""
    settings = settings or Settings()
    runtime = ServiceRuntime(settings, outbox_collections=OUTBOX_COLLECTIONS)
    business_dates = BusinessDates(
        runtime.database,
        settings.property_id,
        PropertyClock(
            clock or wall_clock_from(settings.test_clock_file), settings.property_timezone
        ),
    )
    clock = clock or utc_now
    repository = FeedbackRepository(runtime.database)
    sender = sender or default_sender(settings)
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
        business_dates=business_dates,
    )
    notices = RequestNotices(repository, clock=clock, notices_due=lambda: told.wake())
    told = RequestNoticeSender(notices, sender, settings, clock=clock)
    in_stay = InStaySurveys(
        repository, service, settings, clock=clock, due=lambda: in_stay_sender.wake()
    )
    in_stay_sender = InStaySurveySender(in_stay, sender, settings, clock=clock)
    register_consumers(runtime.broker, service, notices, in_stay)
    return create_service_app(
        runtime,
        title="Feedback service",
        routers=[
            feedback_router(service, settings.goodwill_manager_threshold),
            case_follow_up_router(CaseFollowUp(repository, settings, clock, runtime.relay.wake)),
            in_stay_router(in_stay),
            department_results_router(repository, clock),
            feedback_pages(runtime),
        ],
        prepare_database=service.prepare,
        workers=[
            mailer,
            results,
            escalation,
            told,
            in_stay_sender,
            retention_job(runtime.database, settings),
        ],
    )


if __name__ == "__main__":
    settings = Settings()
    serve(create_app(settings), settings)
