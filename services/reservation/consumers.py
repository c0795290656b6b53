"""Reservation subscribers: integrator commands and guest erasure. Thin, typed,
idempotent through the use cases."""

from __future__ import annotations

from typing import Any

from faststream.rabbit import RabbitBroker
from faststream.rabbit.annotations import RabbitMessage

from shared.commands import (
    ReservationAmendCommand,
    ReservationCancelCommand,
    ReservationCreateCommand,
)
from shared.consumer import of_type, subscribed_queue
from shared.events import (
    BusinessDayClosed,
    GuestAnonymized,
    GuestMerged,
    RoomOutOfOrderCancelled,
    RoomOutOfOrderChanged,
    RoomOutOfOrderScheduled,
    StayCheckedIn,
    StayCheckedOut,
    StayExtended,
)
from shared.topology import CONSUMER_QUEUES

from .integrators import IntegratorCommands
from .room_periods import RoomPeriods
from .service import ReservationService
from .stays import StayFollower


def register_consumers(
    broker: RabbitBroker,
    commands: IntegratorCommands,
    reservations: ReservationService,
    stays: StayFollower,
    periods: RoomPeriods,
) -> None:
    command_queue, guest_lifecycle, stay_events, room_periods = CONSUMER_QUEUES["reservation"]
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

    on_stay = broker.subscriber(subscribed_queue(stay_events), title=stay_events.name)

    @on_stay(filter=of_type(StayCheckedIn.event_type))
    async def on_stay_checked_in(event: StayCheckedIn) -> None:
        """The booking is in house; a walk-in or early arrival holds its own nights."""
        await stays.checked_in(event)

    @on_stay(filter=of_type(StayExtended.event_type))
    async def on_stay_extended(event: StayExtended) -> None:
        await stays.extended(event)

    @on_stay(filter=of_type(StayCheckedOut.event_type))
    async def on_stay_checked_out(event: StayCheckedOut) -> None:
        """The booking is checked out; nights after an early departure go back."""
        await stays.checked_out(event)

    @on_stay(filter=of_type(BusinessDayClosed.event_type))
    async def on_business_day_closed(event: BusinessDayClosed) -> None:
        """The night audit closed a day: its expected arrivals become no-shows."""
        await stays.business_day_closed(event)

    on_period = broker.subscriber(subscribed_queue(room_periods), title=room_periods.name)

    @on_period(filter=of_type(RoomOutOfOrderScheduled.event_type))
    async def on_out_of_order_scheduled(event: RoomOutOfOrderScheduled) -> None:
        """One room fewer to sell on the period's nights."""
        await periods.scheduled(event)

    @on_period(filter=of_type(RoomOutOfOrderChanged.event_type))
    async def on_out_of_order_changed(event: RoomOutOfOrderChanged) -> None:
        """The period's end moved: the nights it gives back sell again, added ones don't."""
        await periods.changed(event)

    @on_period(filter=of_type(RoomOutOfOrderCancelled.event_type))
    async def on_out_of_order_cancelled(event: RoomOutOfOrderCancelled) -> None:
        await periods.cancelled(event)
