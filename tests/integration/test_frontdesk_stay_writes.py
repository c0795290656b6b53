"""The stay's writes as its rules leave it (issue 17, stay_rules.py): each use case reads
the stay, a rule moves it, and the store writes what changed under the guard of the stay
as read. A change made between the read and the write fails the write: the desk answers
what is stored (or settles again, or refuses the move) and nothing is written twice."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from services.frontdesk.departure import DepartureDesk
from services.frontdesk.domain import ChargeCreate, CheckIn, CheckOut, RoomMove
from services.frontdesk.front_office import FrontOffice
from services.frontdesk.front_office_models import OpinionCreate
from services.frontdesk.repository import FrontDeskRepository
from shared.errors import Conflict
from shared.property_setup import load_property
from tests.integration.frontdesk_harness import FixedClock, booking, build, property_file
from tests.integration.points_support import MARCH_10, MARCH_12, booked_desk


def read_once_as(repository: FrontDeskRepository, stale: dict[str, Any]) -> None:
    """The next read of the stay answers `stale`, as read before another desk's write;
    every later read is the store's."""
    fresh = repository.stay

    async def stay(stay_id: str) -> dict[str, Any] | None:
        repository.stay = fresh  # type: ignore[method-assign]
        return stale

    repository.stay = stay  # type: ignore[method-assign]


async def outbox_types(desk: Any, stay_id: str) -> list[str]:
    stored = await desk.database["stays"].find_one({"_id": stay_id})
    return [entry["type"] for entry in stored.get("outbox", [])]


async def test_a_check_out_asked_meanwhile_is_asked_once(tmp_path: Path) -> None:
    desk, clock = await booked_desk(tmp_path)
    stay = await desk.service.check_in(CheckIn(reservation_id="res-1"))
    departures = DepartureDesk(desk.folio, room_check_wait_seconds=900)
    before = await desk.service.get_stay(stay["_id"])  # read before the other desk asks
    clock.now = datetime(2027, 3, 12, 2, tzinfo=UTC)
    asked = await departures.request_checkout(stay["_id"])

    read_once_as(desk.service.repository, before)
    again = await departures.request_checkout(stay["_id"])

    assert again["checkout_request"] == asked["checkout_request"]  # the first one stands
    types = await outbox_types(desk, stay["_id"])
    assert types.count("stay.room_check_requested") == 1


async def test_an_opinion_recorded_meanwhile_is_the_one_kept(tmp_path: Path) -> None:
    desk, clock = await booked_desk(tmp_path)
    office = FrontOffice(desk.service, desk.database)
    stay = await desk.service.check_in(CheckIn(reservation_id="res-1"))
    clock.now = datetime(2027, 3, 12, 2, tzinfo=UTC)
    await desk.folio.check_out(stay["_id"])
    before = await desk.service.get_stay(stay["_id"])  # read before the other desk records
    first = await office.record_opinion(stay["_id"], OpinionCreate(score=4, taken_by="desk-1"))

    read_once_as(desk.service.repository, before)
    again = await office.record_opinion(stay["_id"], OpinionCreate(score=5, taken_by="desk-2"))

    assert again == first and again["score"] == 4
    stored = await desk.service.get_stay(stay["_id"])
    assert (stored["opinion"]["score"], stored["opinion"]["taken_by"]) == (4, "desk-1")


async def test_a_charge_posted_during_the_check_out_is_settled_with_it(tmp_path: Path) -> None:
    desk, clock = await booked_desk(tmp_path)
    stay = await desk.service.check_in(CheckIn(reservation_id="res-1"))
    before = await desk.service.get_stay(stay["_id"])  # the folio read by the check-out
    await desk.folio.post_charge(
        stay["_id"], ChargeCreate(category="minibar", amount="40.00", description="water")
    )
    clock.now = datetime(2027, 3, 12, 2, tzinfo=UTC)

    read_once_as(desk.folio.repository, before)  # settled first on the folio without it
    closed = await desk.folio.check_out(stay["_id"], CheckOut())

    assert closed["status"] == "checked_out"
    assert "minibar" in [line["category"] for line in closed["settlement"]["lines"]]
    types = await outbox_types(desk, stay["_id"])
    assert (types.count("folio.closed"), types.count("stay.checked_out")) == (1, 1)


async def test_a_move_read_before_another_move_is_refused(tmp_path: Path) -> None:
    clock = FixedClock(datetime(2027, 3, 10, 6, tzinfo=UTC))
    desk = await build(load_property(str(property_file(tmp_path, {"king": 3}))), clock)
    await desk.projections.reservation_created(booking(1, "king", MARCH_10, MARCH_12))
    stay = await desk.service.check_in(CheckIn(reservation_id="res-1"))
    before = await desk.service.get_stay(stay["_id"])  # read before the other desk's move
    first = await desk.service.move_room(stay["_id"], RoomMove(reason="noise"))

    read_once_as(desk.service.repository, before)
    with pytest.raises(Conflict, match="changed meanwhile"):
        await desk.service.move_room(stay["_id"], RoomMove(reason="still noisy"))

    stored = await desk.service.get_stay(stay["_id"])
    assert stored["room_number"] == first["room_number"] != stay["room_number"]
    assert [move["reason"] for move in stored["moves"]] == ["noise"]
    assert (await outbox_types(desk, stay["_id"])).count("stay.room_moved") == 1
    held = await desk.database["room_nights"].find({"stay_id": stay["_id"]}).to_list(None)
    assert {night["room_number"] for night in held} == {first["room_number"]}  # given back
