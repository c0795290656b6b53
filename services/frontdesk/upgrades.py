"""The VIP upgrade (seed 002 4.2(3), issue 18): a guest the desk recognises as VIP is
given the next better category when one of its rooms is free for the whole stay and not
promised to a booked guest (promises.py), charged at the booked rate.

Categories are ordered by their nightly rate in the property's set-up: the hotel prices
its better rooms higher, so the rack rate is its own order of quality and needs no second
list to keep in step. The next better category is the cheapest dearer one that holds
the party; none above the booked one, no upgrade.
"""

from __future__ import annotations

from typing import Any

from shared.property_setup import PropertySetup, RoomTypeSetup

from .allocation import Choice, Rule


def better_room_type(setup: PropertySetup, booked: str, guests: int) -> RoomTypeSetup | None:
    rate = setup.known_room_type(booked).nightly_rate
    dearer = [
        room_type
        for room_type in setup.room_types
        if room_type.nightly_rate > rate and room_type.max_occupancy >= guests
    ]
    return min(dearer, key=lambda room_type: room_type.nightly_rate, default=None)


def upgraded(choice: Choice, booked: str, better: RoomTypeSetup) -> tuple[Choice, dict[str, Any]]:
    """The allocation's choice in the better category, named as the upgrade it is, and
    the upgrade as the stay records it."""
    reason = f"VIP upgrade from {booked} to {better.code}: free for the whole stay"
    return (
        Choice(choice.room, Rule.VIP_UPGRADE, f"{reason}; {choice.explanation}", choice.steps),
        {
            "from_room_type": booked,
            "to_room_type": better.code,
            "reason": reason,
            "charged_as": booked,  # the booked nightly rates stay on the folio
        },
    )
