"""A stay extended or shortened: its departure follows the newest change, its holds
follow its nights, and a shortened stay's booking gives its room back from the new
departure."""

from __future__ import annotations

from datetime import date

from shared.events import StayExtended, StayShortened

from .stay_context import StayContext, booking_of


class StayDepartureChanges(StayContext):
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

    async def _departure_changed(self, event: StayExtended | StayShortened) -> None:
        """An extension or a shortening: the stay recorded if this is the first the
        service hears of it, then its departure follows the change."""
        await self._record_stay_of(event)
        payload = event.payload
        await self._follow_departure(payload.stay_id, payload.departure, payload.revision)

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
