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
from shared.consumer import Subscription
from shared.events import (
    ArrivalWalked,
    BusinessDayClosed,
    GuestAnonymized,
    GuestCreated,
    GuestMerged,
    GuestUpdated,
    PointsRedeemed,
    RoomAssigned,
    RoomOutOfOrderCancelled,
    RoomOutOfOrderChanged,
    RoomOutOfOrderScheduled,
    StayCheckedIn,
    StayCheckedOut,
    StayExtended,
    StayRoomMoved,
    StayShortened,
)
from shared.topology import CONSUMER_QUEUES, ConsumerQueue

from .integrators import IntegratorCommands
from .letters import Letters
from .members import Members
from .redemptions import Redemptions
from .room_periods import RoomPeriods
from .service import ReservationService
from .stays import StayFollower
from .walks import WalkedGuests


def register_consumers(
    broker: RabbitBroker,
    commands: IntegratorCommands,
    reservations: ReservationService,
    stays: StayFollower,
    periods: RoomPeriods,
    walks: WalkedGuests,
    redemptions: Redemptions,
    members: Members,
    letters: Letters | None = None,
) -> None:
    """`letters`: record the guest's letters from stay events (None: letters are off)."""
    queues = {queue.name: queue for queue in CONSUMER_QUEUES["reservation"]}
    _integrator_commands(broker, queues["reservation.commands"], commands)
    _guest_lifecycle(broker, queues["reservation.guest-lifecycle"], reservations, members)
    _stay_events(broker, queues["reservation.stay-events"], stays, walks, letters)
    _loyalty_events(broker, queues["reservation.loyalty-events"], redemptions)
    _room_periods(broker, queues["reservation.room-periods"], periods)


def _integrator_commands(
    broker: RabbitBroker, queue: ConsumerQueue, commands: IntegratorCommands
) -> None:
    on_command = Subscription(broker, queue)

    @on_command.handles(ReservationCreateCommand)
    async def on_create(body: dict[str, Any], message: RabbitMessage) -> None:
        """Books by the channel's reference; answers accepted or rejected. The channel is
        the sending integrator's login (AMQP user_id), not what the body says."""
        await commands.handle(body, ReservationCreateCommand, message.raw_message)

    @on_command.handles(ReservationAmendCommand)
    async def on_amend(body: dict[str, Any], message: RabbitMessage) -> None:
        await commands.handle(body, ReservationAmendCommand, message.raw_message)

    @on_command.handles(ReservationCancelCommand)
    async def on_cancel(body: dict[str, Any], message: RabbitMessage) -> None:
        await commands.handle(body, ReservationCancelCommand, message.raw_message)


def _guest_lifecycle(
    broker: RabbitBroker, queue: ConsumerQueue, reservations: ReservationService, members: Members
) -> None:
    on_guest = Subscription(broker, queue)

    @on_guest.handles(GuestMerged)
    async def on_guest_merged(event: GuestMerged) -> None:
        """Duplicates merged in loyalty: bookings follow the surviving guest id."""
        await reservations.follow_merge(event)

    @on_guest.handles(GuestCreated)
    async def on_guest_created(event: GuestCreated) -> None:
        """A member's number, tier and perks, for the member rate (issue 18)."""
        await members.follow_profile(event)

    @on_guest.handles(GuestUpdated)
    async def on_guest_updated(event: GuestUpdated) -> None:
        await members.follow_profile(event)

    @on_guest.handles(GuestAnonymized)
    async def on_guest_anonymized(event: GuestAnonymized) -> None:
        """Erasure: names and contact details leave this guest's reservations."""
        await reservations.anonymize_guest(event)


def _stay_events(
    broker: RabbitBroker,
    queue: ConsumerQueue,
    stays: StayFollower,
    walks: WalkedGuests,
    letters: Letters | None,
) -> None:
    on_stay = Subscription(broker, queue)

    @on_stay.handles(StayCheckedIn)
    async def on_stay_checked_in(event: StayCheckedIn) -> None:
        """The booking is in house; a walk-in or early arrival holds its own nights. The
        guest is sent the registered details to confirm (issue 18)."""
        await stays.checked_in(event)
        if letters is not None:
            await letters.checked_in(event)

    @on_stay.handles(RoomAssigned)
    async def on_room_assigned(event: RoomAssigned) -> None:
        """A room assigned ahead of arrival: the guest is sent the notice (issue 18); a
        room of another type than booked moves the booking's hold (issue 12)."""
        await stays.assignments.room_assigned(event)
        if letters is not None:
            await letters.room_assigned(event)

    @on_stay.handles(StayExtended)
    async def on_stay_extended(event: StayExtended) -> None:
        await stays.extended(event)

    @on_stay.handles(StayShortened)
    async def on_stay_shortened(event: StayShortened) -> None:
        """The guest leaves earlier: the nights given up sell again."""
        await stays.shortened(event)

    @on_stay.handles(StayRoomMoved)
    async def on_stay_room_moved(event: StayRoomMoved) -> None:
        """A move to a room of another type moves the stay's hold to that type."""
        await stays.room_moved(event)

    @on_stay.handles(StayCheckedOut)
    async def on_stay_checked_out(event: StayCheckedOut) -> None:
        """The booking is checked out; nights after an early departure go back."""
        await stays.checked_out(event)

    @on_stay.handles(BusinessDayClosed)
    async def on_business_day_closed(event: BusinessDayClosed) -> None:
        """The night audit closed a day: its expected arrivals become no-shows."""
        await stays.business_day_closed(event)

    @on_stay.handles(ArrivalWalked)
    async def on_arrival_walked(event: ArrivalWalked) -> None:
        """The desk walked the guest to a partner hotel: the booking is walked, its nights
        go back on sale, no no-show fee, the deposit is refunded (issue 18)."""
        await walks.follow(event)


def _loyalty_events(broker: RabbitBroker, queue: ConsumerQueue, redemptions: Redemptions) -> None:
    on_loyalty = Subscription(broker, queue)

    @on_loyalty.handles(PointsRedeemed)
    async def on_points_redeemed(event: PointsRedeemed) -> None:
        """Points redeemed for a booking's night or a voucher: honoured off what the guest
        pays, or refused so loyalty gives them back (issue 18)."""
        await redemptions.honour(event)


def _room_periods(broker: RabbitBroker, queue: ConsumerQueue, periods: RoomPeriods) -> None:
    on_period = Subscription(broker, queue)

    @on_period.handles(RoomOutOfOrderScheduled)
    async def on_out_of_order_scheduled(event: RoomOutOfOrderScheduled) -> None:
        """One room fewer to sell on the period's nights."""
        await periods.scheduled(event)

    @on_period.handles(RoomOutOfOrderChanged)
    async def on_out_of_order_changed(event: RoomOutOfOrderChanged) -> None:
        """The period's end moved: the nights it gives back sell again, added ones don't."""
        await periods.changed(event)

    @on_period.handles(RoomOutOfOrderCancelled)
    async def on_out_of_order_cancelled(event: RoomOutOfOrderCancelled) -> None:
        await periods.cancelled(event)
