"""A booking's guest id (GuestIdentityStore.guest_id_for): the first bookings of one guest,
made at once, race to file the guest; the one that loses the insert takes the winner's
id, so every booking of the guest carries one id (the interleaving store lets them race)."""

from __future__ import annotations

import asyncio

from .reservation_harness import booking, office

MEI = {"first_name": "Mei", "last_name": "Chen", "email": "Mei.Chen@example.com"}


async def test_concurrent_first_bookings_of_one_guest_file_one_guest_id() -> None:
    hotel = await office()
    await hotel.room_type("garden", rooms=20)
    made = await asyncio.gather(
        *(
            hotel.reservations.create_reservation(
                booking(number=n, room_type="garden", guest={**MEI, "email": MEI["email"]})
            )
            for n in range(8)
        )
    )
    later, _ = await hotel.reservations.create_reservation(
        booking(number=9, room_type="garden", guest={**MEI, "email": " mei.chen@EXAMPLE.com"})
    )
    ids = {reservation["guest_id"] for reservation, _ in made}
    assert len(ids) == 1 and later["guest_id"] in ids
    other, _ = await hotel.reservations.create_reservation(
        booking(number=10, room_type="garden", guest={**MEI, "first_name": "May"})
    )
    assert other["guest_id"] not in ids  # the same address under another name: not Mei
