"""Housekeeping subscribers: thin, typed, idempotent through the use cases."""

from __future__ import annotations

from faststream.rabbit import RabbitBroker

from shared.consumer import of_type, subscribed_queue
from shared.events import StayCheckedIn, StayCheckedOut
from shared.topology import CONSUMER_QUEUES

from .service import HousekeepingService


def register_consumers(broker: RabbitBroker, service: HousekeepingService) -> None:
    (stay_events,) = CONSUMER_QUEUES["housekeeping"]
    subscriber = broker.subscriber(subscribed_queue(stay_events), title=stay_events.name)

    @subscriber(filter=of_type(StayCheckedIn.event_type))
    async def on_stay_checked_in(event: StayCheckedIn) -> None:
        """The room becomes occupied."""
        await service.on_check_in(event)

    @subscriber(filter=of_type(StayCheckedOut.event_type))
    async def on_stay_checked_out(event: StayCheckedOut) -> None:
        """One departure cleaning task; the room becomes vacant and dirty."""
        await service.on_check_out(event)
