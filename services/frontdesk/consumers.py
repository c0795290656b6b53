"""Front desk subscribers: thin, typed, idempotent through the projections."""

from __future__ import annotations

from faststream.rabbit import RabbitBroker

from shared.consumer import of_type, subscribed_queue
from shared.events import (
    CaseOpened,
    CaseResolved,
    GuestAnonymized,
    GuestCreated,
    GuestMerged,
    GuestUpdated,
    HkTaskCompleted,
    ReservationAmended,
    ReservationCancelled,
    ReservationCreated,
    ReservationNoShow,
    RoomItemCheckReported,
    RoomOutOfOrderCancelled,
    RoomOutOfOrderChanged,
    RoomOutOfOrderScheduled,
    RoomStatusChanged,
)
from shared.topology import CONSUMER_QUEUES

from .projections import Projections
from .request_follow_up import RequestFollowUp


def register_consumers(broker: RabbitBroker, projections: Projections) -> None:
    queues = {queue.name: queue for queue in CONSUMER_QUEUES["frontdesk"]}
    requests_desk = RequestFollowUp(projections.repository, projections.folio.events_written)

    def subscriber(name: str):
        return broker.subscriber(subscribed_queue(queues[name]), title=name)

    reservations = subscriber("frontdesk.reservation-events")

    @reservations(filter=of_type(ReservationCreated.event_type))
    async def on_reservation_created(event: ReservationCreated) -> None:
        """Adds the booking to the arrivals list."""
        await projections.reservation_created(event)

    @reservations(filter=of_type(ReservationAmended.event_type))
    async def on_reservation_amended(event: ReservationAmended) -> None:
        await projections.reservation_amended(event)

    @reservations(filter=of_type(ReservationCancelled.event_type))
    async def on_reservation_cancelled(event: ReservationCancelled) -> None:
        await projections.reservation_cancelled(event)

    @reservations(filter=of_type(ReservationNoShow.event_type))
    async def on_reservation_no_show(event: ReservationNoShow) -> None:
        await projections.reservation_no_show(event)

    rooms = subscriber("frontdesk.room-status")

    @rooms(filter=of_type(RoomStatusChanged.event_type))
    async def on_room_status_changed(event: RoomStatusChanged) -> None:
        """Which rooms are ready to give."""
        await projections.room_status_changed(event)

    @rooms(filter=of_type(RoomOutOfOrderScheduled.event_type))
    async def on_out_of_order_scheduled(event: RoomOutOfOrderScheduled) -> None:
        """A room not to give on the period's nights (promises.py)."""
        await projections.out_of_order(event, cancelled=False)

    @rooms(filter=of_type(RoomOutOfOrderChanged.event_type))
    async def on_out_of_order_changed(event: RoomOutOfOrderChanged) -> None:
        await projections.out_of_order(event, cancelled=False)

    @rooms(filter=of_type(RoomOutOfOrderCancelled.event_type))
    async def on_out_of_order_cancelled(event: RoomOutOfOrderCancelled) -> None:
        await projections.out_of_order(event, cancelled=True)

    item_checks = subscriber("frontdesk.housekeeping-reports")

    @item_checks(filter=of_type(HkTaskCompleted.event_type))
    async def on_task_completed(event: HkTaskCompleted) -> None:
        """A finished task that answered a guest's request closes it; the guest is told."""
        await requests_desk.task_completed(event)

    @item_checks(filter=of_type(RoomItemCheckReported.event_type))
    async def on_item_check_reported(event: RoomItemCheckReported) -> None:
        """Damages, missing items and minibar onto the folio."""
        await projections.item_check_reported(event)

    profiles = subscriber("frontdesk.guest-profiles")

    @profiles(filter=of_type(GuestCreated.event_type))
    async def on_guest_created(event: GuestCreated) -> None:
        await projections.guest_profile(event)

    @profiles(filter=of_type(GuestUpdated.event_type))
    async def on_guest_updated(event: GuestUpdated) -> None:
        await projections.guest_profile(event)

    @profiles(filter=of_type(GuestMerged.event_type))
    async def on_guest_merged(event: GuestMerged) -> None:
        await projections.guest_merged(event)

    @profiles(filter=of_type(GuestAnonymized.event_type))
    async def on_guest_anonymized(event: GuestAnonymized) -> None:
        await projections.guest_anonymized(event)

    relations = subscriber("frontdesk.guest-relations")

    @relations(filter=of_type(CaseOpened.event_type))
    async def on_case_opened(event: CaseOpened) -> None:
        """An in-house case: the desk sees it before the guest departs."""
        await projections.case_opened(event)

    @relations(filter=of_type(CaseResolved.event_type))
    async def on_case_resolved(event: CaseResolved) -> None:
        """The case is resolved: its alert leaves the stay."""
        await projections.case_resolved(event)
