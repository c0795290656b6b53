"""Issue 18, guest relations in feedback (seeds 000, 001, 002): after a complaint the guest
is told what was improved and asked whether they are satisfied; questionnaires during the
stay; survey results for the departments concerned. Embedded store, injected clock."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest

from services.feedback.case_follow_up import CaseFollowUp, SatisfactionAnswer, follow_up_token
from services.feedback.domain import CaseCreate, CaseResolve
from services.feedback.mailer import CaseResultMailer
from shared.events import GuestCreated
from shared.problems import Conflict, Problem
from tests.integration.test_feedback_schedulers import T0, Clock, Feedback, RecordingSender, profile


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
        case["_id"],
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
    assert path == f"/case-follow-ups/{case['_id']}"
    question = await follow_up.question(case["_id"], token)
    assert question["improvement"].startswith("Every air-conditioning unit")
    assert question["answer"] == "asked"

    clock.now = T0 + timedelta(days=1)
    answered = await follow_up.answer(
        case["_id"], SatisfactionAnswer(token=token, satisfied=True, comment="Thank you!")
    )
    assert answered == {
        "case_id": case["_id"],
        "guest_satisfaction": "satisfied",
        "status": "resolved",
    }
    stored = await feedback.service.case(case["_id"])
    assert stored["guest_satisfaction"] == "satisfied"
    assert stored["guest_satisfaction_at"].replace(tzinfo=None) == clock.now.replace(tzinfo=None)
    assert [n["text"] for n in stored["notes"] if n["author"] == "guest"] == ["Thank you!"]
    with pytest.raises(Conflict):  # one answer per case
        await follow_up.answer(case["_id"], SatisfactionAnswer(token=token, satisfied=False))


async def test_a_guest_not_satisfied_reopens_the_case_for_its_owner(tmp_path) -> None:
    feedback, clock, email, case, follow_up = await resolved_complaint(tmp_path)
    _, token = link_in(email.sent[0].body)
    clock.now = T0 + timedelta(hours=5)
    answered = await follow_up.answer(
        case["_id"],
        SatisfactionAnswer(token=token, satisfied=False, comment="Still noisy next door"),
    )
    assert (answered["guest_satisfaction"], answered["status"]) == ("not_satisfied", "open")
    reopened = await feedback.service.case(case["_id"])
    assert reopened["owner"] == "desk-anna"  # the first responder keeps it
    due = reopened["due_at"].replace(tzinfo=None)
    assert due == (clock.now + timedelta(hours=4)).replace(tzinfo=None)  # "high": 4 hours
    # late again -> the escalation worker brings in the manager, once
    clock.now = clock.now + timedelta(hours=4, minutes=1)
    assert await feedback.escalation.work_once() == 1
    assert (await feedback.service.case(case["_id"]))["status"] == "escalated"


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
        (other["_id"], token),  # a link of another case
        (case["_id"], "0" * 32),
        (case["_id"], follow_up_token("another-secret", case["_id"])),
    ):
        with pytest.raises(Problem) as refused:
            await follow_up.answer(case_id, SatisfactionAnswer(token=wrong, satisfied=True))
        assert refused.value.status == 403
    assert (await feedback.service.case(case["_id"]))["guest_satisfaction"] == "asked"
