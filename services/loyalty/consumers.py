"""Loyalty subscribers: thin, typed, idempotent through the use cases."""

from __future__ import annotations

from collections.abc import Callable

from faststream.rabbit import RabbitBroker

from shared.business_date import BusinessDates
from shared.consumer import of_type, subscribed_queue
from shared.events import (
    BusinessDayClosed,
    CaseOpened,
    FolioClosed,
    GoodwillGranted,
    GuestContactCaptured,
    GuestWalkInRegistered,
    ReservationCancelled,
    ReservationCreated,
    StayCheckedOut,
    SurveyResponseReceived,
)
from shared.topology import CONSUMER_QUEUES

from .profiles import ProfileService
from .service import LoyaltyService


def register_consumers(
    broker: RabbitBroker,
    service: LoyaltyService,
    profiles: ProfileService,
    *,
    business_dates: BusinessDates,
    day_rolled: Callable[[], None],
) -> None:
    stay_events, reservation_events, guest_profiles, feedback_events = CONSUMER_QUEUES["loyalty"]

    stays = broker.subscriber(subscribed_queue(stay_events), title=stay_events.name)

    @stays(filter=of_type(StayCheckedOut.event_type))
    async def on_stay_checked_out(event: StayCheckedOut) -> None:
        """Points for the stay, once per stay; the stay joins the guest's history."""
        await service.earn_for_stay(event)

    @stays(filter=of_type(FolioClosed.event_type))
    async def on_folio_closed(event: FolioClosed) -> None:
        """Points for spend beyond the room, once per folio."""
        await service.earn_for_spend(event)

    @stays(filter=of_type(BusinessDayClosed.event_type))
    async def on_business_day_closed(event: BusinessDayClosed) -> None:
        """The night audit rolled the business date: the daily pass (greetings,
        segments, tier years) runs for the new day."""
        await business_dates.follow(event)
        day_rolled()

    reservations = broker.subscriber(
        subscribed_queue(reservation_events), title=reservation_events.name
    )

    @reservations(filter=of_type(ReservationCreated.event_type))
    async def on_reservation_created(event: ReservationCreated) -> None:
        await service.record_reservation(event)

    @reservations(filter=of_type(ReservationCancelled.event_type))
    async def on_reservation_cancelled(event: ReservationCancelled) -> None:
        """Takes back the points the reservation earned, if it earned any."""
        await service.cancel_reservation(event)

    contacts = broker.subscriber(subscribed_queue(guest_profiles), title=guest_profiles.name)

    @contacts(filter=of_type(GuestWalkInRegistered.event_type))
    async def on_walk_in_registered(event: GuestWalkInRegistered) -> None:
        """A walk-in registered at the desk: the same as a booking's contact."""
        await profiles.record_contact(event)

    @contacts(filter=of_type(GuestContactCaptured.event_type))
    async def on_guest_contact(event: GuestContactCaptured) -> None:
        """The contact a booking captured; a match with another profile merges them."""
        await profiles.record_contact(event)

    feedback = broker.subscriber(subscribed_queue(feedback_events), title=feedback_events.name)

    @feedback(filter=of_type(SurveyResponseReceived.event_type))
    async def on_survey_response(event: SurveyResponseReceived) -> None:
        await service.record_survey_response(event)

    @feedback(filter=of_type(GoodwillGranted.event_type))
    async def on_goodwill(event: GoodwillGranted) -> None:
        """Goodwill points, once per grant_id."""
        await service.apply_goodwill(event)

    @feedback(filter=of_type(CaseOpened.event_type))
    async def on_case_opened(event: CaseOpened) -> None:
        """A complaint: the guest is at risk until it is put right."""
        await service.record_case(event)
