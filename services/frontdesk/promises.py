"""Rooms promised to confirmed bookings: the desk never gives them away.

The arrivals list is the desk's projection of the bookings (reservation events). For a
room type and a night, the rooms the desk may still give to someone without a booking of
that night are the type's rooms, minus those out of order (tonight by the room's status
as housekeeping last said; on any night by housekeeping's out-of-order periods, as
reservation counts them), minus the rooms stays and pre-assignments already hold, minus
one room per expected booking of that type and night that has no room yet. A walk-in, an
extension, an early check-in or a move that would need more is refused with a 409 naming
the night.

Counting, then taking a room, is two steps: two walk-ins counted together would both
see the last free room and both take one, the second a booking's. So `give_unpromised`
counts, takes, and then moves the room type's version on from the one it read before
counting (a conditional write): whoever gave a room of the type meanwhile moved it
first, and this attempt gives its room back and counts again. Of those counting
together one always gets through, so each round lets at least one in.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import TypeVar

from shared.errors import Conflict

from .repository import FrontDeskRepository

UNAVAILABLE = ("out_of_order", "out_of_service")
# Rounds of count-take-confirm before giving up (each round lets at least one desk in).
MAX_ROUNDS = 200
Taken = TypeVar("Taken")


class RoomPromised(Conflict):
    title = "Room promised to a booking"


async def free_to_give(
    repository: FrontDeskRepository,
    room_type: str,
    night: date,
    business_date: date,
    except_stay: str | None = None,
) -> int:
    rooms = [room for room in await repository.all_rooms() if room["room_type"] == room_type]
    numbers = {room["number"] for room in rooms}
    held = await repository.taken_rooms([night], except_stay=except_stay) & numbers
    # Out of order: by the room's status tonight, by housekeeping's periods on any night
    # (counting tonight's only let the desk give rooms reservation no longer sold).
    out_of_order = (await repository.rooms_out_of_order(night)) & numbers
    if night == business_date:
        out_of_order |= {room["number"] for room in rooms if room.get("status") in UNAVAILABLE}
    promised = sum(
        _rooms_still_to_give(arrival)
        for arrival in await repository.arrivals_where(
            {
                "status": "expected",
                "room_type": room_type,
                "arrival": {"$lte": night.isoformat()},
                "departure": {"$gt": night.isoformat()},
            }
        )
    )
    return len(numbers) - len(held | out_of_order) - promised


async def refuse_promised(
    repository: FrontDeskRepository,
    room_type: str,
    nights: list[date],
    business_date: date,
    *,
    what: str,
    except_stay: str | None = None,
) -> None:
    """409 naming the first night on which one more `room_type` room is not free."""
    for night in nights:
        free = await free_to_give(repository, room_type, night, business_date, except_stay)
        if free < 1:
            raise RoomPromised(
                f"{what} would take a {room_type} room promised to a confirmed booking on the "
                f"night of {night.isoformat()}: no {room_type} room is left to give that night",
                night=night.isoformat(),
                room_type=room_type,
            )


def _rooms_still_to_give(arrival: dict) -> int:
    """A booking's rooms not in house yet and not already held by a pre-assignment."""
    checked_in = arrival.get("rooms_checked_in", 0)
    pre_assigned = 1 if arrival.get("assignment") and checked_in == 0 else 0
    return max(0, arrival.get("room_count", 1) - checked_in - pre_assigned)


class GiveBusy(Conflict):
    title = "Rooms being given right now"


async def give_unpromised(
    repository: FrontDeskRepository,
    room_type: str,
    nights: list[date],
    business_date: date,
    *,
    what: str,
    take: Callable[[], Awaitable[Taken]],
    give_back: Callable[[Taken], Awaitable[object]],
    except_stay: str | None = None,
) -> Taken:
    """Refuses (409 naming the night) or takes, as one step: see the module docstring.
    `take` claims the room nights (raising if it cannot); `give_back` releases them."""
    for _ in range(MAX_ROUNDS):
        seen = await repository.promise_version(room_type)
        await refuse_promised(
            repository, room_type, nights, business_date, what=what, except_stay=except_stay
        )
        taken = await take()
        if await repository.advance_promise_version(room_type, seen):
            return taken
        await give_back(taken)
    raise GiveBusy(f"{what}: {room_type} rooms kept being given meanwhile; try again")
