"""Issue 12: after a loyalty merge, a survey waited "awaiting contact" forever: the
merged-away id's contact is forgotten, and nothing wakes a survey filed under it."""

from __future__ import annotations

from datetime import timedelta

from shared.events import GuestCreated, GuestMerged, GuestMergedPayload, StayCheckedOut
from tests.integration.test_feedback_schedulers import T0, Clock, Feedback, RecordingSender, profile
from tests.support.journeys import PROPERTY, checkout


def merged(old: str, surviving: str) -> GuestMerged:
    return GuestMerged.new(
        GuestMergedPayload(surviving_guest_id=surviving, merged_guest_ids=[old]),
        producer="loyalty",
        property_id=PROPERTY,
    )


def renamed(stay: StayCheckedOut, guest_id: str) -> StayCheckedOut:
    return stay.model_copy(
        update={
            "payload": stay.payload.model_copy(
                update={"guest_id": guest_id, "stay_id": stay.payload.stay_id + "-b"}
            )
        }
    )


async def test_surveys_of_a_merged_guest_are_sent_to_the_surviving_profile(tmp_path) -> None:
    clock, email = Clock(T0), RecordingSender()
    feedback = Feedback(tmp_path, clock, email)
    await feedback.service.prepare()
    _, stay = checkout(1)
    walk_in = stay.payload.guest_id  # the walk-in's id: no contact ever comes for it
    await feedback.service.record_profile(
        profile(GuestCreated, "guest-main", first_name="Ann", email="ann@example.com")
    )
    await feedback.service.survey_after_stay(stay)
    assert await feedback.mailer.work_once() == 0  # awaiting contact
    await feedback.service.merge_guests(merged(walk_in, "guest-main"))
    clock.now = T0 + timedelta(minutes=2)
    assert await feedback.mailer.work_once() == 1  # at once, not an hour later
    # a checkout still naming the merged-away id, delivered after the merge
    await feedback.service.survey_after_stay(renamed(stay, walk_in))
    clock.now = T0 + timedelta(minutes=3)
    assert await feedback.mailer.work_once() == 1
    assert [m.to for m in email.sent] == ["ann@example.com", "ann@example.com"]
    surveys = await feedback.repository.surveys.find({}).to_list(None)
    assert {s["guest_id"] for s in surveys} == {"guest-main"}
