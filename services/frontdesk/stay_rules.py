"""The rules that move a stay (issue 17, the write side of stay_aggregate.py): each takes
the stay as read and returns it moved (`model_copy(update=...)`), or refuses with a
DomainError. No I/O: the store writes what changed (stay_store.py: `move_stay`) under the
guard of the stay as read, so a change made meanwhile fails the write.

Only the stay's own top-level fields move here. The lines the desk appends (charges,
payments, moves, requests, ...) are still pushed by the write itself, under `$size` and
`$ne` guards: a `$push` appends to the list as stored, where a `$set` of the list as read
would overwrite a line added meanwhile."""

from __future__ import annotations

from datetime import datetime

from shared.errors import Conflict

from .domain import StayStatus
from .stay_aggregate import Stay, StoredLine


def in_house(stay: Stay) -> Stay:
    """Refuses a stay no longer in house: it changes no more."""
    if stay.status != StayStatus.IN_HOUSE:
        raise Conflict(f"stay {stay.id!r} is already checked out")
    return stay


def checkout_asked(stay: Stay, asked: StoredLine) -> Stay:
    """The guest asked to leave: the room check is asked for, the stay stays in house."""
    return in_house(stay).model_copy(update={"checkout_request": asked})


def opinion_recorded(stay: Stay, opinion: StoredLine) -> Stay:
    """The guest's opinion at check-out (one per stay: the store's guard keeps the first)."""
    return stay.model_copy(update={"opinion": opinion})


def checked_out(stay: Stay, *, at: datetime, actual_departure: str, settlement: StoredLine) -> Stay:
    """The folio settled and closed: the guest has left (`actual_departure`, ISO), with
    the invoice as the stay keeps it."""
    return in_house(stay).model_copy(
        update={
            "status": StayStatus.CHECKED_OUT.value,
            "checked_out_at": at,
            "actual_departure": actual_departure,
            "settlement": settlement,
        }
    )


def moved_to_room(stay: Stay, *, room_number: str, room_type: str, assignment: StoredLine) -> Stay:
    """The guest moved for the nights left: the room they are in, its type (the booked
    type, what is charged, stays) and the assignment that chose it."""
    if room_number == in_house(stay).room_number:
        raise Conflict(f"the guest is already in room {room_number}")
    return stay.model_copy(
        update={
            "room_number": room_number,
            "occupied_room_type": room_type,
            "assignment": assignment,
        }
    )
