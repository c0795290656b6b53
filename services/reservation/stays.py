"""The reservation follows its stay, and inventory follows every stay.

What the front desk does changes what the hotel can sell: a walk-in, an early arrival or
an extension occupies nights no booking holds, an early departure gives nights back.
Each stay is recorded here from its events (`stays`), and holds, under its own holder
`s_<stay id>`, the nights of its room type that its booking does not already hold. Those
holds are taken whatever the capacity (the guest is in the room: the desk, not this
service, decides whether a room may be given); the desk refuses what would take a room
promised to a booking, so `sold` stays within the sellable rooms.

A booking's status follows its stays: in_house at the first check-in, checked_out when
none of its stays is in house any more (its nights after the last departure go back).
Repeated events change nothing: holds move to their computed size, statuses are guarded.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from shared.events import BusinessDayClosed, StayCheckedIn, StayCheckedOut, StayExtended
from shared.logging import get_logger

from .domain import HoldKey, ReservationStatus, holds_of
from .service import ReservationService

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

    async def checked_in(self, event: StayCheckedIn) -> None:
        payload = event.payload
        reservation_id = booking_of(payload.reservation_id)
        await self.stays.update_one(
            {"_id": payload.stay_id},
            {
                "$setOnInsert": {
                    "property_id": event.property_id,
                    "reservation_id": reservation_id,
                    "room_type": payload.room_type,
                    "arrival": payload.arrival.isoformat(),
                    "departure": payload.departure.isoformat(),
                    "status": "in_house",
                }
            },
            upsert=True,
        )
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
        await self._hold_stay_nights(payload.stay_id)
        log.info("stay followed", stay_id=payload.stay_id, reservation_id=reservation_id)

    async def extended(self, event: StayExtended) -> None:
        payload = event.payload
        await self.stays.update_one(
            {"_id": payload.stay_id},
            {
                "$setOnInsert": {
                    "property_id": event.property_id,
                    "reservation_id": booking_of(payload.reservation_id),
                    "room_type": payload.room_type,
                    "arrival": payload.arrival.isoformat(),
                    "departure": payload.departure.isoformat(),
                    "status": "in_house",
                },
            },
            upsert=True,
        )
        # Only while in house: a copy redelivered after the check-out must not take back
        # the nights the guest gave back by leaving.
        await self.stays.update_one(
            {"_id": payload.stay_id, "status": "in_house"},
            {"$max": {"departure": payload.departure.isoformat()}},
        )
        await self._hold_stay_nights(payload.stay_id)

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
            closed = await self.repository.update_reservation(
                {
                    "_id": reservation_id,
                    "status": {"$in": [ReservationStatus.CONFIRMED, ReservationStatus.IN_HOUSE]},
                },
                {
                    "$set": {
                        "status": ReservationStatus.CHECKED_OUT,
                        "departed_on": latest,
                        "inventory_settled": False,
                        "settled_by": self.reservations.owner,
                        "updated_at": self.reservations.clock(),
                    },
                    "$inc": {"version": 1},
                },
            )
            if closed is not None:  # an early departure gives the nights after it back
                await self.reservations._settle_inventory(closed)
                self.reservations.events_written()

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
        marked = await self.repository.update_reservation(
            {
                "_id": reservation_id,
                "status": {"$in": [ReservationStatus.CONFIRMED, ReservationStatus.IN_HOUSE]},
            },
            {
                "$set": {
                    f"rooms_departed.{stay_id}": departed,
                    "inventory_settled": False,
                    "updated_at": self.reservations.clock(),
                },
                "$inc": {"version": 1},
            },
        )
        if marked is not None:
            await self.reservations._settle_inventory(marked)
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
            if _shape(again) == _shape(stay):
                return
            stay = again

    async def _move_stay_holds(self, stay: dict[str, Any]) -> None:
        stay_id = stay["_id"]
        want = holds_of(
            stay["room_type"],
            date.fromisoformat(stay["arrival"]),
            date.fromisoformat(stay["departure"]),
            1,
        )
        if stay.get("reservation_id"):
            booking = await self.repository.get(stay["reservation_id"])
            if booking and booking["status"] in (
                ReservationStatus.IN_HOUSE,
                ReservationStatus.CHECKED_OUT,
                ReservationStatus.CONFIRMED,
            ):
                covered = holds_of(
                    booking["room_type"],
                    date.fromisoformat(booking["arrival"]),
                    date.fromisoformat(booking["departure"]),
                    1,
                )
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


def _shape(stay: dict[str, Any]) -> tuple[Any, ...]:
    """What a stay's holds are computed from."""
    return tuple(stay.get(field) for field in ("room_type", "arrival", "departure", "status"))
