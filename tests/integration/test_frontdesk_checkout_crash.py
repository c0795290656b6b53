"""An early departure's check-out interrupted between its two writes (the stay closed,
its remaining room nights not yet released), in-process: the crash point raises instead
of ending the process, and a restarted service is the same store with a new service.
The e2e crash test (tests/e2e/test_crash_points.py) shows the stay closes once; this one
looks at the room nights the departure should have given back."""

from __future__ import annotations

from datetime import timedelta

import pytest

import services.frontdesk.folio_service as folio_service
from services.frontdesk.domain import CheckIn
from tests.integration.frontdesk_harness import FixedClock, build
from tests.integration.test_frontdesk_service_layer import (
    ARRIVAL,
    DEPARTURE,
    SETUP,
    at_local,
    booking,
    run,
)


class Crashed(Exception):
    pass


def test_an_early_departure_interrupted_after_closing_still_gives_its_nights_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def crash(name: str) -> None:
        if name == "frontdesk.checkout.after_closed":
            raise Crashed(name)

    async def scenario():
        clock = FixedClock(at_local(ARRIVAL + timedelta(days=1), 9))  # a day into the stay
        service, folio, projections, database = await build(SETUP, clock)
        await projections.reservation_created(booking(1, "suite", ARRIVAL, DEPARTURE))
        stay = await service.check_in(CheckIn(reservation_id="res-1"))
        monkeypatch.setattr(folio_service, "crash_point", crash)
        with pytest.raises(Crashed):
            await folio.check_out(stay["_id"])
        monkeypatch.undo()
        # After the restart: the store holds the closed stay and its nights; the client's
        # retry (its answer was lost) gets the settlement and puts the nights right.
        closed = (await database["stays"].find_one({"_id": stay["_id"]}))["status"]
        before = await database["room_nights"].find({"stay_id": stay["_id"]}).to_list(None)
        again = await folio.check_out(stay["_id"])
        held = await database["room_nights"].find({"stay_id": stay["_id"]}).to_list(None)
        return closed, again, sorted(n["night"] for n in before), sorted(n["night"] for n in held)

    closed, again, before, held = run(scenario())
    print(
        f"\ncheck-out crashed after closing an early departure: stay {closed}, room nights "
        f"held {before}; after the retry {held}"
    )
    assert closed == "checked_out" and again["status"] == "checked_out"
    released_from = (ARRIVAL + timedelta(days=1)).isoformat()  # today: the night not slept
    assert any(night >= released_from for night in before)  # the crash did leave them
    assert [night for night in held if night >= released_from] == []
