"""Wires the feedback service: the one place that builds clients and injects them."""

from __future__ import annotations

from fastapi import FastAPI

from shared.runtime import ServiceRuntime, create_service_app, serve

from .api import feedback_router
from .config import Settings
from .consumers import register_consumers
from .mailer import MailSender, SmtpSender, SurveyMailer
from .repository import OUTBOX_COLLECTIONS, FeedbackRepository
from .service import FeedbackService


def create_app(settings: Settings | None = None, sender: MailSender | None = None) -> FastAPI:
    settings = settings or Settings()
    runtime = ServiceRuntime(settings, outbox_collections=OUTBOX_COLLECTIONS)
    repository = FeedbackRepository(runtime.database)
    mailer = SurveyMailer(repository, sender or SmtpSender(settings), settings,
                          events_written=runtime.relay.wake)
    service = FeedbackService(repository, surveys_due=mailer.wake)
    register_consumers(runtime.broker, service)
    return create_service_app(runtime, title="Feedback service",
                              routers=[feedback_router(service)],
                              prepare_database=repository.prepare, workers=[mailer])


if __name__ == "__main__":
    settings = Settings()
    serve(create_app(settings), settings)
