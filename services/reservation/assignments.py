"""A room assigned ahead of arrival to another type than booked (issue 12).

The desk may pre-assign a booking a room of another type (a named room, an upgrade the
day before). From then on the desk holds that type's room for the guest, so what
reservation sells must count it there, not in the booked type: the booking records the
assignment (`assigned_room`: the stay-to-be and the type) and holds that room in the
assigned type (domain.expected_holds), as a move does.

- The check-in of that stay hands the room over to the stay (stays.py), which then holds
  the type it occupies: the hold moves once, whatever type the check-in gives.
- Any amendment makes the desk drop the assignment (frontdesk projections), so it drops
  it here too (service.amend_reservation) and the booked type is held again; an
  assignment made from the arrival as it stood before the latest amendment
  (`booking_as_of`) is one the desk has dropped and is ignored.
- A cancelled, no-show or checked-in booking takes no assignment (a late copy changes
  nothing); a repeated copy finds it recorded.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.events import RoomAssigned
from shared.logging import get_logger

from .domain import ReservationStatus, expected_holds, hold_moves, reservation_holder
from .reservation_aggregate import Reservation
from .reservation_documents import reservation_from_document, reservation_to_document
from .reservation_rules import assigned as assigned_booking
from .service import ReservationService, outbox_push

log = get_logger(__name__)
# The assigned room is the desk's already: its nights are taken whatever the capacity
# (the desk refused it if a booking of that type was promised the room, promises.py).
UNBOUNDED = 10**9
ATTEMPTS = 5


class AssignmentFollower:
    def __init__(self, reservations: ReservationService, database: Any) -> None:
        self.reservations = reservations
        self.repository = reservations.repository
        self.inventory = reservations.inventory
        self.stays = database["stays"]

    async def room_assigned(self, event: RoomAssigned) -> None:
        assigned = event.payload
        if not assigned.ahead_of_arrival or assigned.stay_to_be_id is None:
            return  # given at the check-in (or by a desk before issue 12): the stay says it
        for _ in range(ATTEMPTS):
            found = await self.repository.get(assigned.reservation_id)
            booking = None if found is None else reservation_from_document(found)
            if booking is None or not self._applies(event, booking):
                return
            if await self.stays.count_documents({"_id": assigned.stay_to_be_id}):
                return  # checked in already: the stay holds what it occupies
            if await self._move(booking, assigned.stay_to_be_id, assigned.room_type):
                log.info(
                    "assigned room's type followed",
                    reservation_id=assigned.reservation_id,
                    room_type=assigned.room_type,
                )
                return
        log.warning("assignment not followed: booking kept changing", id=assigned.reservation_id)

    def _applies(self, event: RoomAssigned, booking: Reservation) -> bool:
        assigned = event.payload
        if booking.status != ReservationStatus.CONFIRMED:
            return False
        if assigned.booked_room_type not in (None, booking.room_type):
            return False  # assigned for a type the booking no longer has
        amended_at = booking.amended_at
        if amended_at and (
            assigned.booking_as_of is None
            or assigned.booking_as_of < datetime.fromisoformat(amended_at)
        ):
            return False  # the desk drops it when it hears of the amendment
        wanted = {"stay_id": assigned.stay_to_be_id, "room_type": assigned.room_type}
        return (booking.assigned_room or None) != wanted

    async def _move(self, booking: Reservation, stay_id: str, room_type: str) -> bool:
        """Takes the assigned type's nights first, then records the assignment and gives
        the booked type back (never less held than the desk gives). False: the booking
        changed meanwhile, what was taken is given back and the caller reads it again."""
        moved = assigned_booking(booking, stay_id, room_type, self.reservations.clock())
        growths, _ = hold_moves(
            expected_holds(reservation_to_document(booking)),
            expected_holds(reservation_to_document(moved)),
        )
        holder = reservation_holder(booking.id)
        for key, before, after in growths:
            await self.inventory.resize(key, holder, before, after, UNBOUNDED)
        marked = await self.repository.assign_room(
            booking,
            moved,
            outbox_push(await self.reservations.availability_entries(key for key, _, _ in growths)),
        )
        if marked is None:
            for key, before, after in growths:
                await self.inventory.resize(key, holder, after, before, UNBOUNDED)
            return False
        await self.reservations._settle_inventory(marked)
        self.reservations.events_written()
        return True
