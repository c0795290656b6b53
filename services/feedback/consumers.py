"""Feedback subscribers: thin, typed, idempotent through the use cases."""

from __future__ import annotations

from faststream.rabbit import RabbitBroker

from shared.consumer import of_type, subscribed_queue
from shared.events import (
    BusinessDayClosed,
    ComplaintRaised,
    GuestAnonymized,
    GuestContactCaptured,
    GuestCreated,
    GuestMerged,
    GuestRequestCompleted,
    GuestUpdated,
    StayCheckedIn,
    StayCheckedOut,
    SurveyResponseReceived,
)
from shared.topology import CONSUMER_QUEUES

from .in_stay import InStaySurveys
from .request_notices import RequestNotices
from .service import FeedbackService


def register_consumers(
    broker: RabbitBroker,
    service: FeedbackService,
    request_notices: RequestNotices | None = None,
    in_stay: InStaySurveys | None = None,
) -> None:
    stay_events, guest_profiles, complaints, survey_responses = CONSUMER_QUEUES["feedback"]

    stays = broker.subscriber(subscribed_queue(stay_events), title=stay_events.name)

    @stays(filter=of_type(StayCheckedOut.event_type))
    async def on_stay_checked_out(event: StayCheckedOut) -> None:
        """One survey per stay, sent by the survey mailer; the guest is no longer in house."""
        await service.survey_after_stay(event)

    @stays(filter=of_type(BusinessDayClosed.event_type))
    async def on_business_day_closed(event: BusinessDayClosed) -> None:
        """The night audit rolled the business date: answers count on the new day."""
        await service.business_dates.follow(event)

    if request_notices is not None:

        @stays(filter=of_type(GuestRequestCompleted.event_type))
        async def on_request_completed(event: GuestRequestCompleted) -> None:
            """What the guest asked for is done: they are told, once."""
            await request_notices.record(event)

    @stays(filter=of_type(StayCheckedIn.event_type))
    async def on_stay_checked_in(event: StayCheckedIn) -> None:
        """Who is in house: their complaints alert the desk before departure; and the
        questionnaire during the stay is planned (issue 18)."""
        await service.guest_checked_in(event)
        if in_stay is not None:
            await in_stay.plan(event)

    profiles = broker.subscriber(subscribed_queue(guest_profiles), title=guest_profiles.name)

    @profiles(filter=of_type(GuestContactCaptured.event_type))
    async def on_guest_contact(event: GuestContactCaptured) -> None:
        """The address the survey goes to; the newest profile wins."""
        await service.record_contact(event)

    @profiles(filter=of_type(GuestCreated.event_type))
    async def on_guest_created(event: GuestCreated) -> None:
        await service.record_profile(event)

    @profiles(filter=of_type(GuestUpdated.event_type))
    async def on_guest_updated(event: GuestUpdated) -> None:
        """Contact, language and consents: a withdrawn survey consent stops every message."""
        await service.record_profile(event)

    @profiles(filter=of_type(GuestMerged.event_type))
    async def on_guest_merged(event: GuestMerged) -> None:
        await service.merge_guests(event)

    @profiles(filter=of_type(GuestAnonymized.event_type))
    async def on_guest_anonymized(event: GuestAnonymized) -> None:
        await service.erase_guest(event)

    desk = broker.subscriber(subscribed_queue(complaints), title=complaints.name)

    @desk(filter=of_type(ComplaintRaised.event_type))
    async def on_complaint(event: ComplaintRaised) -> None:
        """A complaint taken at the desk: one case, owned by whoever took it."""
        await service.case_from_complaint(event)

    responses = broker.subscriber(subscribed_queue(survey_responses), title=survey_responses.name)

    @responses(filter=of_type(SurveyResponseReceived.event_type))
    async def on_survey_response(event: SurveyResponseReceived) -> None:
        """A low score opens a case by itself. Taken from feedback's own event rather than
        in the request, so a crash after the answer is saved still opens the case."""
        await service.case_from_survey(event)
