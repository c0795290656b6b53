"""Feedback subscribers: thin, typed, idempotent through the use cases."""

from __future__ import annotations

from faststream.rabbit import RabbitBroker

from shared.consumer import of_type, subscribed_queue
from shared.events import GuestContactCaptured, StayCheckedOut
from shared.topology import CONSUMER_QUEUES

from .service import FeedbackService


def register_consumers(broker: RabbitBroker, service: FeedbackService) -> None:
    stay_events, guest_profiles = CONSUMER_QUEUES["feedback"]

    stays = broker.subscriber(subscribed_queue(stay_events), title=stay_events.name)

    @stays(filter=of_type(StayCheckedOut.event_type))
    async def on_stay_checked_out(event: StayCheckedOut) -> None:
        """One survey per stay, mailed by the survey mailer."""
        await service.survey_after_stay(event)

    profiles = broker.subscriber(subscribed_queue(guest_profiles), title=guest_profiles.name)

    @profiles(filter=of_type(GuestContactCaptured.event_type))
    async def on_guest_contact(event: GuestContactCaptured) -> None:
        """The address the survey goes to; the newest profile wins."""
        await service.record_contact(event)
