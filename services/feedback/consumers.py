"""Feedback subscribers: thin, typed, idempotent through the use cases."""

from __future__ import annotations

from faststream.rabbit import RabbitBroker

from shared.consumer import Subscription
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
    _stay_handlers(Subscription(broker, stay_events), service, request_notices, in_stay)
    _profile_handlers(Subscription(broker, guest_profiles), service)
    desk = Subscription(broker, complaints)

    @desk.handles(ComplaintRaised)
    async def on_complaint(event: ComplaintRaised) -> None:
        """A complaint taken at the desk: one case, owned by whoever took it."""
        await service.case_from_complaint(event)

    responses = Subscription(broker, survey_responses)

    @responses.handles(SurveyResponseReceived)
    async def on_survey_response(event: SurveyResponseReceived) -> None:
        """A low score opens a case by itself. Taken from feedback's own event rather than
        in the request, so a crash after the answer is saved still opens the case."""
        await service.case_from_survey(event)


def _stay_handlers(
    stays: Subscription,
    service: FeedbackService,
    request_notices: RequestNotices | None,
    in_stay: InStaySurveys | None,
) -> None:
    """The stays' queue: departures, arrivals, the night audit, requests done."""

    @stays.handles(StayCheckedOut)
    async def on_stay_checked_out(event: StayCheckedOut) -> None:
        """One survey per stay, sent by the survey mailer; the guest is no longer in house."""
        await service.survey_after_stay(event)

    @stays.handles(BusinessDayClosed)
    async def on_business_day_closed(event: BusinessDayClosed) -> None:
        """The night audit rolled the business date: answers count on the new day."""
        await service.business_dates.follow(event)

    if request_notices is not None:

        @stays.handles(GuestRequestCompleted)
        async def on_request_completed(event: GuestRequestCompleted) -> None:
            """What the guest asked for is done: they are told, once."""
            await request_notices.record(event)

    @stays.handles(StayCheckedIn)
    async def on_stay_checked_in(event: StayCheckedIn) -> None:
        """Who is in house: their complaints alert the desk before departure; and the
        questionnaire during the stay is planned (issue 18)."""
        await service.guest_checked_in(event)
        if in_stay is not None:
            await in_stay.plan(event)


def _profile_handlers(profiles: Subscription, service: FeedbackService) -> None:
    """The guests' profiles: where and in which language to write, consents, merges,
    erasure."""

    @profiles.handles(GuestContactCaptured)
    async def on_guest_contact(event: GuestContactCaptured) -> None:
        """The address the survey goes to; the newest profile wins."""
        await service.record_contact(event)

    @profiles.handles(GuestCreated)
    async def on_guest_created(event: GuestCreated) -> None:
        await service.record_profile(event)

    @profiles.handles(GuestUpdated)
    async def on_guest_updated(event: GuestUpdated) -> None:
        """Contact, language and consents: a withdrawn survey consent stops every message."""
        await service.record_profile(event)

    @profiles.handles(GuestMerged)
    async def on_guest_merged(event: GuestMerged) -> None:
        await service.merge_guests(event)

    @profiles.handles(GuestAnonymized)
    async def on_guest_anonymized(event: GuestAnonymized) -> None:
        await service.erase_guest(event)
