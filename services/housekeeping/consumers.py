"""Housekeeping subscribers: thin, typed, idempotent through the use cases."""

from __future__ import annotations

from collections.abc import Callable

from faststream.rabbit import RabbitBroker

from shared.business_date import BusinessDates
from shared.consumer import Subscription
from shared.events import (
    BusinessDayClosed,
    GuestAnonymized,
    GuestCreated,
    GuestMerged,
    GuestRequestRaised,
    GuestUpdated,
    RoomAssigned,
    StayCheckedIn,
    StayCheckedOut,
    StayExtended,
    StayRoomCheckRequested,
    StayRoomMoved,
    StayShortened,
    SurveyResultsShared,
)
from shared.topology import CONSUMER_QUEUES

from .feedback_follow_up import follow_up_low_scores
from .service import HousekeepingService
from .tasks import TaskService


def register_consumers(
    broker: RabbitBroker,
    service: HousekeepingService,
    tasks: TaskService,
    business_dates: BusinessDates,
    *,
    day_rolled: Callable[[], None],
) -> None:
    stay_events, guest_requests, guest_profiles, guest_feedback = CONSUMER_QUEUES["housekeeping"]
    _stay_handlers(Subscription(broker, stay_events), service, tasks, business_dates, day_rolled)
    _guest_handlers(
        Subscription(broker, guest_requests), Subscription(broker, guest_profiles), service
    )
    scores = Subscription(broker, guest_feedback)

    @scores.handles(SurveyResultsShared)
    async def on_survey_results_shared(event: SurveyResultsShared) -> None:
        """A low score of housekeeping: one follow-up task in the room it was about."""
        await follow_up_low_scores(service, event)


def _stay_handlers(
    stays: Subscription,
    service: HousekeepingService,
    tasks: TaskService,
    business_dates: BusinessDates,
    day_rolled: Callable[[], None],
) -> None:
    """The stays' queue: arrivals, departures, moves, changed dates, the night audit."""

    @stays.handles(StayCheckedIn)
    async def on_stay_checked_in(event: StayCheckedIn) -> None:
        """The room becomes occupied."""
        await service.on_check_in(event)

    @stays.handles(StayCheckedOut)
    async def on_stay_checked_out(event: StayCheckedOut) -> None:
        """One departure cleaning task; the room becomes vacant and dirty."""
        await service.on_check_out(event)

    @stays.handles(StayRoomCheckRequested)
    async def on_room_check_requested(event: StayRoomCheckRequested) -> None:
        """The guest asked to leave: the departure task, so the room check can be made."""
        await service.on_room_check_requested(event)

    @stays.handles(StayRoomMoved)
    async def on_stay_room_moved(event: StayRoomMoved) -> None:
        """The new room occupied; the old one vacant, dirty, with its cleaning task."""
        await service.on_room_moved(event)

    @stays.handles(StayExtended)
    async def on_stay_extended(event: StayExtended) -> None:
        """The room's guest leaves later: the plan serves the added nights."""
        await tasks.on_stay_extended(event)

    @stays.handles(StayShortened)
    async def on_stay_shortened(event: StayShortened) -> None:
        """The room's guest leaves earlier: no stay-over on the nights given up."""
        await service.on_shortened(event)

    @stays.handles(BusinessDayClosed)
    async def on_business_day_closed(event: BusinessDayClosed) -> None:
        """The night audit rolled the business date: plans and "today" follow it."""
        await business_dates.follow(event)
        day_rolled()

    @stays.handles(RoomAssigned)
    async def on_room_assigned(event: RoomAssigned) -> None:
        """Arrival preparation of the assigned room, with the guest's preferences."""
        await service.on_room_assigned(event)


def _guest_handlers(
    requests: Subscription, profiles: Subscription, service: HousekeepingService
) -> None:
    """The guests' requests and profiles: tasks asked for, preferences, merges, erasure."""

    @requests.handles(GuestRequestRaised)
    async def on_guest_request(event: GuestRequestRaised) -> None:
        """Cleaning, amenities, turndown tasks; maintenance requests."""
        await service.on_guest_request(event)

    @profiles.handles(GuestCreated)
    async def on_guest_created(event: GuestCreated) -> None:
        await service.on_guest_profile(event)

    @profiles.handles(GuestUpdated)
    async def on_guest_updated(event: GuestUpdated) -> None:
        await service.on_guest_profile(event)

    @profiles.handles(GuestMerged)
    async def on_guest_merged(event: GuestMerged) -> None:
        """Tasks and rooms follow the surviving guest id."""
        await service.on_guest_merged(event)

    @profiles.handles(GuestAnonymized)
    async def on_guest_anonymized(event: GuestAnonymized) -> None:
        """Erase what housekeeping holds of the guest."""
        await service.on_guest_anonymized(event)
