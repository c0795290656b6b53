"""An extension and a shortening write the stay only as they read it (departure_change.py):
a departure change made between the read and the write fails the write (the desk then
answers 409) instead of being overwritten, and each change carries the next revision."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from services.frontdesk.departure_change import DepartureChange
from services.frontdesk.domain import CheckIn, StayExtend
from tests.integration.points_support import booked_desk


async def test_a_change_read_before_another_change_is_not_written(tmp_path: Path) -> None:
    desk, _ = await booked_desk(tmp_path)
    stay = await desk.service.check_in(CheckIn(reservation_id="res-1"))
    stale = DepartureChange(stay, date(2027, 3, 15))  # read before the extension below
    assert stale.revision == 1

    await desk.service.extend(stay["_id"], StayExtend(departure=date(2027, 3, 13)))

    written = await desk.service.repository.update_stay(
        stay["_id"], stale.guard(), {"$set": stale.new_departure()}
    )
    assert written is None  # the extension is kept, not overwritten
    now = await desk.service.get_stay(stay["_id"])
    assert (now["departure"], now["departure_revision"]) == ("2027-03-13", 1)

    fresh = DepartureChange(now, date(2027, 3, 15))
    assert fresh.revision == 2
    written = await desk.service.repository.update_stay(
        stay["_id"], fresh.guard(), {"$set": fresh.new_departure()}
    )
    assert written is not None
    assert (written["departure"], written["departure_revision"]) == ("2027-03-15", 2)
