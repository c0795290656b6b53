"""Feedback's schedulers on the embedded store, under a clock the test moves: one reminder
when unanswered, escalation exactly once, both surviving a restart (state in the store)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from services.feedback.channels import ChannelSender
from services.feedback.config import Settings
from services.feedback.domain import ResponseCreate, survey_id_for_stay, survey_token
from services.feedback.escalation import EscalationWorker
from services.feedback.mailer import SurveyMailer
from services.feedback.messages import GuestMessage
from services.feedback.repository import FeedbackRepository
from services.feedback.service import FeedbackService
from shared.events import (
    ComplaintRaised,
    ComplaintRaisedPayload,
    Consents,
    GuestCreated,
    GuestProfilePayload,
    GuestUpdated,
)
from shared.mongo import connect_database
from shared.sms import FileSmsGateway
from tests.support.journeys import PROPERTY, checkout

T0 = datetime(2027, 3, 1, 10, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class RecordingSender:
    def __init__(self) -> None:
        self.sent: list[GuestMessage] = []

    async def send(self, message: GuestMessage) -> None:
        self.sent.append(message)


class Feedback:
    """One 'process' of the feedback service: built again on the same store = a restart."""

    def __init__(self, tmp_path: Path, clock: Clock, email: RecordingSender) -> None:
        self.settings = Settings(
            embedded_store_dir=str(tmp_path / "store"),
            sms_log_path=str(tmp_path / "sms.log"),
            survey_reminder_after_hours=72,
        )
        self.repository = FeedbackRepository(connect_database(self.settings))
        sender = ChannelSender(email=email, sms=FileSmsGateway(self.settings.sms_log_path))
        noop = lambda: None  # noqa: E731 - nothing to wake: the test drives each pass
        self.mailer = SurveyMailer(
            self.repository, sender, self.settings, events_written=noop, clock=clock
        )
        self.escalation = EscalationWorker(
            self.repository, self.settings, events_written=noop, clock=clock
        )
        self.service = FeedbackService(
            self.repository,
            self.settings,
            surveys_due=noop,
            notices_due=noop,
            events_written=noop,
            clock=clock,
        )

    async def outbox(self, collection: str, event_type: str) -> list[dict]:
        documents = await getattr(self.repository, collection).find({}).to_list(None)
        return [
            json.loads(entry["body"])
            for document in documents
            for entry in document.get("outbox", [])
            if entry["type"] == event_type
        ]


def profile(event_type, guest_id: str, **fields) -> GuestCreated:
    return event_type.new(
        GuestProfilePayload(guest_id=guest_id, **fields), producer="loyalty", property_id=PROPERTY
    )


async def test_one_reminder_only_to_the_unanswered_and_none_after_a_restart(tmp_path) -> None:
    clock, email = Clock(T0), RecordingSender()
    feedback = Feedback(tmp_path, clock, email)
    await feedback.service.prepare()
    stays = [checkout(n)[1] for n in range(4)]
    by_email, by_sms, answering, withdrawn = (s.payload.guest_id for s in stays)
    await feedback.service.record_profile(
        profile(GuestCreated, by_email, first_name="Ann", email="ann@example.com")
    )
    await feedback.service.record_profile(
        profile(GuestCreated, by_sms, first_name="Wei", language="zh", phone="+8613812345678")
    )
    await feedback.service.record_profile(
        profile(GuestCreated, answering, first_name="Bo", email="bo@example.com")
    )
    await feedback.service.record_profile(
        profile(GuestCreated, withdrawn, first_name="Cy", email="cy@example.com")
    )
    clock.now = T0 + timedelta(minutes=1)  # the guest withdrew survey consent later on
    await feedback.service.record_profile(
        profile(
            GuestUpdated,
            withdrawn,
            first_name="Cy",
            email="cy@example.com",
            consents=Consents(surveys=False),
            version=2,
        )
    )
    for stay in stays:
        await feedback.service.survey_after_stay(stay)

    clock.now = T0 + timedelta(minutes=2)
    assert await feedback.mailer.work_once() == 3
    survey_id = survey_id_for_stay(stays[2].payload.stay_id)
    await feedback.service.respond(
        survey_id,
        ResponseCreate(
            token=survey_token(
                feedback.settings.survey_link_secret, survey_id, T0 + timedelta(days=30)
            ),
            answers={"recommend": 9},
        ),
    )

    clock.now = T0 + timedelta(hours=71)
    assert await feedback.mailer.work_once() == 0
    clock.now = T0 + timedelta(hours=73)
    assert await feedback.mailer.work_once() == 2
    assert await feedback.mailer.work_once() == 0

    restarted = Feedback(tmp_path, clock, email)
    clock.now = T0 + timedelta(days=30)
    assert await restarted.mailer.work_once() == 0

    sent = await restarted.outbox("surveys", "survey.sent")
    reminders = [e["payload"] for e in sent if e["payload"]["reminder"]]
    assert len(sent) == 5 and len(reminders) == 2
    assert {r["guest_id"] for r in reminders} == {by_email, by_sms}
    assert sorted(m.to for m in email.sent) == [
        "ann@example.com",
        "ann@example.com",
        "bo@example.com",
    ]
    sms = [
        json.loads(line) for line in Path(feedback.settings.sms_log_path).read_text().splitlines()
    ]
    assert len(sms) == 2 and all(s["to"] == "**********5678" for s in sms)
    assert "8613812345678" not in Path(feedback.settings.sms_log_path).read_text()
    assert "感谢您的入住" in sms[0]["body"] and "温馨提醒" in sms[1]["body"]
    skipped = await restarted.repository.surveys.find_one({"guest_id": withdrawn})
    assert skipped["status"] == "skipped"
    print(
        f"\n4 checkouts: {len(sent) - len(reminders)} invitations (1 no-consent guest "
        f"skipped), {len(reminders)} reminders after 72 h, 0 after a restart"
    )


async def test_a_late_case_escalates_exactly_once_across_passes_and_restarts(tmp_path) -> None:
    clock, email = Clock(T0), RecordingSender()
    feedback = Feedback(tmp_path, clock, email)
    await feedback.service.prepare()
    complaint = ComplaintRaised.new(
        ComplaintRaisedPayload(
            complaint_id="cmp-1",
            guest_id="guest-1",
            stay_id="stay-1",
            room_number="301",
            category="noise",
            severity="high",
            description="Noisy air conditioning",
            taken_by="desk-agent-7",
        ),
        producer="frontdesk",
        property_id=PROPERTY,
    )
    await feedback.service.case_from_complaint(complaint)
    await feedback.service.case_from_complaint(complaint)  # a redelivery

    (opened,) = await feedback.outbox("cases", "case.opened")
    assert opened["payload"]["owner"] == "desk-agent-7"
    assert opened["payload"]["due_at"].startswith("2027-03-01T14:00")  # high: 4 hours

    clock.now = T0 + timedelta(hours=3, minutes=59)
    assert await feedback.escalation.work_once() == 0
    clock.now = T0 + timedelta(hours=4)
    assert await feedback.escalation.work_once() == 1
    assert await feedback.escalation.work_once() == 0
    restarted = Feedback(tmp_path, clock, email)
    clock.now = T0 + timedelta(days=2)
    assert await restarted.escalation.work_once() == 0

    (escalated,) = await restarted.outbox("cases", "case.escalated")
    assert escalated["payload"]["escalated_to"] == "duty-manager"
    case = await restarted.repository.cases.find_one({})
    assert (case["status"], case["owner"]) == ("escalated", "desk-agent-7")
