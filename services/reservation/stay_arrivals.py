"""A guest checks in: the booking goes in house, and the stay holds what it occupies
beyond what its booking holds (a better room given at check-in, or a room assigned
ahead of arrival in another type, is handed over from the arrival)."""

from __future__ import annotations

from shared.events import StayCheckedIn
from shared.logging import get_logger

from .domain import ReservationStatus
from .stay_context import StayContext, booking_of

log = get_logger(__name__)


class StayArrivals(StayContext):
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
