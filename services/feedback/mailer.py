"""Sends survey invitations: claims due surveys, mails them over SMTP, records the send.

A survey is claimed under a lease before its mail goes out, so two replicas never mail
the same survey at once. If the process dies after the SMTP server accepted the mail but
before the survey is marked sent, the lease expires and the mail goes again, with the
same Message-ID and link: at-least-once towards SMTP, the most any mailer can promise.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any, Protocol

import aiosmtplib
from prometheus_client import Counter

from shared.events import SurveySent, SurveySentPayload
from shared.logging import get_logger
from shared.outbox import push_outbox
from shared.worker import PollingWorker

from .config import Settings
from .domain import next_attempt_after, survey_invitation, survey_token
from .repository import FeedbackRepository

log = get_logger(__name__)
SURVEYS_MAILED = Counter("surveys_mailed_total", "Survey invitations accepted by SMTP")
MAIL_FAILURES = Counter("survey_mail_failures_total", "Survey invitations SMTP refused")
CONTACT_RECHECK = timedelta(hours=1)


class MailSender(Protocol):
    async def send(self, message: EmailMessage) -> None: ...


class SmtpSender:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def send(self, message: EmailMessage) -> None:
        await aiosmtplib.send(
            message, hostname=self.settings.smtp_host, port=self.settings.smtp_port,
            username=self.settings.smtp_username, password=self.settings.smtp_password,
            start_tls=self.settings.smtp_start_tls, timeout=self.settings.smtp_timeout_seconds)


class SurveyMailer(PollingWorker):
    name = "survey-mailer"

    def __init__(self, repository: FeedbackRepository, sender: MailSender, settings: Settings,
                 *, events_written: Callable[[], None]) -> None:
        super().__init__(settings.mailer_poll_seconds)
        self.repository = repository
        self.sender = sender
        self.settings = settings
        self.events_written = events_written
        self.lease = timedelta(seconds=settings.mailer_lease_seconds)

    async def work_once(self) -> int:
        now = datetime.now(UTC)
        sent = 0
        for survey in await self.repository.due_surveys(now, self.settings.mailer_batch_size):
            claimed = await self.repository.claim(survey["_id"], now, self.lease)
            if claimed is not None and await self._send(claimed, now):
                sent += 1
        return sent

    async def _send(self, survey: dict[str, Any], now: datetime) -> bool:
        contact = await self.repository.contact(survey["guest_id"])
        if not contact or not contact.get("email"):
            # The guest-profile event has not come yet; it wakes the survey when it does.
            await self.repository.release(survey["_id"], next_attempt_at=now + CONTACT_RECHECK,
                                          error="no e-mail address for the guest yet",
                                          failed=False, awaiting_contact=True)
            return False
        link = (f"{self.settings.survey_base_url}/surveys/{survey['_id']}"
                f"?token={survey_token(self.settings.survey_link_secret, survey['_id'])}")
        message = survey_invitation(
            survey_id=survey["_id"], to=contact["email"], first_name=contact["first_name"],
            hotel_name=self.settings.hotel_name, sender=self.settings.mail_from, link=link)
        try:
            await self.sender.send(message)
        except (aiosmtplib.SMTPException, OSError) as exc:
            MAIL_FAILURES.inc()
            failures = survey.get("failures", 0) + 1
            await self.repository.release(survey["_id"], failed=True, error=type(exc).__name__,
                                          next_attempt_at=next_attempt_after(failures, now))
            log.warning("survey mail failed; will retry", survey_id=survey["_id"],
                        error=type(exc).__name__, failures=failures)
            return False
        event = SurveySent.new(SurveySentPayload(
            survey_id=survey["_id"], stay_id=survey["stay_id"], guest_id=survey["guest_id"],
            channel="email"), producer="feedback", property_id=survey["property_id"],
            correlation_id=survey.get("correlation_id"))
        await self.repository.mark_sent(survey["_id"], datetime.now(UTC), push_outbox(event))
        self.events_written()
        SURVEYS_MAILED.inc()
        log.info("survey sent", survey_id=survey["_id"], stay_id=survey["stay_id"])
        return True
