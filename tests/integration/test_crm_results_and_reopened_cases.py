"""Issue 18 (CRM points): the departments act on survey.results_shared and case.reopened.

- feedback: a guest not satisfied with a case's result reopens it and says so, once per
  reopening (case.reopened in the case's outbox, written with the reopening);
- the desk: a reopened case is an alert again on the guest's in-house stay; the order of
  openings, resolutions and reopenings is kept whatever the redeliveries; the guest's
  latest questionnaire is gathered per department and shown at the next check-in;
- housekeeping: a low housekeeping score becomes one follow-up task in its room;
- loyalty: the satisfaction history per department, once per part; an in-stay low score
  and a reopened case make a problem (at-risk) guest.
Use cases on the embedded store with injected clocks; tests/e2e/test_guest_journey_opinion.py
runs the same over the real broker with the services as processes."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta

from mongomock_motor import AsyncMongoMockClient

from services.feedback.case_follow_up import SatisfactionAnswer
from services.frontdesk.domain import CheckIn
from services.housekeeping.feedback_follow_up import follow_up_low_scores
from services.loyalty.guests import Change
from shared.events import (
    CaseOpened,
    CaseOpenedPayload,
    CaseReopened,
    CaseReopenedPayload,
    CaseResolved,
    CaseResolvedPayload,
    GuestCreated,
    GuestProfilePayload,
    SurveyResultsShared,
    SurveyResultsSharedPayload,
)
from shared.property_setup import load_property
from tests.integration.frontdesk_harness import PROPERTY, FixedClock, booking, build
from tests.integration.test_feedback_guest_relations import link_in, resolved_complaint
from tests.integration.test_feedback_schedulers import T0
from tests.integration.test_loyalty_ledger_service import World
from tests.unit.test_housekeeping_workday import FakeClock, Housekeeping

SETUP = load_property()
ARRIVAL, DEPARTURE = date(2027, 3, 10), date(2027, 3, 13)
NOON = datetime(2027, 3, 10, 4, tzinfo=UTC)  # 12:00 at the hotel (UTC+8)


def at(event, when: datetime):
    return event.model_copy(update={"occurred_at": when})


def again(event):
    """The same news in a new message: the consumer's own key must catch it, not the
    event id."""
    return event.model_copy(update={"event_id": uuid.uuid4()})


def opened(stay_id: str, when: datetime) -> CaseOpened:
    return at(
        CaseOpened.new(
            CaseOpenedPayload(
                case_id="case-1",
                guest_id="guest-1",
                stay_id=stay_id,
                category="noise",
                severity="medium",
                source="phone",
                owner="gr-wang",
                in_house=True,
                due_at=when + timedelta(hours=24),
            ),
            producer="feedback",
            property_id=PROPERTY,
        ),
        when,
    )


def resolved(when: datetime) -> CaseResolved:
    return at(
        CaseResolved.new(
            CaseResolvedPayload(case_id="case-1", guest_id="guest-1", resolution="moved floor"),
            producer="feedback",
            property_id=PROPERTY,
        ),
        when,
    )


def reopened(when: datetime, count: int = 1, guest_id: str = "guest-1") -> CaseReopened:
    return at(
        CaseReopened.new(
            CaseReopenedPayload(
                case_id="case-1",
                guest_id=guest_id,
                category="noise",
                severity="medium",
                owner="gr-wang",
                due_at=when + timedelta(hours=24),
                reopen_count=count,
            ),
            producer="feedback",
            property_id=PROPERTY,
        ),
        when,
    )


def share(
    department: str,
    scores: dict,
    low: list[str],
    *,
    survey_id: str = "survey-1",
    kind: str = "post_stay",
    answered_at: datetime = NOON,
    guest_id: str = "guest-1",
) -> SurveyResultsShared:
    return SurveyResultsShared.new(
        SurveyResultsSharedPayload(
            survey_id=survey_id,
            kind=kind,
            department=department,
            stay_id="stay-0",
            guest_id=guest_id,
            room_number="501",
            scores=scores,
            low_topics=low,
            answered_at=answered_at,
        ),
        producer="feedback",
        property_id=PROPERTY,
    )


# --- feedback: the reopening leaves as an event -------------------------------------


async def test_a_guest_not_satisfied_reopens_the_case_and_feedback_says_so_once(
    tmp_path,
) -> None:
    feedback, clock, email, case, follow_up = await resolved_complaint(tmp_path)
    _, token = link_in(email.sent[0].body)
    clock.now = T0 + timedelta(hours=5)
    await follow_up.answer(case.id, SatisfactionAnswer(token=token, satisfied=False))
    [event] = await feedback.outbox("cases", "case.reopened")
    assert event["payload"]["case_id"] == case.id
    assert event["payload"]["reopen_count"] == 1
    assert event["payload"]["owner"] == "desk-anna"  # back to its first responder
    assert event["payload"]["due_at"].startswith((T0 + timedelta(hours=9)).date().isoformat())
    stored = await feedback.service.case(case.id)
    assert (stored.status, stored.reopen_count) == ("open", 1)


async def test_a_satisfied_guest_reopens_nothing(tmp_path) -> None:
    feedback, clock, email, case, follow_up = await resolved_complaint(tmp_path, "g-happy")
    _, token = link_in(email.sent[0].body)
    await follow_up.answer(case.id, SatisfactionAnswer(token=token, satisfied=True))
    assert await feedback.outbox("cases", "case.reopened") == []


# --- the desk: the alert of a reopened case, in order ---------------------------------


def test_a_reopened_case_alerts_the_desk_again_on_the_guests_in_house_stay() -> None:
    async def scenario():
        service, _, projections, _ = await build(SETUP, FixedClock(NOON))
        await projections.reservation_created(booking(1, "king", ARRIVAL, DEPARTURE))
        stay = await service.check_in(CheckIn(reservation_id="res-1"))
        one = timedelta(hours=1)
        await projections.case_opened(opened(stay["_id"], NOON))
        await projections.case_resolved(resolved(NOON + one))
        after_resolution = (await service.get_stay(stay["_id"]))["alerts"]
        # late copies of the opening and the resolution: nothing comes back
        await projections.case_opened(opened(stay["_id"], NOON))
        after_late_opening = (await service.get_stay(stay["_id"]))["alerts"]
        await projections.case_reopened(reopened(NOON + 2 * one))
        await projections.case_reopened(reopened(NOON + 2 * one))  # redelivered
        raised_again = (await service.get_stay(stay["_id"]))["alerts"]
        await projections.case_resolved(resolved(NOON + one))  # the first resolution, late
        kept = (await service.get_stay(stay["_id"]))["alerts"]
        await projections.case_resolved(resolved(NOON + 3 * one))  # resolved again
        await projections.case_reopened(reopened(NOON + 2 * one))  # the reopening, late
        final = await service.get_stay(stay["_id"])
        return after_resolution, after_late_opening, raised_again, kept, final

    after_resolution, after_late_opening, raised_again, kept, final = asyncio.run(scenario())
    assert after_resolution == [] and after_late_opening == []
    assert [(a["case_id"], a.get("reopen_count")) for a in raised_again] == [("case-1", 1)]
    assert kept == raised_again  # the late first resolution is not this alert's
    assert final["alerts"] == []
    assert [a.get("reopen_count") for a in final["resolved_alerts"]] == [None, 1]


def test_a_guest_who_has_left_gets_no_alert_when_their_case_reopens() -> None:
    async def scenario():
        service, folio, projections, _ = await build(SETUP, FixedClock(NOON))
        await projections.reservation_created(booking(1, "king", ARRIVAL, DEPARTURE))
        stay = await service.check_in(CheckIn(reservation_id="res-1"))
        await folio.check_out(stay["_id"])
        await projections.case_reopened(reopened(NOON))
        return await service.get_stay(stay["_id"])

    assert asyncio.run(scenario())["alerts"] == []


# --- the desk: the latest questionnaire, at the next check-in --------------------------


def test_the_desk_shows_the_guests_latest_questionnaire_when_it_recognises_them() -> None:
    async def scenario():
        service, _, projections, database = await build(SETUP, FixedClock(NOON))
        await projections.guest_profile(
            GuestCreated.new(
                GuestProfilePayload(guest_id="guest-1", first_name="Mei", last_name="Chen"),
                producer="loyalty",
                property_id=PROPERTY,
            )
        )
        earlier = NOON - timedelta(days=60)
        await projections.survey_results_shared(
            share("front_office", {"check_in": 5}, [], survey_id="old", answered_at=earlier)
        )
        newest = [
            share("front_office", {"check_in": 4}, []),
            share("housekeeping", {"room_cleanliness": 2}, ["room_cleanliness"]),
        ]
        for event in newest + newest:  # each part redelivered
            await projections.survey_results_shared(event)
        # an older questionnaire arriving late changes nothing
        await projections.survey_results_shared(
            share(
                "food_beverage",
                {"breakfast": 1},
                ["breakfast"],
                survey_id="older",
                answered_at=earlier - timedelta(days=1),
            )
        )
        await projections.reservation_created(
            booking(1, "king", ARRIVAL, DEPARTURE, guest_id="guest-1")
        )
        stay = await service.check_in(CheckIn(reservation_id="res-1"))
        return stay["recognition"], await database["guest_feedback"].count_documents({})

    recognition, documents = asyncio.run(scenario())
    last = recognition["last_feedback"]
    assert documents == 1
    assert (last["survey_id"], last["kind"]) == ("survey-1", "post_stay")
    assert last["departments"] == {
        "front_office": {"scores": {"check_in": 4}, "low_topics": []},
        "housekeeping": {"scores": {"room_cleanliness": 2}, "low_topics": ["room_cleanliness"]},
    }


# --- housekeeping: a low score of housekeeping, followed up in its room ----------------


async def test_a_low_housekeeping_score_is_one_follow_up_task_in_its_room() -> None:
    hk = await Housekeeping(
        AsyncMongoMockClient(tz_aware=True).get_database("hk"), FakeClock(NOON)
    ).prepare()
    low = share("housekeeping", {"room_cleanliness": 1}, ["room_cleanliness"])
    created = [await follow_up_low_scores(hk.service, low) for _ in range(3)]  # redelivered
    in_stay = share(
        "housekeeping",
        {"room_cleanliness": 2},
        ["room_cleanliness"],
        survey_id="in-1",
        kind="in_stay",
    )
    await follow_up_low_scores(hk.service, in_stay)
    for ignored in (
        share("housekeeping", {"room_cleanliness": 4}, [], survey_id="fine"),
        share("front_office", {"check_in": 1}, ["check_in"], survey_id="desk"),
    ):
        assert await follow_up_low_scores(hk.service, ignored) is False
    tasks = await hk.repository.tasks_matching({"kind": "feedback_follow_up"})
    assert created == [True, False, False]
    assert sorted((t.id, t.room_number, t.priority) for t in tasks) == [
        ("feedback|in-1", "501", 1),  # the guest is still in the room: urgent
        ("feedback|survey-1", "501", 3),
    ]
    assert sorted(t.low_topics for t in tasks) == [["room_cleanliness"], ["room_cleanliness"]]
    assert len(await hk.published("hk.task.created")) == 2


# --- loyalty: the satisfaction history and the problem guest ----------------------------


async def test_loyalty_keeps_the_history_per_department_once_and_a_reopening_is_a_problem() -> None:
    world = World()
    await world.repository.prepare()
    world.clock.now = NOON
    in_stay = share(
        "housekeeping",
        {"room_cleanliness": 2},
        ["room_cleanliness"],
        kind="in_stay",
        survey_id="in-1",
    )
    fine = share("front_office", {"check_in": 5}, [], survey_id="post-1")
    # each redelivered, and sent again as a new message (another event id)
    for event in (fine, fine, in_stay, in_stay, again(fine), again(in_stay)):
        await world.service.record_results_shared(event)
    guest = await world.repository.guests.find_one({"_id": "guest-1"})
    history = guest["feedback"]["history"]
    assert [(h["survey_id"], h["department"]) for h in history] == [
        ("post-1", "front_office"),
        ("in-1", "housekeeping"),
    ]
    assert "at-risk" in guest["segments"]  # an in-stay low score: a problem guest

    quiet = share("front_office", {"check_in": 5}, [], guest_id="guest-2")
    await world.service.record_results_shared(quiet)
    second = await world.repository.guests.find_one({"_id": "guest-2"})
    assert "at-risk" not in second["segments"]
    later = NOON + timedelta(days=3)
    reopening = reopened(later, guest_id="guest-2")
    for event in (reopening, reopening, again(reopening)):
        await world.service.record_case_reopened(event)
    second = await world.repository.guests.find_one({"_id": "guest-2"})
    assert second["feedback"]["reopened_cases"] == ["case-1|1"]
    assert "at-risk" in second["segments"]


async def test_loyalty_remembers_the_events_it_applied() -> None:
    """A redelivered event is not decided again: the guest document keeps the applied
    event ids (before, the $push fragment was nested one level too deep and stored a
    literal `{"applied_events": {"$each": ...}}`, so no event id ever matched)."""
    world = World()
    await world.repository.prepare()
    decisions: list[int] = []

    def decide(guest: dict) -> Change:
        decisions.append(1)
        return Change(sets={"note": len(decisions)})

    event = share("front_office", {"check_in": 5}, [])
    for _ in range(2):
        await world.service.store.change("guest-1", decide, cause=event, create=True)
    guest = await world.repository.guests.find_one({"_id": "guest-1"})
    assert decisions == [1]
    assert guest["applied_events"] == [str(event.event_id)]
