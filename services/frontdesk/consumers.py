"""Front desk subscribers: thin, typed, idempotent through the use cases."""

from __future__ import annotations

from faststream.rabbit import RabbitBroker

from shared.consumer import of_type, subscribed_queue
from shared.events import ReservationCreated
from shared.topology import CONSUMER_QUEUES

from .service import FrontDeskService


def register_consumers(broker: RabbitBroker, service: FrontDeskService) -> None:
    (reservation_events,) = CONSUMER_QUEUES["frontdesk"]
    subscriber = broker.subscriber(subscribed_queue(reservation_events),
                                   title="frontdesk.reservation-events")

    @subscriber(filter=of_type(ReservationCreated.event_type))
    async def on_reservation_created(event: ReservationCreated) -> None:
        """Adds the booking to the arrivals list."""
        await service.record_reservation(event)
