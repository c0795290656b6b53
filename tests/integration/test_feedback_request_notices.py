"""Issue 12: a finished housekeeping task closes the desk's request and the guest is told.
The desk publishes guest.request_completed; guest relations, which holds the contact,
sends the message once."""

from __future__ import annotations

from datetime import timedelta

from services.feedback.request_notices import RequestNotices, RequestNoticeSender
from shared.events import GuestCreated, GuestRequestCompleted, GuestRequestCompletedPayload
from tests.integration.test_feedback_schedulers import T0, Clock, Feedback, RecordingSender, profile
from tests.support.journeys import PROPERTY


def completed(request_id: str, guest_id: str) -> GuestRequestCompleted:
    return GuestRequestCompleted.new(
        GuestRequestCompletedPayload(
            request_id=request_id,
            stay_id="stay-1",
            guest_id=guest_id,
            room_number="401",
            kind="amenities",
            task_id=f"request|{request_id}",
            completed_at=T0,
            message="What you asked for has been brought to your room.",
        ),
        producer="frontdesk",
        property_id=PROPERTY,
    )


async def test_the_guest_is_told_once_when_the_request_is_done(tmp_path) -> None:
    clock, email = Clock(T0), RecordingSender()
    feedback = Feedback(tmp_path, clock, email)
    await feedback.service.prepare()
    await feedback.service.record_profile(
        profile(GuestCreated, "guest-1", first_name="Ann", email="ann@example.com")
    )
    notices = RequestNotices(feedback.repository, clock=clock, notices_due=lambda: None)
    sender = RequestNoticeSender(notices, email, feedback.settings, clock=clock)
    assert await notices.record(completed("req-1", "guest-1")) is True
    assert await notices.record(completed("req-1", "guest-1")) is False  # redelivered
    await notices.record(completed("req-2", "guest-nobody"))  # no contact known
    assert await sender.work_once() == 1
    clock.now = T0 + timedelta(hours=1)
    assert await sender.work_once() == 0
    [message] = email.sent
    assert (message.to, message.message_id) == ("ann@example.com", "request-req-1-done")
    assert "brought to your room" in message.body
    unreachable = await feedback.repository.request_notices.find_one({"_id": "req-2"})
    assert unreachable["status"] == "unreachable"
