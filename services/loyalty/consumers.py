"""Loyalty subscribers: thin, typed, idempotent through the use cases."""

from __future__ import annotations

from faststream.rabbit import RabbitBroker

from shared.consumer import of_type, subscribed_queue
from shared.events import StayCheckedOut
from shared.topology import CONSUMER_QUEUES

from .service import LoyaltyService


def register_consumers(broker: RabbitBroker, service: LoyaltyService) -> None:
    (stay_events,) = CONSUMER_QUEUES["loyalty"]
    subscriber = broker.subscriber(subscribed_queue(stay_events), title=stay_events.name)

    @subscriber(filter=of_type(StayCheckedOut.event_type))
    async def on_stay_checked_out(event: StayCheckedOut) -> None:
        """Points for the stay, once per stay."""
        await service.earn_for_stay(event)
