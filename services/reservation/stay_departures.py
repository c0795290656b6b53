"""A guest checks out: the stay ends at the actual departure and gives back its own
nights after it; the booking's room leaves (one of several), or the booking is checked
out and its nights after the last departure go back."""

from __future__ import annotations

from shared.events import StayCheckedOut

from .domain import ReservationStatus
from .stay_context import StayContext, booking_of


class StayDepartures(StayContext):
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
