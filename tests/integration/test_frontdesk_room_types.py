"""Issue 12's last gap and issue 18's VIP upgrade, the desk's side, in-process: a move
tells reservation the room types and nights it changes, and is guarded on the type of
the room the guest is in; a stay shortened in house gives its nights back and says so;
a VIP gets the next better category when it is free and not promised, charged as booked.
The desk's own events, fed to reservation's follower, make availability agree."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from services.frontdesk.api import to_public
from services.frontdesk.domain import CheckIn, RoomMove, StayExtend, StayShorten
from services.frontdesk.promises import RoomPromised
from services.frontdesk.shortening import PastNights, shorten_stay
from services.reservation.stays import StayFollower
from shared.errors import Conflict, Unprocessable
from shared.events import (
    EVENTS_BY_TYPE,
    GuestProfilePayload,
    GuestUpdated,
)
from shared.property_setup import load_property
from tests.integration.frontdesk_harness import PROPERTY, FixedClock, booking, build, property_file
from tests.integration.reservation_harness import Clock, office
from tests.integration.test_one_hotel_frontdesk import walk_in

MARCH_10, MARCH_12, MARCH_13 = date(2027, 3, 10), date(2027, 3, 12), date(2027, 3, 13)
RATES = {"king": "560.00", "suite": "1680.00"}


def run(coroutine):
    return asyncio.run(coroutine)


def hotel(tmp_path: Path, rooms: dict[str, int]):
    """The harness's property with the demo hotel's rates: a suite is dearer (better)."""
    path = property_file(tmp_path, rooms)
    setup = json.loads(path.read_text())
    for room_type in setup["room_types"]:
        room_type["nightly_rate"] = RATES[room_type["code"]]
    path.write_text(json.dumps(setup))
    return load_property(str(path))


async def desk_at_the_10th(tmp_path: Path, rooms: dict[str, int]):
    return await build(hotel(tmp_path, rooms), FixedClock(datetime(2027, 3, 10, 6, tzinfo=UTC)))


async def vip(desk, guest_id: str) -> None:
    await desk.projections.guest_profile(
        GuestUpdated.new(
            GuestProfilePayload(
                guest_id=guest_id, first_name="Mei", last_name="Chen", vip=True, version=1
            ),
            producer="loyalty",
            property_id=PROPERTY,
        )
    )


async def outbox(desk, stay_id: str, event_type: str) -> list[Any]:
    stay = await desk.database["stays"].find_one({"_id": stay_id})
    return [
        EVENTS_BY_TYPE[entry["type"]].model_validate_json(entry["body"])
        for entry in stay.get("outbox", [])
        if entry["type"] == event_type
    ]


def test_a_move_to_another_type_tells_the_types_and_the_nights_left(tmp_path: Path) -> None:
    async def scenario():
        desk = await desk_at_the_10th(tmp_path, {"king": 2, "suite": 1})
        await desk.projections.reservation_created(booking(1, "king", MARCH_10, MARCH_13))
        stay = await desk.service.check_in(CheckIn(reservation_id="res-1"))
        suite = (await desk.database["rooms"].find_one({"room_type": "suite"}))["number"]
        moved = await desk.service.move_room(stay["_id"], RoomMove(to_room=suite, reason="noise"))
        return moved, await outbox(desk, stay["_id"], "stay.room_moved")

    moved, [event] = run(scenario())
    assert (moved["room_type"], moved["occupied_room_type"]) == ("king", "suite")
    move = event.payload
    assert (move.from_room_type, move.to_room_type, move.move_number) == ("king", "suite", 1)
    assert move.nights == [MARCH_10, date(2027, 3, 11), MARCH_12]
    assert (move.reservation_id, move.room_type) == ("res-1", "king")


def test_a_move_back_to_the_booked_type_is_guarded_on_it(tmp_path: Path) -> None:
    """In a suite, the guest's booked king is no longer theirs: moving back to a king is
    a move to another type, refused when it would take a king promised to a booking
    (before, a move to the booked type was never guarded)."""

    async def scenario():
        desk = await desk_at_the_10th(tmp_path, {"king": 2, "suite": 1})
        await desk.projections.reservation_created(booking(1, "king", MARCH_10, MARCH_12))
        await desk.projections.reservation_created(booking(2, "king", date(2027, 3, 11), MARCH_12))
        stay = await desk.service.check_in(CheckIn(reservation_id="res-1"))
        suite = (await desk.database["rooms"].find_one({"room_type": "suite"}))["number"]
        await desk.service.move_room(stay["_id"], RoomMove(to_room=suite, reason="noise"))
        # a walk-in takes a king on the 10th and 11th: on the 11th the other is res-2's
        walked = await desk.service.walk_in(walk_in("king", "2027-03-12"))
        kings = await desk.database["rooms"].find({"room_type": "king"}).to_list(None)
        free_king = next(k["number"] for k in kings if k["number"] != walked["room_number"])
        with pytest.raises(RoomPromised) as refused:
            await desk.service.move_room(stay["_id"], RoomMove(to_room=free_king, reason="back"))
        return refused.value

    refused = run(scenario())
    assert isinstance(refused, Conflict) and refused.extensions["night"] == "2027-03-11"


def test_a_stay_shortened_in_house_gives_its_nights_back_and_says_so(tmp_path: Path) -> None:
    async def scenario():
        desk = await desk_at_the_10th(tmp_path, {"king": 2})
        await desk.projections.reservation_created(booking(1, "king", MARCH_10, MARCH_13))
        stay = await desk.service.check_in(CheckIn(reservation_id="res-1"))
        with pytest.raises(PastNights) as today:  # leaving today is a check-out
            await shorten_stay(
                desk.service, stay["_id"], StayShorten(departure=MARCH_10, reason="x")
            )
        with pytest.raises(Unprocessable):  # not earlier: an extension
            await shorten_stay(
                desk.service, stay["_id"], StayShorten(departure=MARCH_13, reason="x")
            )
        shortened = await shorten_stay(
            desk.service, stay["_id"], StayShorten(departure=MARCH_12, reason="plans changed")
        )
        held = await desk.database["room_nights"].find({"stay_id": stay["_id"]}).to_list(None)
        await desk.service.extend(stay["_id"], StayExtend(departure=MARCH_13))  # changes mind
        return (
            today.value,
            shortened,
            sorted(night["night"] for night in held),
            await outbox(desk, stay["_id"], "stay.shortened"),
            await outbox(desk, stay["_id"], "stay.extended"),
        )

    today, shortened, held, [event], [extension] = run(scenario())
    assert isinstance(today, Conflict) and today.extensions["business_date"] == "2027-03-10"
    assert shortened["departure"] == "2027-03-12"
    assert sorted(shortened["nightly_rates"]) == ["2027-03-10", "2027-03-11"]  # not billed
    assert held == ["2027-03-10", "2027-03-11"]
    assert (event.payload.nights_given_up, event.payload.revision) == ([MARCH_12], 1)
    assert extension.payload.revision == 2


async def upgrade_scenario(tmp_path: Path, *, is_vip: bool, suite_promised: bool):
    desk = await desk_at_the_10th(tmp_path, {"king": 2, "suite": 1})
    if is_vip:
        await vip(desk, "guest-1")
    await desk.projections.reservation_created(
        booking(1, "king", MARCH_10, MARCH_12, rate="560.00")
    )
    if suite_promised:  # a booked suite guest arriving tomorrow
        await desk.projections.reservation_created(booking(2, "suite", date(2027, 3, 11), MARCH_13))
    stay = await desk.service.check_in(CheckIn(reservation_id="res-1"))
    return desk, stay


def test_a_vip_gets_the_next_better_category_when_free_charged_as_booked(tmp_path: Path) -> None:
    async def scenario():
        desk, stay = await upgrade_scenario(tmp_path, is_vip=True, suite_promised=False)
        [checked_in] = await outbox(desk, stay["_id"], "stay.checked_in")
        return stay, to_public(await desk.service.get_stay(stay["_id"])), checked_in

    stay, public, checked_in = run(scenario())
    assert stay["assignment"]["rule"] == "vip_upgrade"
    assert (public.room_type, public.occupied_room_type) == ("king", "suite")
    assert public.upgrade is not None and public.upgrade.charged_as == "king"
    assert stay["nightly_rates"] == {"2027-03-10": "560.00", "2027-03-11": "560.00"}
    assert (checked_in.payload.room_type, checked_in.payload.occupied_room_type) == (
        "king",
        "suite",
    )


def test_no_upgrade_into_a_room_promised_to_a_booking_nor_for_a_guest_not_vip(
    tmp_path: Path,
) -> None:
    promised = run(upgrade_scenario(tmp_path, is_vip=True, suite_promised=True))[1]
    not_vip = run(upgrade_scenario(tmp_path, is_vip=False, suite_promised=False))[1]
    for stay in (promised, not_vip):
        assert (stay["occupied_room_type"], stay["upgrade"]) == ("king", None)
        assert stay["assignment"]["rule"] != "vip_upgrade"


def test_reservation_sells_by_the_type_the_desk_gave(tmp_path: Path) -> None:
    """The desk's own events, as the broker would deliver them (twice), to reservation:
    the VIP's upgrade holds a suite, not the booked king; moved back to a king on the
    11th, the hold goes back to king for the 11th."""

    async def scenario():
        desk, stay = await upgrade_scenario(tmp_path, is_vip=True, suite_promised=False)
        reservation = await office(Clock(datetime(2027, 3, 1, 2, tzinfo=UTC)))
        await reservation.room_type("king", rooms=2)
        await reservation.room_type("suite", rooms=1)
        follower = StayFollower(
            reservation.reservations, reservation.repository.reservations.database
        )
        booked = await reservation.book(
            room_type="king", arrival="2027-03-10", departure="2027-03-12"
        )

        def delivered(event):  # the booking's id in this office
            update = {"reservation_id": booked["_id"]}
            return event.model_copy(update={"payload": event.payload.model_copy(update=update)})

        async def sold() -> dict[str, list[int]]:
            return {
                room_type: list((await reservation.sold(room_type, MARCH_10, 2)).values())
                for room_type in ("king", "suite")
            }

        [checked_in] = await outbox(desk, stay["_id"], "stay.checked_in")
        for _ in range(2):
            await follower.checked_in(delivered(checked_in))
        upgraded = await sold()
        availability = await reservation.reservations.availability(MARCH_10, MARCH_12)
        await desk.business_day.close()  # the 10th closed: the move is on the 11th
        king = (await desk.database["rooms"].find_one({"room_type": "king"}))["number"]
        await desk.service.move_room(stay["_id"], RoomMove(to_room=king, reason="prefers it"))
        [move] = await outbox(desk, stay["_id"], "stay.room_moved")
        for _ in range(2):
            await follower.room_moved(delivered(move))
        return upgraded, availability, move.payload, await sold()

    upgraded, availability, move, moved = run(scenario())
    assert upgraded == {"king": [0, 0], "suite": [1, 1]}
    assert (availability["king"]["rooms_left"], availability["suite"]["rooms_left"]) == (2, 0)
    assert (move.from_room_type, move.to_room_type, move.nights) == (
        "suite",
        "king",
        [date(2027, 3, 11)],
    )
    assert moved == {"king": [0, 1], "suite": [1, 0]}
