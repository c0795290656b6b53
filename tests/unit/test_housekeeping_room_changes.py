"""A room rule decides a typed RoomChange; the repository alone turns it into the fields
it writes (issue 17: no raw Mongo fragment in a domain rule). What each change writes,
and what it leaves as the room has it."""

import pytest

from services.housekeeping.domain import PeriodStart, RoomChange, RoomStatus
from services.housekeeping.repository import room_fields


def test_a_status_move_writes_only_the_status() -> None:
    change = RoomChange(RoomStatus.VACANT_CLEAN, "cleaning finished")
    assert room_fields(change) == {"status": "vacant_clean"}


def test_an_occupant_is_seated_or_the_room_vacated() -> None:
    occupant = {"stay_id": "s-1", "guest_id": "g-1", "departure": "2026-12-03"}
    seated = RoomChange(RoomStatus.OCCUPIED_DIRTY, "in", occupant=occupant, do_not_disturb=False)
    vacated = RoomChange(RoomStatus.VACANT_DIRTY, "out", vacated=True, do_not_disturb=False)
    assert room_fields(seated) == {
        "occupant": occupant,
        "status": "occupied_dirty",
        "do_not_disturb": False,
    }
    assert room_fields(vacated) == {
        "occupant": None,
        "status": "vacant_dirty",
        "do_not_disturb": False,
    }


def test_a_period_takes_the_room_and_lets_it_go() -> None:
    started = RoomChange(
        RoomStatus.OUT_OF_ORDER,
        "out of order: leak",
        period_started=PeriodStart("p-1", RoomStatus.VACANT_INSPECTED),
    )
    ended = RoomChange(RoomStatus.VACANT_INSPECTED, "out of order ended", period_ended=True)
    assert list(room_fields(started).items()) == [
        ("period_id", "p-1"),
        ("status_before_period", "vacant_inspected"),
        ("status", "out_of_order"),
    ]
    assert room_fields(ended) == {"period_id": None, "status": "vacant_inspected"}


def test_a_change_cannot_say_two_contrary_things() -> None:
    with pytest.raises(ValueError):
        RoomChange(RoomStatus.VACANT_DIRTY, "x", occupant={"stay_id": "s"}, vacated=True)
    with pytest.raises(ValueError):
        RoomChange(
            RoomStatus.VACANT_DIRTY,
            "x",
            period_started=PeriodStart("p", RoomStatus.VACANT_DIRTY),
            period_ended=True,
        )
