"""Sends what feedback writes to guests: the survey invitation, one reminder, and the
result of a case.

A survey is claimed under a lease before its message goes out, so two replicas never
send the same one at once. If the process dies after the SMTP server accepted the mail but
before the survey is marked sent, the lease expires and the mail goes again, with the
same Message-ID and link: at-least-once towards SMTP, the most any mailer can promise.
Everything it needs to know is in MongoDB (statuses, due times, leases), so a restart
picks up where the last process stopped, and the clock is injected for the tests.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from prometheus_client import Counter

from shared.clock import Clock
from shared.events import SurveySent, SurveySentPayload
from shared.logging import get_logger
from shared.mail import SEND_ERRORS
from shared.outbox import push_outbox
from shared.worker import LeasedWorker

from .case_follow_up import satisfaction_link
from .channels import MessageSender
from .config import Settings
from .domain import (
    INVITATION,
    REMINDER,
    Case,
    SurveyStatus,
    language_of,
    next_attempt_after,
    survey_link_expiry,
    survey_token,
)
from .messages import Channel, case_result_message, guest_name, reachable, survey_message
from .repository import FeedbackRepository

log = get_logger(__name__)
SURVEYS_MAILED = Counter(
    "surveys_mailed_total", "Survey invitations and reminders sent", ["channel", "reminder"]
)
MAIL_FAILURES = Counter("survey_mail_failures_total", "Guest messages the channel refused")
CONTACT_RECHECK = timedelta(hours=1)


class SurveyMailer(LeasedWorker[dict[str, Any], tuple[dict[str, Any], tuple[SurveyStatus, ...]]]):
    """Invitations, then reminders: the stage travels with the claim."""

    name = "survey-mailer"

    def __init__(
        self,
        repository: FeedbackRepository,
        sender: MessageSender,
        settings: Settings,
        *,
        events_written: Callable[[], None],
        clock: Clock,
    ) -> None:
        super().__init__(settings.mailer_poll_seconds, settings.mailer_lease_seconds, clock)
        self.repository = repository
        self.sender = sender
        self.settings = settings
        self.events_written = events_written
        self.reminder_after = timedelta(hours=settings.survey_reminder_after_hours)

    async def due(self, now: datetime) -> list[dict[str, Any]]:
        return await self.repository.due_surveys(now, self.settings.mailer_batch_size)

    def _link(self, survey: dict[str, Any]) -> str:
        """The guest's link to the survey, with a token that expires with it."""
        expires = survey_link_expiry(survey, self.clock(), self.settings.survey_link_days)
        token = survey_token(self.settings.survey_link_secret, survey["_id"], expires)
        return f"{self.settings.survey_base_url}/surveys/{survey['_id']}?token={token}"

    async def claim(
        self, survey: dict[str, Any], now: datetime
    ) -> tuple[dict[str, Any], tuple[SurveyStatus, ...]] | None:
        stage = REMINDER if survey["status"] in REMINDER[:2] else INVITATION
        waiting, holding, _ = stage
        claimed = await self.repository.claim(survey["_id"], waiting, holding, now, self.lease)
        return (claimed, stage) if claimed is not None else None

    async def send(
        self, claimed: tuple[dict[str, Any], tuple[SurveyStatus, ...]], now: datetime
    ) -> bool:
        survey, stage = claimed
        waiting, holding, _ = stage
        reminder = stage is REMINDER
        contact = await self.repository.contact(survey["guest_id"])
        if contact and not contact.get("consents", {}).get("surveys", True):
            await self.repository.skip(survey["_id"], holding, "no survey consent", now)
            log.info("survey skipped: the guest withdrew survey consent", survey_id=survey["_id"])
            return False
        route = reachable(contact)
        if route is None:
            # The guest-profile event has not come yet; it wakes the survey when it does.
            await self.repository.release(
                survey["_id"],
                holding,
                waiting,
                next_attempt_at=now + CONTACT_RECHECK,
                error="no e-mail address or phone for the guest yet",
                failed=False,
                awaiting_contact=True,
            )
            return False
        channel, address = route
        language = language_of(contact)
        message = survey_message(
            survey_id=survey["_id"],
            channel=channel,
            to=address,
            language=language,
            name=guest_name(contact, language),
            hotel=self.settings.hotel_name,
            link=self._link(survey),
            reminder=reminder,
        )
        try:
            await self.sender.send(message)
        except SEND_ERRORS as exc:
            await self._failed(survey, stage, exc, now)
            return False
        await self._sent(survey, stage, channel, language)
        return True

    async def _failed(
        self,
        survey: dict[str, Any],
        stage: tuple[SurveyStatus, ...],
        exc: Exception,
        now: datetime,
    ) -> None:
        """The channel refused: back to waiting, tried again later and later."""
        waiting, holding, _ = stage
        MAIL_FAILURES.inc()
        failures = survey.get("failures", 0) + 1
        await self.repository.release(
            survey["_id"],
            holding,
            waiting,
            failed=True,
            error=type(exc).__name__,
            next_attempt_at=next_attempt_after(failures, now),
        )
        log.warning(
            "survey message failed; will retry",
            survey_id=survey["_id"],
            error=type(exc).__name__,
            failures=failures,
        )

    async def _sent(
        self,
        survey: dict[str, Any],
        stage: tuple[SurveyStatus, ...],
        channel: Channel,
        language: str,
    ) -> None:
        """Marked sent with its survey.sent event, in one write guarded by the claim."""
        _, holding, done = stage
        reminder = stage is REMINDER
        event = SurveySent.new(
            SurveySentPayload(
                survey_id=survey["_id"],
                stay_id=survey["stay_id"],
                guest_id=survey["guest_id"],
                channel=channel,
                reminder=reminder,
            ),
            producer="feedback",
            property_id=survey["property_id"],
            correlation_id=survey.get("correlation_id"),
        )
        sent_at = self.clock()
        changes: dict[str, Any] = {"status": done.value, "failures": 0}
        if reminder:
            changes.update(reminded_at=sent_at, next_attempt_at=None)
        else:  # one reminder, due if the guest has not answered by then
            changes.update(
                sent_at=sent_at,
                channel=channel,
                language=language,
                next_attempt_at=sent_at + self.reminder_after,
            )
        if await self.repository.mark_sent(survey["_id"], holding, changes, push_outbox(event)):
            self.events_written()
        SURVEYS_MAILED.labels(channel, str(reminder).lower()).inc()
        log.info("survey message sent", survey_id=survey["_id"], channel=channel, reminder=reminder)


