"""The reservation follows its stay, and inventory follows every stay.

What the front desk does changes what the hotel can sell: a walk-in, an early arrival or
an extension occupies nights no booking holds, an early departure gives nights back.
Each stay is recorded here from its events (`stays`), and holds, under its own holder
`s_<stay id>`, the nights of its room type that its booking does not already hold. Those
holds are taken whatever the capacity (the guest is in the room: the desk, not this
service, decides whether a room may be given); the desk refuses what would take a room
promised to a booking, so `sold` stays within the sellable rooms.

A stay that goes to a room of another type (a move, or a VIP upgrade at check-in) or is
shortened is handed its own holds from that night (stay_nights.py): the booking gives
that room's nights back from then (domain.expected_holds) and the stay holds the nights
it occupies in the type it occupies, so what is sold by type is what the desk has given.

A booking's status follows its stays: in_house at the first check-in, checked_out when
none of its stays is in house any more (its nights after the last departure go back).
Repeated events change nothing: holds move to their computed size, statuses are guarded,
a departure change older than one applied (its `revision`) is ignored.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from shared.events import (
    BusinessDayClosed,
    StayCheckedIn,
    StayCheckedOut,
    StayExtended,
    StayRoomMoved,
    StayShortened,
)
from shared.logging import get_logger

from .assignments import AssignmentFollower
from .domain import HoldKey, ReservationStatus
from .service import ReservationService
from .stay_nights import covered_by_booking, hold_shape, occupied_holds

log = get_logger(__name__)
WALK_IN_PREFIX = "walk-in:"
# A stay's nights are taken whatever the capacity: the guest is already in the room.
UNBOUNDED = 10**9


def stay_holder(stay_id: str) -> str:
    return f"s_{stay_id}"


def booking_of(reservation_ref: str) -> str | None:
    """The stay events name a walk-in's reservation `walk-in:<stay id>`: no booking."""
    return None if reservation_ref.startswith(WALK_IN_PREFIX) else reservation_ref


