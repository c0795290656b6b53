"""Loyalty subscribers: thin, typed, idempotent through the use cases."""

from __future__ import annotations

from collections.abc import Callable

from faststream.rabbit import RabbitBroker

from shared.business_date import BusinessDates
from shared.consumer import Subscription
from shared.events import (
    BusinessDayClosed,
    CaseOpened,
    CaseReopened,
    FolioClosed,
    FolioPointsReturned,
    GoodwillGranted,
    GuestContactCaptured,
    GuestWalkInRegistered,
    RedemptionRefused,
    RedemptionWithdrawn,
    ReservationCancelled,
    ReservationCreated,
    ReservationWalked,
    StayCheckedOut,
    SurveyResponseReceived,
    SurveyResultsShared,
)
from shared.topology import CONSUMER_QUEUES, ConsumerQueue

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
    _stay_events(broker, stay_events, service, business_dates, day_rolled)
    _reservation_events(broker, reservation_events, service)
    _guest_profiles(broker, guest_profiles, profiles)
    _feedback_events(broker, feedback_events, service)


def _stay_events(
    broker: RabbitBroker,
    queue: ConsumerQueue,
    service: LoyaltyService,
    business_dates: BusinessDates,
    day_rolled: Callable[[], None],
) -> None:
    stays = Subscription(broker, queue)

    @stays.handles(StayCheckedOut)
    async def on_stay_checked_out(event: StayCheckedOut) -> None:
        """Points for the stay, once per stay; the stay joins the guest's history."""
        await service.earn_for_stay(event)

    @stays.handles(FolioClosed)
    async def on_folio_closed(event: FolioClosed) -> None:
        """Points for spend beyond the room, once per folio."""
        await service.earn_for_spend(event)

    @stays.handles(FolioPointsReturned)
    async def on_folio_points_returned(event: FolioPointsReturned) -> None:
        """The guest paid in full before the points reached the folio: they come back,
        once."""
        payload = event.payload
        await service.return_redemptions(
            event,
            payload.guest_id,
            payload.reservation_id,
            payload.reason,
            only=payload.redemption_id,
        )

    @stays.handles(BusinessDayClosed)
    async def on_business_day_closed(event: BusinessDayClosed) -> None:
        """The night audit rolled the business date: the daily pass (greetings,
        segments, tier years) runs for the new day."""
        await business_dates.follow(event)
        day_rolled()


def _reservation_events(
    broker: RabbitBroker, queue: ConsumerQueue, service: LoyaltyService
) -> None:
    reservations = Subscription(broker, queue)

    @reservations.handles(ReservationCreated)
    async def on_reservation_created(event: ReservationCreated) -> None:
        await service.record_reservation(event)

    @reservations.handles(ReservationCancelled)
    async def on_reservation_cancelled(event: ReservationCancelled) -> None:
        """Takes back the points the reservation earned, if it earned any, and gives back
        the points redeemed for it."""
        await service.cancel_reservation(event)

    @reservations.handles(ReservationWalked)
    async def on_reservation_walked(event: ReservationWalked) -> None:
        """The hotel walked the guest: points redeemed for the booking come back."""
        payload = event.payload
        await service.return_redemptions(
            event, payload.guest_id, payload.reservation_id, "walked to a partner hotel"
        )

    @reservations.handles(RedemptionRefused)
    async def on_redemption_refused(event: RedemptionRefused) -> None:
        """Reservation could not honour the redemption: its points come back."""
        payload = event.payload
        await service.return_redemptions(
            event,
            payload.guest_id,
            payload.reservation_id,
            f"not honoured: {payload.reason}",
            only=payload.redemption_id,
        )

    @reservations.handles(RedemptionWithdrawn)
    async def on_redemption_withdrawn(event: RedemptionWithdrawn) -> None:
        """An amendment dropped the night the points paid for: they come back, once."""
        payload = event.payload
        await service.return_redemptions(
            event,
            payload.guest_id,
            payload.reservation_id,
            f"withdrawn: {payload.reason}",
            only=payload.redemption_id,
        )


def _guest_profiles(broker: RabbitBroker, queue: ConsumerQueue, profiles: ProfileService) -> None:
    contacts = Subscription(broker, queue)

    @contacts.handles(GuestWalkInRegistered)
    async def on_walk_in_registered(event: GuestWalkInRegistered) -> None:
        """A walk-in registered at the desk: the same as a booking's contact."""
        await profiles.record_contact(event)

    @contacts.handles(GuestContactCaptured)
    async def on_guest_contact(event: GuestContactCaptured) -> None:
        """The contact a booking captured; a match with another profile merges them."""
        await profiles.record_contact(event)


def _feedback_events(broker: RabbitBroker, queue: ConsumerQueue, service: LoyaltyService) -> None:
    feedback = Subscription(broker, queue)

    @feedback.handles(SurveyResponseReceived)
    async def on_survey_response(event: SurveyResponseReceived) -> None:
        await service.record_survey_response(event)

    @feedback.handles(GoodwillGranted)
    async def on_goodwill(event: GoodwillGranted) -> None:
        """Goodwill points, once per grant_id."""
        await service.apply_goodwill(event)

    @feedback.handles(CaseOpened)
    async def on_case_opened(event: CaseOpened) -> None:
        """A complaint: the guest is at risk until it is put right."""
        await service.record_case(event)

    @feedback.handles(CaseReopened)
    async def on_case_reopened(event: CaseReopened) -> None:
        """The guest was not satisfied with the result: a problem guest again."""
        await service.record_case_reopened(event)

    @feedback.handles(SurveyResultsShared)
    async def on_survey_results_shared(event: SurveyResultsShared) -> None:
        """The satisfaction history per department, in-stay answers included."""
        await service.record_results_shared(event)