class CaseResultMailer(LeasedWorker[Case, Case]):
    """Tells the guest how their case was resolved: the last step of first-responder
    ownership. Same sender, same lease-and-retry discipline as the surveys."""

    name = "case-result-mailer"

    def __init__(
        self,
        repository: FeedbackRepository,
        sender: MessageSender,
        settings: Settings,
        *,
        clock: Clock,
    ) -> None:
        super().__init__(settings.mailer_poll_seconds, settings.mailer_lease_seconds, clock)
        self.repository = repository
        self.sender = sender
        self.settings = settings

    async def due(self, now: datetime) -> list[Case]:
        return await self.repository.notices_due(now, self.settings.mailer_batch_size)

    async def claim(self, case: Case, now: datetime) -> Case | None:
        return await self.repository.claim_notice(case.id, now, self.lease)

    async def send(self, case: Case, now: datetime) -> bool:
        contact = await self.repository.contact(case.guest_id)
        route = reachable(contact)
        if route is None:
            await self.repository.notice_done(
                case.id, {"guest_notice": "unreachable", "notice_next_attempt_at": None}
            )
            log.warning("case result not sent: no contact for the guest", case_id=case.id)
            return False
        channel, address = route
        language = language_of(contact)
        goodwill = case.goodwill
        message = case_result_message(
            case_id=case.id,
            channel=channel,
            to=address,
            language=language,
            name=guest_name(contact, language),
            hotel=self.settings.hotel_name,
            resolution=case.resolution or "",  # a notice is pending on a resolved case only
            points=goodwill.points if goodwill else None,
            voucher=goodwill.voucher if goodwill else None,
            improvement=case.improvement,
            satisfaction_link=(
                satisfaction_link(self.settings, case.id, self.clock())
                if case.guest_satisfaction == "asked"
                else None
            ),
        )
        try:
            await self.sender.send(message)
        except SEND_ERRORS as exc:
            MAIL_FAILURES.inc()
            await self.repository.notice_retry(
                case.id,
                next_attempt_after(case.notice_failures + 1, now),
                type(exc).__name__,
            )
            return False
        await self.repository.notice_done(
            case.id,
            {
                "guest_notice": "sent",
                "notice_sent_at": self.clock(),
                "notice_channel": channel,
                "notice_next_attempt_at": None,
            },
        )
        log.info("case result sent to the guest", case_id=case.id, channel=channel)
        return True
