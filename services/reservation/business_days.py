"""The night audit closed a business day: the open business date followed, and the
bookings the desk still expected on the closed day marked no-shows."""

from __future__ import annotations

from datetime import date

from shared.events import BusinessDayClosed
from shared.logging import get_logger

from .domain import ReservationStatus
from .stay_context import StayContext

log = get_logger(__name__)


class BusinessDays(StayContext):
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
