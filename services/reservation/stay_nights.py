"""What a stay occupies, night by night and of which room type, as reservation's stay
record says. No I/O.

A stay record (stays.py) keeps the booked type, its dates and its type changes:
`type_changes` maps a change's number (0: the room given at check-in, then the desk's
move numbers 1, 2...) to the first night it applies and the type moved to. The type on a
night is the latest change that had begun by then: moves happen in business-date order,
so however the broker ordered their copies, the recorded set gives the same answer.

A booking's stay holds only what its booking does not: the booking covers its booked
type's nights before the night the stay was handed its own holds (`handed_over`, on a
move to another type or a shortening); from then on the stay holds what it occupies.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from .domain import HoldKey, nights_of


def room_type_on(stay: dict[str, Any], night: str) -> str:
    started = [
        (int(number), change["to_type"])
        for number, change in (stay.get("type_changes") or {}).items()
        if change["from_night"] <= night
    ]
    return max(started)[1] if started else stay["room_type"]


def occupied_holds(stay: dict[str, Any]) -> dict[HoldKey, int]:
    """One room a night, of the type the stay occupies that night."""
    nights = nights_of(date.fromisoformat(stay["arrival"]), date.fromisoformat(stay["departure"]))
    return {(room_type_on(stay, night.isoformat()), night.isoformat()): 1 for night in nights}


def covered_by_booking(stay: dict[str, Any], booking: dict[str, Any]) -> set[HoldKey]:
    """The nights the stay's booking holds for it: its booked type's nights before the
    stay was handed its own holds."""
    handed_over = stay.get("handed_over")
    return {
        (booking["room_type"], night.isoformat())
        for night in nights_of(
            date.fromisoformat(booking["arrival"]), date.fromisoformat(booking["departure"])
        )
        if handed_over is None or night.isoformat() < handed_over
    }


def hold_shape(stay: dict[str, Any]) -> tuple[Any, ...]:
    """What a stay's holds are computed from."""
    return tuple(
        stay.get(field)
        for field in ("room_type", "arrival", "departure", "status", "type_changes", "handed_over")
    )
