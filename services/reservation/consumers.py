"""Reservation subscribers: integrator commands and guest erasure. Thin, typed,
idempotent through the use cases."""

from __future__ import annotations

from typing import Any

from faststream.rabbit import RabbitBroker
from faststream.rabbit.annotations import RabbitMessage

from shared.commands import (ReservationAmendCommand, ReservationCancelCommand,
                             ReservationCreateCommand)
from shared.consumer import of_type, subscribed_queue
from shared.events import GuestAnonymized, GuestMerged
from shared.topology import CONSUMER_QUEUES

from .integrators import IntegratorCommands
from .service import ReservationService


def register_consumers(broker: RabbitBroker, commands: IntegratorCommands,
                       reservations: ReservationService) -> None:
    command_queue, guest_lifecycle = CONSUMER_QUEUES["reservation"]
    on_command = broker.subscriber(subscribed_queue(command_queue), title=command_queue.name)

    @on_command(filter=of_type(ReservationCreateCommand.command_type))
    async def on_create(body: dict[str, Any], message: RabbitMessage) -> None:
        """Books by the channel's reference; answers accepted or rejected. The channel is
        the sending integrator's login (AMQP user_id), not what the body says."""
        await commands.handle(body, ReservationCreateCommand, message.raw_message)

    @on_command(filter=of_type(ReservationAmendCommand.command_type))
    async def on_amend(body: dict[str, Any], message: RabbitMessage) -> None:
        await commands.handle(body, ReservationAmendCommand, message.raw_message)

    @on_command(filter=of_type(ReservationCancelCommand.command_type))
    async def on_cancel(body: dict[str, Any], message: RabbitMessage) -> None:
        await commands.handle(body, ReservationCancelCommand, message.raw_message)

    on_guest = broker.subscriber(subscribed_queue(guest_lifecycle), title=guest_lifecycle.name)

    @on_guest(filter=of_type(GuestMerged.event_type))
    async def on_guest_merged(event: GuestMerged) -> None:
        """Duplicates merged in loyalty: bookings follow the surviving guest id."""
        await reservations.follow_merge(event)

    @on_guest(filter=of_type(GuestAnonymized.event_type))
    async def on_guest_anonymized(event: GuestAnonymized) -> None:
        """Erasure: names and contact details leave this guest's reservations."""
        await reservations.anonymize_guest(event)
