"""The first bookings of a night race to create its inventory document: each one that
finds no document makes sure it exists and asks its guarded update again, so a night
is refused only when it is full (the fault run's burst of bookings on new dates had a
booking refused on an empty night when a loser of that race took the winner's new
document for a full night)."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from services.reservation.reservation_context import NoAvailability

from .reservation_harness import booking, office

ROOMS = 6


async def test_concurrent_first_bookings_of_new_nights_fill_them_exactly() -> None:
    hotel = await office()
    await hotel.room_type("garden", rooms=ROOMS)
    for day in range(6):  # six empty nights, each raced by more guests than rooms
        night = date(2027, 5, 1) + timedelta(days=day)
        results = await asyncio.gather(
            *(
                hotel.reservations.create_reservation(
                    booking(
                        number=100 * day + n,
                        room_type="garden",
                        arrival=night.isoformat(),
                        departure=(night + timedelta(days=1)).isoformat(),
                    )
                )
                for n in range(ROOMS + 3)
            ),
            return_exceptions=True,
        )
        refused = [r for r in results if isinstance(r, NoAvailability)]
        unexpected = [r for r in results if isinstance(r, BaseException) and r not in refused]
        assert not unexpected
        assert (len(results) - len(refused), len(refused)) == (ROOMS, 3), night
        assert await hotel.sold("garden", night, 1) == {night.isoformat(): ROOMS}
