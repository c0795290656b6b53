"""What every use case following the desk's stays stands on: the reservation use cases
and their repository and inventory, the followed stays, and the steps they share: a stay
recorded from whichever of its events arrives first, its room type changes, its own
holds moved to the nights its booking does not cover, and a booking's room handed over
and its inventory settled again. The use cases (stay_arrivals.py,
stay_departure_changes.py, stay_room_moves.py, stay_departures.py, business_days.py)
subclass it; stays.py puts them together."""

from __future__ import annotations

from datetime import date
from typing import Any

from shared.events import StayCheckedIn, StayExtended, StayShortened

from .assignments import AssignmentFollower
from .domain import HoldKey, ReservationStatus
from .service import ReservationService
from .stay_nights import covered_by_booking, hold_shape, occupied_holds

WALK_IN_PREFIX = "walk-in:"
# A stay's nights are taken whatever the capacity: the guest is already in the room.
UNBOUNDED = 10**9


def stay_holder(stay_id: str) -> str:
    return f"s_{stay_id}"


def booking_of(reservation_ref: str) -> str | None:
    """The stay events name a walk-in's reservation `walk-in:<stay id>`: no booking."""
    return None if reservation_ref.startswith(WALK_IN_PREFIX) else reservation_ref


class StayContext:
    def __init__(self, reservations: ReservationService, database: Any) -> None:
        self.reservations = reservations
        self.repository = reservations.repository
        self.inventory = reservations.inventory
        self.stays = database["stays"]
        self.business_days = database["business_days"]
        self.assignments = AssignmentFollower(reservations, database)

    async def _record_stay(
        self,
        property_id: str,
        stay_id: str,
        reservation_ref: str,
        room_type: str,
        arrival: date,
        departure: date,
    ) -> None:
        """The stay as the first of its events to arrive tells it (the broker may deliver
        the check-in after a later change): the others then find it recorded."""
        await self.stays.update_one(
            {"_id": stay_id},
            {
                "$setOnInsert": {
                    "property_id": property_id,
                    "reservation_id": booking_of(reservation_ref),
                    "room_type": room_type,
                    "arrival": arrival.isoformat(),
                    "departure": departure.isoformat(),
                    "status": "in_house",
                },
            },
            upsert=True,
        )

    async def _record_stay_of(self, event: StayCheckedIn | StayExtended | StayShortened) -> None:
        payload = event.payload
        await self._record_stay(
            event.property_id,
            payload.stay_id,
            payload.reservation_id,
            payload.room_type,
            payload.arrival,
            payload.departure,
        )

    async def _change_type(
        self, stay_id: str, number: int, first_night: date, room_type: str, *, handed: bool
    ) -> None:
        """Records a room type change; `handed`: the stay holds its own nights from it."""
        update: dict[str, Any] = {
            "$set": {
                f"type_changes.{number}": {
                    "from_night": first_night.isoformat(),
                    "to_type": room_type,
                }
            }
        }
        if handed:
            update["$min"] = {"handed_over": first_night.isoformat()}
        await self.stays.update_one({"_id": stay_id}, update)

    async def _hand_over(self, reservation_id: str | None, stay_id: str, night: date) -> None:
        """The booking gives back its room for this stay from `night` (the stay holds its
        own nights from then, already moved: never less held than occupied). Only ever
        earlier: a repeated or older copy changes nothing."""
        if not reservation_id:
            return
        field = f"rooms_handed_over.{stay_id}"
        await self._unsettle(
            {
                "_id": reservation_id,
                "status": {
                    "$in": [
                        ReservationStatus.CONFIRMED,
                        ReservationStatus.IN_HOUSE,
                        ReservationStatus.CHECKED_OUT,
                    ]
                },
                "$or": [{field: {"$exists": False}}, {field: {"$gt": night.isoformat()}}],
            },
            {field: night.isoformat()},
        )

    async def _unsettle(self, booking: dict[str, Any], fields: dict[str, Any]) -> None:
        """Sets `fields` on the booking matching `booking` and settles its inventory again
        (the holds it should have changed). When no booking matches (a repeated or older
        copy) it still finishes a settlement an earlier copy left half-done."""
        marked = await self.repository.update_reservation(
            booking,
            {
                "$set": {
                    **fields,
                    "inventory_settled": False,
                    "updated_at": self.reservations.clock(),
                },
                "$inc": {"version": 1},
            },
        )
        if marked is None:
            await self._finish_settling(booking["_id"])
            return
        await self.reservations._settle_inventory(marked)
        self.reservations.events_written()

    async def _finish_settling(self, reservation_id: str) -> None:
        """An earlier copy of this event changed the booking and then stopped before its
        nights were given back (its handler cancelled when the broker went away, say): the
        copy redelivered finishes it now. Waiting for the janitor would keep the nights
        from sale until the owner's work counts as stale (5 minutes), since the owner, this
        very process, is alive. Settling only gives back, so settling twice is harmless;
        a booking in the middle of an amendment is the amendment's to settle."""
        current = await self.repository.get(reservation_id)
        if current is None or current.get("inventory_settled", True) or current.get("amendment"):
            return
        await self.reservations._settle_inventory(current)
        self.reservations.events_written()

    async def _hold_stay_nights(self, stay_id: str) -> None:
        """Moves the stay's own holds to the nights its booking does not cover, until the
        stay read after the moves is the one they were computed from: handlers run
        concurrently, and a pass computed from a stay read before its check-out must not
        leave the nights after the guest left held."""
        stay = await self.stays.find_one({"_id": stay_id})
        while True:
            await self._move_stay_holds(stay)
            again = await self.stays.find_one({"_id": stay_id})
            if hold_shape(again) == hold_shape(stay):
                return
            stay = again

    async def _move_stay_holds(self, stay: dict[str, Any]) -> None:
        stay_id = stay["_id"]
        want = occupied_holds(stay)
        if stay.get("reservation_id"):
            booking = await self.repository.get(stay["reservation_id"])
            if booking and booking["status"] in (
                ReservationStatus.IN_HOUSE,
                ReservationStatus.CHECKED_OUT,
                ReservationStatus.CONFIRMED,
            ):
                covered = covered_by_booking(stay, booking)
                want = {key: rooms for key, rooms in want.items() if key not in covered}
        holder = stay_holder(stay_id)
        held = await self.inventory.holds_of(holder)
        touched: list[HoldKey] = []
        for key in sorted(held.keys() | want.keys()):
            before, after = held.get(key, 0), want.get(key, 0)
            if before != after:
                await self.inventory.resize(key, holder, before, after, UNBOUNDED)
                touched.append(key)
        if touched:  # the nights' availability, from the stay's own outbox
            await self.stays.update_one(
                {"_id": stay_id},
                {
                    "$push": {
                        "outbox": {"$each": await self.reservations.availability_entries(touched)}
                    }
                },
            )
            self.reservations.events_written()
