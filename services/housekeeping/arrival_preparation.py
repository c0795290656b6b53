"""Arrival preparation: the room assigned to a booking prepared with the guest's amenity
preferences and requests, the room given before released from it."""

from __future__ import annotations

from shared.events import RoomAssigned

from .domain import TaskKind, TaskStatus, arrival_task_id
from .housekeeping_context import HousekeepingContext
from .planning import preparation_for


class ArrivalPreparation(HousekeepingContext):
    async def on_room_assigned(self, event: RoomAssigned) -> None:
        """Arrival preparation for the assigned room, with the guest's amenity preferences.
        A reassignment cancels the preparation of the room given before. A room given at
        the desk as the guest checks in (the event names the stay) was ready already, the
        desk gives no other: it is prepared only when there is something to bring (a VIP
        welcome or the guest's amenities)."""
        assigned = event.payload
        room = await self.rooms.room(assigned.room_number)
        guest = await self.repository.guest(assigned.guest_id)
        amenities = guest["amenities"] if guest else []
        requested = preparation_for(list(assigned.special_requests))
        if not assigned.stay_id or assigned.vip or amenities or requested:
            await self.create_task(
                arrival_task_id(assigned.reservation_id, assigned.room_number),
                TaskKind.ARRIVAL_PREPARATION,
                room,
                day=assigned.arrival,
                stay_id=assigned.stay_id,
                guest_id=assigned.guest_id,
                vip=assigned.vip,
                cause=event,
                extra={
                    "reservation_id": assigned.reservation_id,
                    "guest_amenities": amenities,
                    "booking_requests": requested,
                },
            )
        await self.repository.set_open_tasks_fields(
            {
                "reservation_id": assigned.reservation_id,
                "kind": TaskKind.ARRIVAL_PREPARATION.value,
                "room_number": {"$ne": assigned.room_number},
            },
            {"status": TaskStatus.CANCELLED.value, "cancel_reason": "room reassigned"},
        )
