"""Issue 18, guest relations in feedback (seeds 000, 001, 002): after a complaint the guest
is told what was improved and asked whether they are satisfied; questionnaires during the
stay; survey results for the departments concerned. Embedded store, injected clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest

from services.feedback.case_follow_up import CaseFollowUp, SatisfactionAnswer, follow_up_token
from services.feedback.domain import CaseCreate, CaseResolve
from services.feedback.mailer import CaseResultMailer
from services.feedback.service import SurveyAlreadyAnswered as SurveyAlreadyAnsweredError
from shared.errors import Conflict, NotAllowed
from shared.events import GuestCreated
from tests.integration.test_feedback_schedulers import T0, Clock, Feedback, RecordingSender, profile

# A survey link valid far beyond any clock these tests set.
LINK_EXPIRY = datetime(2099, 1, 1, tzinfo=UTC)


def link_in(body: str) -> tuple[str, str]:
    """(path, token) of the one link in a message body."""
    url = next(word for word in body.split() if word.startswith("http"))
    parsed = urlparse(url)
    return parsed.path, parse_qs(parsed.query)["token"][0]


async def resolved_complaint(tmp_path, guest_id: str = "g-complaint"):
    clock, email = Clock(T0), RecordingSender()
    feedback = Feedback(tmp_path, clock, email)
    await feedback.service.prepare()
    await feedback.service.record_profile(
        profile(GuestCreated, guest_id, first_name="Lan", email="lan@example.com")
    )
    case = await feedback.service.open_case(
        CaseCreate(
            guest_id=guest_id,
            category="noise",
            severity="high",
            description="Loud air conditioning all night",
            channel="phone",
            taken_by="desk-anna",
        ),
        "call-1",
    )
    await feedback.service.resolve(
        case.id,
        CaseResolve(
            resolution="Moved you to a quiet room and serviced the unit.",
            improvement="Every air-conditioning unit is now checked for noise weekly.",
            resolved_by="desk-anna",
        ),
    )
    mailer = CaseResultMailer(feedback.repository, email, feedback.settings, clock=clock)
    clock.now = T0 + timedelta(minutes=1)
    assert await mailer.work_once() == 1
    assert await mailer.work_once() == 0  # the result goes once
    follow_up = CaseFollowUp(feedback.repository, feedback.settings, clock)
    return feedback, clock, email, case, follow_up


async def test_the_result_mail_says_what_was_improved_and_asks_if_the_guest_is_satisfied(
    tmp_path,
) -> None:
    feedback, clock, email, case, follow_up = await resolved_complaint(tmp_path)
    [mail] = email.sent
    assert "Moved you to a quiet room" in mail.body
    assert "checked for noise weekly" in mail.body  # what was improved
    path, token = link_in(mail.body)
    assert path == f"/case-follow-ups/{case.id}"
    question = await follow_up.question(case.id, token)
    assert question["improvement"].startswith("Every air-conditioning unit")
    assert question["answer"] == "asked"

    clock.now = T0 + timedelta(days=1)
    answered = await follow_up.answer(
        case.id, SatisfactionAnswer(token=token, satisfied=True, comment="Thank you!")
    )
    assert answered == {
        "case_id": case.id,
        "guest_satisfaction": "satisfied",
        "status": "resolved",
    }
    stored = await feedback.service.case(case.id)
    assert stored.guest_satisfaction == "satisfied"
    assert stored.guest_satisfaction_at is not None
    assert stored.guest_satisfaction_at.replace(tzinfo=None) == clock.now.replace(tzinfo=None)
    assert [n.text for n in stored.notes if n.author == "guest"] == ["Thank you!"]
    with pytest.raises(Conflict):  # one answer per case
        await follow_up.answer(case.id, SatisfactionAnswer(token=token, satisfied=False))


async def test_a_guest_not_satisfied_reopens_the_case_for_its_owner(tmp_path) -> None:
    feedback, clock, email, case, follow_up = await resolved_complaint(tmp_path)
    _, token = link_in(email.sent[0].body)
    clock.now = T0 + timedelta(hours=5)
    answered = await follow_up.answer(
        case.id,
        SatisfactionAnswer(token=token, satisfied=False, comment="Still noisy next door"),
    )
    assert (answered["guest_satisfaction"], answered["status"]) == ("not_satisfied", "open")
    reopened = await feedback.service.case(case.id)
    assert reopened.owner == "desk-anna"  # the first responder keeps it
    due = reopened.due_at.replace(tzinfo=None)
    assert due == (clock.now + timedelta(hours=4)).replace(tzinfo=None)  # "high": 4 hours
    # late again -> the escalation worker brings in the manager, once
    clock.now = clock.now + timedelta(hours=4, minutes=1)
    assert await feedback.escalation.work_once() == 1
    assert (await feedback.service.case(case.id)).status == "escalated"


async def test_a_forged_or_borrowed_link_is_refused(tmp_path) -> None:
    feedback, clock, email, case, follow_up = await resolved_complaint(tmp_path)
    _, token = link_in(email.sent[0].body)
    other = await feedback.service.open_case(
        CaseCreate(
            guest_id="g-other",
            category="noise",
            severity="low",
            description="x",
            channel="desk",
            taken_by="desk-bo",
        ),
        "call-2",
    )
    for case_id, wrong in (
        (other.id, token),  # a link of another case
        (case.id, "0" * 32),
        (case.id, follow_up_token("another-secret", case.id)),
    ):
        with pytest.raises(NotAllowed):
            await follow_up.answer(case_id, SatisfactionAnswer(token=wrong, satisfied=True))
    assert (await feedback.service.case(case.id)).guest_satisfaction == "asked"


# --- questionnaires during the stay --------------------------------------------------


def checked_in(guest_id: str, stay_id: str, room: str = "512"):
    from datetime import date

    from shared.events import StayCheckedIn, StayCheckedInPayload

    event = StayCheckedIn.new(
        StayCheckedInPayload(
            stay_id=stay_id,
            reservation_id=f"res-{stay_id}",
            guest_id=guest_id,
            room_number=room,
            room_type="king",
            arrival=date(2027, 3, 1),
            departure=date(2027, 3, 4),
        ),
        producer="frontdesk",
        property_id="demo-hotel",
    )
    return event.model_copy(update={"occurred_at": T0})


async def in_stay_world(tmp_path):
    from services.feedback.channels import ChannelSender
    from services.feedback.in_stay import InStaySurveys, InStaySurveySender
    from shared.sms import FileSmsGateway

    clock, email = Clock(T0), RecordingSender()
    feedback = Feedback(tmp_path, clock, email)
    await feedback.service.prepare()
    surveys = InStaySurveys(feedback.repository, feedback.service, feedback.settings, clock=clock)
    sender = InStaySurveySender(
        surveys,
        ChannelSender(email=email, sms=FileSmsGateway(feedback.settings.sms_log_path)),
        feedback.settings,
        clock=clock,
    )
    return feedback, clock, email, surveys, sender


async def arrive(feedback, surveys, guest_id: str, stay_id: str, **contact) -> None:
    await feedback.service.record_profile(profile(GuestCreated, guest_id, **contact))
    event = checked_in(guest_id, stay_id)
    await feedback.service.guest_checked_in(event)
    assert await surveys.plan(event) is True
    assert await surveys.plan(event) is False  # redelivered: still one questionnaire


async def test_the_in_stay_questionnaire_goes_the_next_morning_and_a_complaint_alerts_the_desk(
    tmp_path,
) -> None:
    from services.feedback.domain import ResponseCreate
    from services.feedback.in_stay import in_stay_survey_id

    feedback, clock, email, surveys, sender = await in_stay_world(tmp_path)
    await arrive(feedback, surveys, "g-in", "stay-in", first_name="Ann", email="ann@example.com")
    clock.now = T0 + timedelta(hours=17)
    assert await sender.work_once() == 0  # not yet: 18 hours after check-in
    clock.now = T0 + timedelta(hours=18, minutes=1)
    assert await sender.work_once() == 1
    assert await sender.work_once() == 0  # once
    [mail] = email.sent
    assert mail.subject.endswith("how is your stay so far?")
    path, token = link_in(mail.body)
    survey_id = in_stay_survey_id("stay-in")
    assert path == f"/in-stay-surveys/{survey_id}"
    form = await surveys.form(survey_id, token)
    assert [q["question_id"] for q in form["questions"]] == [
        "room_comfort",
        "service_so_far",
        "put_right_now",
    ]

    answered = await surveys.answer(
        survey_id,
        ResponseCreate(
            token=token,
            answers={"room_comfort": 2, "service_so_far": 5, "put_right_now": "The shower is cold"},
        ),
    )
    assert answered["low_score"] is True and answered["case_id"]
    case = await feedback.service.case(answered["case_id"])
    assert (case.owner, case.in_house, case.stay_id, case.category) == (
        "guest-relations",
        True,  # the desk is alerted through case.opened before departure
        "stay-in",
        "room_comfort",
    )
    assert "The shower is cold" in case.description
    [opened] = await feedback.outbox("cases", "case.opened")
    assert opened["payload"]["in_house"] is True
    with pytest.raises(SurveyAlreadyAnsweredError):
        await surveys.answer(survey_id, ResponseCreate(token=token, answers={"room_comfort": 5}))

    shared = await feedback.outbox("in_stay_surveys", "survey.results_shared")
    assert sorted((s["payload"]["department"], s["payload"]["low_topics"]) for s in shared) == [
        ("front_office", []),
        ("housekeeping", ["room_comfort"]),
    ]
    assert all("shower" not in str(s) for s in shared)  # the guest's words stay here


async def test_no_questionnaire_for_a_guest_who_left_or_withdrew_consent(tmp_path) -> None:
    from shared.events import Consents

    feedback, clock, email, surveys, sender = await in_stay_world(tmp_path)
    await arrive(feedback, surveys, "g-left", "stay-left", first_name="Bo", email="bo@example.com")
    await arrive(
        feedback,
        surveys,
        "g-no",
        "stay-no",
        first_name="Cy",
        email="cy@example.com",
        consents=Consents(surveys=False),
    )
    await feedback.repository.stay_checked_out("stay-left", "g-left")  # a one-night stay
    clock.now = T0 + timedelta(hours=19)
    assert await sender.work_once() == 0
    assert email.sent == []
    statuses = {s["stay_id"]: (s["status"], s["skip_reason"]) for s in await surveys.list(None, 10)}
    assert statuses == {
        "stay-left": ("skipped", "the guest has left"),
        "stay-no": ("skipped", "no survey consent"),
    }


async def test_a_crash_between_the_answer_and_its_case_is_repaired_once(tmp_path) -> None:
    from services.feedback.domain import ResponseCreate, survey_token
    from services.feedback.in_stay import IN_STAY_PURPOSE, in_stay_survey_id

    feedback, clock, email, surveys, sender = await in_stay_world(tmp_path)
    await arrive(feedback, surveys, "g-cr", "stay-cr", first_name="Di", email="di@example.com")
    clock.now = T0 + timedelta(hours=19)
    assert await sender.work_once() == 1
    survey_id = in_stay_survey_id("stay-cr")
    secret = feedback.settings.survey_link_secret
    token = survey_token(secret, survey_id, LINK_EXPIRY, IN_STAY_PURPOSE)

    async def crash(*args, **kwargs):
        raise RuntimeError("process killed")

    real_open = feedback.service._open_case
    feedback.service._open_case = crash
    with pytest.raises(RuntimeError):
        await surveys.answer(survey_id, ResponseCreate(token=token, answers={"room_comfort": 1}))
    feedback.service._open_case = real_open
    assert await feedback.repository.cases.count_documents({}) == 0
    await sender.work_once()
    await sender.work_once()
    cases = await feedback.repository.cases.find({}).to_list(None)
    assert [(c["severity"], c["in_stay_survey_id"]) for c in cases] == [("high", survey_id)]


# --- survey results for the departments concerned ---------------------------------------


async def test_each_department_gets_its_part_of_a_post_stay_answer_once(tmp_path) -> None:
    import httpx
    from fastapi import FastAPI

    from services.feedback.department_results import department_results_router
    from services.feedback.domain import ResponseCreate, survey_id_for_stay, survey_token
    from tests.support.journeys import checkout

    clock, email = Clock(T0), RecordingSender()
    feedback = Feedback(tmp_path, clock, email)
    await feedback.service.prepare()
    _, stay = checkout(1)
    await feedback.service.survey_after_stay(stay)
    survey_id = survey_id_for_stay(stay.payload.stay_id)
    token = survey_token(feedback.settings.survey_link_secret, survey_id, LINK_EXPIRY)
    answers = {"recommend": 9, "check_in": 5, "room_cleanliness": 2, "comments": "Dusty lamp"}
    await feedback.service.respond(survey_id, ResponseCreate(token=token, answers=answers))
    with pytest.raises(SurveyAlreadyAnsweredError):
        await feedback.service.respond(survey_id, ResponseCreate(token=token, answers=answers))

    shared = await feedback.outbox("surveys", "survey.results_shared")
    assert sorted((s["payload"]["department"], s["payload"]["scores"]) for s in shared) == [
        ("front_office", {"check_in": 5}),
        ("housekeeping", {"room_cleanliness": 2}),
    ]
    assert all(s["payload"]["comment_left"] for s in shared)

    app = FastAPI()
    app.include_router(department_results_router(feedback.repository, clock))
    clock.now = T0 + timedelta(hours=1)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://feedback"
    ) as client:
        housekeeping = (await client.get("/department-results/housekeeping")).json()
        food = (await client.get("/department-results/food_beverage")).json()
    assert (housekeeping["answers"], housekeeping["with_low_scores"]) == (1, 1)
    assert housekeeping["items"][0]["low_topics"] == ["room_cleanliness"]
    assert housekeeping["items"][0]["stay_id"] == stay.payload.stay_id
    assert food["answers"] == 0  # breakfast was not answered
