"""Housekeeping subscribers: thin, typed, idempotent through the use cases."""

from __future__ import annotations

from collections.abc import Callable

from faststream.rabbit import RabbitBroker

from shared.business_date import BusinessDates
from shared.consumer import of_type, subscribed_queue
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
)
from shared.topology import CONSUMER_QUEUES

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
    stay_events, guest_requests, guest_profiles = CONSUMER_QUEUES["housekeeping"]
    stays = broker.subscriber(subscribed_queue(stay_events), title=stay_events.name)
    requests = broker.subscriber(subscribed_queue(guest_requests), title=guest_requests.name)
    profiles = broker.subscriber(subscribed_queue(guest_profiles), title=guest_profiles.name)

    @stays(filter=of_type(StayCheckedIn.event_type))
    async def on_stay_checked_in(event: StayCheckedIn) -> None:
        """The room becomes occupied."""
        await service.on_check_in(event)

    @stays(filter=of_type(StayCheckedOut.event_type))
    async def on_stay_checked_out(event: StayCheckedOut) -> None:
        """One departure cleaning task; the room becomes vacant and dirty."""
        await service.on_check_out(event)

    @stays(filter=of_type(StayRoomCheckRequested.event_type))
    async def on_room_check_requested(event: StayRoomCheckRequested) -> None:
        """The guest asked to leave: the departure task, so the room check can be made."""
        await service.on_room_check_requested(event)

    @stays(filter=of_type(StayRoomMoved.event_type))
    async def on_stay_room_moved(event: StayRoomMoved) -> None:
        """The new room occupied; the old one vacant, dirty, with its cleaning task."""
        await service.on_room_moved(event)

    @stays(filter=of_type(StayExtended.event_type))
    async def on_stay_extended(event: StayExtended) -> None:
        """The room's guest leaves later: the plan serves the added nights."""
        await tasks.on_stay_extended(event)

    @stays(filter=of_type(BusinessDayClosed.event_type))
    async def on_business_day_closed(event: BusinessDayClosed) -> None:
        """The night audit rolled the business date: plans and "today" follow it."""
        await business_dates.follow(event)
        day_rolled()

    @stays(filter=of_type(RoomAssigned.event_type))
    async def on_room_assigned(event: RoomAssigned) -> None:
        """Arrival preparation of the assigned room, with the guest's preferences."""
        await service.on_room_assigned(event)

    @requests(filter=of_type(GuestRequestRaised.event_type))
    async def on_guest_request(event: GuestRequestRaised) -> None:
        """Cleaning, amenities, turndown tasks; maintenance requests."""
        await service.on_guest_request(event)

    @profiles(filter=of_type(GuestCreated.event_type))
    async def on_guest_created(event: GuestCreated) -> None:
        await service.on_guest_profile(event)

    @profiles(filter=of_type(GuestUpdated.event_type))
    async def on_guest_updated(event: GuestUpdated) -> None:
        await service.on_guest_profile(event)

    @profiles(filter=of_type(GuestMerged.event_type))
    async def on_guest_merged(event: GuestMerged) -> None:
        """Tasks and rooms follow the surviving guest id."""
        await service.on_guest_merged(event)

    @profiles(filter=of_type(GuestAnonymized.event_type))
    async def on_guest_anonymized(event: GuestAnonymized) -> None:
        """Erase what housekeeping holds of the guest."""
        await service.on_guest_anonymized(event)