class StayFollower:
    def __init__(self, reservations: ReservationService, database: Any) -> None:
        self.reservations = reservations
        self.repository = reservations.repository
        self.inventory = reservations.inventory
        self.stays = database["stays"]
        self.business_days = database["business_days"]
        self.assignments = AssignmentFollower(reservations, database)

    async def checked_in(self, event: StayCheckedIn) -> None:
        payload = event.payload
        reservation_id = booking_of(payload.reservation_id)
        await self._record_stay_of(event)
        if reservation_id:
            followed = await self.repository.update_reservation(
                {"_id": reservation_id, "status": ReservationStatus.CONFIRMED},
                {
                    "$set": {
                        "status": ReservationStatus.IN_HOUSE,
                        "updated_at": self.reservations.clock(),
                    },
                    "$inc": {"version": 1},
                },
            )
            if followed is None:
                current = await self.repository.get(reservation_id)
                if current and current["status"] not in (
                    ReservationStatus.IN_HOUSE,
                    ReservationStatus.CHECKED_OUT,
                ):
                    log.warning(
                        "stay checked in for a booking that is not confirmed",
                        reservation_id=reservation_id,
                        status=current["status"],
                    )
        occupied = payload.occupied_room_type or payload.room_type
        # given a better room at check-in, or a room its booking held in another type
        # since it was assigned ahead of arrival (assignments.py): the stay holds what it
        # occupies from its arrival and the booking gives that room back, once
        moved = occupied != payload.room_type or await self._assigned_away(
            reservation_id, payload.stay_id
        )
        if moved:
            await self._change_type(payload.stay_id, 0, payload.arrival, occupied, handed=True)
        await self._hold_stay_nights(payload.stay_id)
        if moved:
            await self._hand_over(reservation_id, payload.stay_id, payload.arrival)
        log.info("stay followed", stay_id=payload.stay_id, reservation_id=reservation_id)

    async def _assigned_away(self, reservation_id: str | None, stay_id: str) -> bool:
        """The booking holds this stay's room in another type than booked."""
        booking = await self.repository.get(reservation_id) if reservation_id else None
        assigned = (booking or {}).get("assigned_room") or {}
        return assigned.get("stay_id") == stay_id and assigned.get("room_type") != (
            booking or {}
        ).get("room_type")

    async def extended(self, event: StayExtended) -> None:
        await self._departure_changed(event)
        await self._hold_stay_nights(event.payload.stay_id)

    async def shortened(self, event: StayShortened) -> None:
        """The guest leaves earlier: the stay holds its nights up to the new departure
        and its booking gives back that room's nights from it (a copy older than a later
        extension leaves the departure alone; handing over is right whatever the order,
        the stay then holds what it occupies)."""
        payload = event.payload
        reservation_id = booking_of(payload.reservation_id)
        await self._departure_changed(event)
        if reservation_id:
            await self.stays.update_one(
                {"_id": payload.stay_id},
                {"$min": {"handed_over": payload.departure.isoformat()}},
            )
        await self._hold_stay_nights(payload.stay_id)
        await self._hand_over(reservation_id, payload.stay_id, payload.departure)

    async def room_moved(self, event: StayRoomMoved) -> None:
        """The guest went to another room: from the move's first night the stay holds the
        new room's type and its booking gives the booked type back. A move within the
        booked type changes nothing; copies in any order end in the last move's type."""
        move = event.payload
        if (
            not move.nights
            or move.to_room_type is None
            or move.room_type is None
            or move.reservation_id is None
            or move.arrival is None
            or move.departure is None
        ):
            return  # a copy from a desk before moves carried room types: nothing to move
        await self._record_stay(
            event.property_id,
            move.stay_id,
            move.reservation_id,
            move.room_type,
            move.arrival,
            move.departure,
        )
        first = min(move.nights)
        stays_booked_type = move.from_room_type == move.to_room_type == move.room_type
        await self._change_type(
            move.stay_id, move.move_number, first, move.to_room_type, handed=not stays_booked_type
        )
        await self._hold_stay_nights(move.stay_id)
        if not stays_booked_type:
            await self._hand_over(booking_of(move.reservation_id), move.stay_id, first)
        log.info(
            "stay's room type followed",
            stay_id=move.stay_id,
            from_room_type=move.from_room_type,
            to_room_type=move.to_room_type,
            from_night=first.isoformat(),
        )

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

    async def _departure_changed(self, event: StayExtended | StayShortened) -> None:
        """An extension or a shortening: the stay recorded if this is the first the
        service hears of it, then its departure follows the change."""
        await self._record_stay_of(event)
        payload = event.payload
        await self._follow_departure(payload.stay_id, payload.departure, payload.revision)

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

    async def _follow_departure(self, stay_id: str, departure: date, revision: int) -> None:
        """Only while in house: a copy redelivered after the check-out must not take back
        the nights the guest gave back by leaving. A change carries the stay's revision of
        its departure: only a newer one applies (an extension and a shortening may arrive
        in either order). Revision 0 is a desk before shortenings: the latest departure."""
        if not revision:
            await self.stays.update_one(
                {"_id": stay_id, "status": "in_house", "departure_revision": {"$in": [None, 0]}},
                {"$max": {"departure": departure.isoformat()}},
            )
            return
        await self.stays.update_one(
            {
                "_id": stay_id,
                "status": "in_house",
                "$or": [
                    {"departure_revision": {"$exists": False}},
                    {"departure_revision": {"$lt": revision}},
                ],
            },
            {"$set": {"departure": departure.isoformat(), "departure_revision": revision}},
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

    async def checked_out(self, event: StayCheckedOut) -> None:
        payload = event.payload
        reservation_id = booking_of(payload.reservation_id)
        departed = payload.departure.isoformat()  # the actual departure
        await self.stays.update_one(
            {"_id": payload.stay_id},
            {
                "$setOnInsert": {
                    "property_id": event.property_id,
                    "reservation_id": reservation_id,
                    "room_type": payload.room_type,
                    "arrival": payload.arrival.isoformat(),
                },
                "$set": {"status": "checked_out", "departure": departed},
            },
            upsert=True,
        )
        await self._hold_stay_nights(payload.stay_id)
        if not reservation_id:
            return
        if await self.stays.count_documents(
            {"reservation_id": reservation_id, "status": "in_house"}
        ):
            await self._room_departed(reservation_id, payload.stay_id, departed)
        else:
            latest = max(
                [departed]
                + [
                    stay["departure"]
                    for stay in await self.stays.find({"reservation_id": reservation_id}).to_list(
                        None
                    )
                ]
            )
            # an early departure gives the nights after it back
            await self._unsettle(
                {
                    "_id": reservation_id,
                    "status": {"$in": [ReservationStatus.CONFIRMED, ReservationStatus.IN_HOUSE]},
                },
                {
                    "status": ReservationStatus.CHECKED_OUT,
                    "departed_on": latest,
                    "settled_by": self.reservations.owner,
                },
            )

    async def _room_departed(self, reservation_id: str, stay_id: str, departed: str) -> None:
        """One room of a booking of several left while another is still in house: that
        room's nights from `departed` on go back now (domain.expected_holds), as the desk
        frees the room now. Repeating it changes nothing."""
        booking = await self.repository.get(reservation_id)
        if (
            booking is None
            or booking.get("room_count", 1) < 2
            or departed >= booking["departure"]
            or (booking.get("rooms_departed") or {}).get(stay_id) == departed
        ):
            return
        await self._unsettle(
            {
                "_id": reservation_id,
                "status": {"$in": [ReservationStatus.CONFIRMED, ReservationStatus.IN_HOUSE]},
            },
            {f"rooms_departed.{stay_id}": departed},
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

    async def business_day_closed(self, event: BusinessDayClosed) -> None:
        """The night audit closed a day: the bookings the desk still expected on it are
        no-shows, each charged by its policy (once: a no-show is no longer confirmed)."""
        payload = event.payload
        await self.business_days.update_one(
            {"_id": event.property_id},
            {"$max": {"open_business_date": payload.next_business_date.isoformat()}},
            upsert=True,
        )
        marked = 0
        for reservation_id in payload.expected_arrivals_not_checked_in:
            current = await self.repository.get(reservation_id)
            if current is None or current["status"] != ReservationStatus.CONFIRMED:
                continue
            if date.fromisoformat(current["arrival"]) > payload.business_date:
                continue  # amended to a later date meanwhile
            await self.reservations.mark_no_show(reservation_id, day_closed=payload.business_date)
            marked += 1
        log.info(
            "business day closed", business_date=payload.business_date.isoformat(), no_shows=marked
        )

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
