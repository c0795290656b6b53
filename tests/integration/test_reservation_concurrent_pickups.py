"""Block pick-ups at the same time, on the interleaving store: 40 concurrent pick-ups of
one room each from a block of 6 rooms a night (a property of 10 such rooms). Exactly 6
get in, the block's nights never go below zero, and the 4 rooms beside the block stay on
general sale: the pick-up's guarded move (Inventory.pick_from_block) settles the race.

Guard removed (pick_from_block reading the night, checking the block's rooms, then
writing without the `$gte` condition; run 2026-12-01, not committed) it printed "40
got in; block nights picked_up 40 on both nights", 34 rooms given twice. With the guard:
6 got in, block nights 6/6 with 0 held, 4 rooms left on general sale."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

from services.reservation.blocks import BlockCreate
from shared.errors import DomainError
from tests.integration.reservation_harness import Clock, office

PICKERS = 40
BLOCK_ROOMS = 6
FIRST = date(2027, 6, 10)


async def test_40_concurrent_pickups_from_a_block_of_6_let_exactly_6_in() -> None:
    hotel = await office(Clock(datetime(2027, 2, 1, tzinfo=UTC)))
    await hotel.room_type("suite", rooms=10)
    block, _ = await hotel.blocks.create_block(
        BlockCreate(
            name="Wedding",
            company="Lee family",
            kind="group",
            room_type="suite",
            start=FIRST,
            end=date(2027, 6, 12),
            rooms_per_night=BLOCK_ROOMS,
            nightly_rate="600.00",
            release_date=date(2027, 6, 1),
        )
    )

    async def pick(number: int) -> bool:
        try:
            await hotel.book(
                number=number,
                room_type="suite",
                block_id=block["_id"],
                arrival=FIRST.isoformat(),
                departure="2027-06-12",
                channel="corporate",
            )
            return True
        except DomainError:
            return False

    picked = await asyncio.gather(*(pick(n) for n in range(PICKERS)))
    nights = (await hotel.blocks.get_block(block["_id"]))["nights"]
    sold = await hotel.sold("suite", FIRST, 2)
    general = 0
    for number in range(100, 110):  # what is left for everyone else
        try:
            await hotel.book(
                number=number, room_type="suite", arrival=FIRST.isoformat(), departure="2027-06-12"
            )
            general += 1
        except DomainError:
            break
    print(
        f"\n{PICKERS} concurrent pick-ups from a block of {BLOCK_ROOMS}: {sum(picked)} got in; "
        f"block nights {nights}; sold {sold}; {general} rooms then sold on general sale"
    )
    assert sum(picked) == BLOCK_ROOMS
    assert all(
        night == {"allotted": BLOCK_ROOMS, "picked_up": BLOCK_ROOMS, "held": 0}
        for night in nights.values()
    ), nights
    assert sold == {"2027-06-10": BLOCK_ROOMS, "2027-06-11": BLOCK_ROOMS}
    assert general == 10 - BLOCK_ROOMS
