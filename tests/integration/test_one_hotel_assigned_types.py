"""Issue 12: a room the desk assigns ahead of arrival in another type than booked is held
in that type by reservation from the assignment on (services/reservation/assignments.py),
moves once whatever the check-in then gives, and goes back to the booked type when an
amendment makes the desk drop it or the booking is cancelled."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from services.frontdesk.domain import CheckIn
from services.reservation.domain import ReservationUpdate
from shared.events import EVENTS_BY_TYPE, RoomAssigned, RoomAssignedPayload
from tests.integration.frontdesk_harness import booking
from tests.integration.reservation_harness import PROPERTY
from tests.integration.test_frontdesk_room_types import MARCH_10, MARCH_12, desk_at_the_10th, outbox
from tests.integration.test_one_hotel_room_types import checked_in, setup, sold

KING_ONLY = {"king": [1, 1, 1, 1, 0], "suite": [0, 0, 0, 0, 0]}
IN_A_SUITE = {"king": [0, 0, 0, 0, 0], "suite": [1, 1, 1, 1, 0]}


def assigned(
    reservation_id: str,
    room_type: str,
    stay_id: str = "stay-1",
    as_of: datetime | None = None,
    booked_type: str = "king",
) -> RoomAssigned:
    return RoomAssigned.new(
        RoomAssignedPayload(
            reservation_id=reservation_id,
            guest_id="g",
            room_number=f"{room_type}-room",
            room_type=room_type,
            arrival=date(2027, 3, 10),
            departure=date(2027, 3, 14),
            rule="manual_override",
            ahead_of_arrival=True,
            booked_room_type=booked_type,
            stay_to_be_id=stay_id,
            # the desk's arrival as of the reservation event it last applied (stamped
            # by the wall clock, as events are): by default one from before the test's
            booking_as_of=as_of or datetime.now(UTC),
        ),
        producer="frontdesk",
        property_id=PROPERTY,
    )


async def booked_king(hotel):
    return await hotel.book(room_type="king", arrival="2027-03-10", departure="2027-03-14")


async def test_a_suite_assigned_ahead_is_sold_as_a_suite_and_moves_once_at_check_in() -> None:
    hotel, follower = await setup()
    booking = await booked_king(hotel)
    before = await sold(hotel)
    await follower.assignments.room_assigned(assigned(booking["_id"], "suite"))
    after_assignment = await sold(hotel)
    await follower.assignments.room_assigned(assigned(booking["_id"], "suite"))  # a copy
    after_copy = await sold(hotel)
    await follower.checked_in(checked_in("stay-1", booking["_id"], occupied="suite"))
    after_check_in = await sold(hotel)
    await follower.checked_in(checked_in("stay-1", booking["_id"], occupied="suite"))
    await follower.assignments.room_assigned(assigned(booking["_id"], "suite"))  # late copy
    after_copies = await sold(hotel)
    availability = await hotel.reservations.availability(date(2027, 3, 10), date(2027, 3, 14))
    assert before == KING_ONLY
    assert after_assignment == after_copy == IN_A_SUITE
    assert after_check_in == after_copies == IN_A_SUITE  # not moved twice
    assert (availability["king"]["rooms_left"], availability["suite"]["rooms_left"]) == (3, 1)


async def test_a_check_in_to_the_booked_type_returns_the_assigned_suite() -> None:
    """The pre-assigned suite was not ready: the desk gave a king at check-in."""
    hotel, follower = await setup()
    booking = await booked_king(hotel)
    await follower.assignments.room_assigned(assigned(booking["_id"], "suite"))
    await follower.checked_in(checked_in("stay-1", booking["_id"], occupied="king"))
    assert await sold(hotel) == KING_ONLY


async def test_an_amendment_drops_the_assignment_and_only_a_newer_one_applies() -> None:
    hotel, follower = await setup()
    booking = await booked_king(hotel)
    old_copy = assigned(booking["_id"], "suite")
    await follower.assignments.room_assigned(old_copy)
    amended = await hotel.reservations.amend_reservation(
        booking["_id"], ReservationUpdate(adults=2), reason="a second guest"
    )
    after_amendment = await sold(hotel)
    await follower.assignments.room_assigned(old_copy)  # redelivered: the desk dropped it
    after_old_copy = await sold(hotel)
    as_of = datetime.fromisoformat(amended["amended_at"])
    await follower.assignments.room_assigned(
        assigned(booking["_id"], "king", stay_id="stay-2", as_of=as_of)
    )
    after_king = await sold(hotel)
    await follower.assignments.room_assigned(
        assigned(booking["_id"], "suite", stay_id="stay-3", as_of=as_of)
    )
    after_new_suite = await sold(hotel)
    assert after_amendment == after_old_copy == after_king == KING_ONLY
    assert after_new_suite == IN_A_SUITE


async def test_a_cancelled_booking_gives_back_the_assigned_suite() -> None:
    hotel, follower = await setup()
    booking = await booked_king(hotel)
    await follower.assignments.room_assigned(assigned(booking["_id"], "suite"))
    await hotel.reservations.cancel_reservation(booking["_id"])
    await follower.assignments.room_assigned(assigned(booking["_id"], "suite"))  # late copy
    assert await sold(hotel) == {"king": [0] * 5, "suite": [0] * 5}


async def test_the_desks_own_assignment_and_check_in_move_the_hold_once(tmp_path: Path) -> None:
    """The desk names a suite ahead of a king booking's arrival: its room.assigned (twice,
    as the broker may) holds a suite in reservation, the check-in into it moves nothing
    more."""
    desk = await desk_at_the_10th(tmp_path, {"king": 2, "suite": 1})
    await desk.projections.reservation_created(booking(1, "king", MARCH_10, MARCH_12))
    suite = (await desk.database["rooms"].find_one({"room_type": "suite"}))["number"]
    assignment = await desk.service.assign("res-1", suite)
    arrival = await desk.database["arrivals"].find_one({"_id": "res-1"})
    [room_assigned] = [
        EVENTS_BY_TYPE[entry["type"]].model_validate_json(entry["body"])
        for entry in arrival["outbox"]
        if entry["type"] == "room.assigned"
    ]
    stay = await desk.service.check_in(CheckIn(reservation_id="res-1"))
    [stay_checked_in] = await outbox(desk, stay["_id"], "stay.checked_in")

    hotel, follower = await setup()
    booked = await hotel.book(room_type="king", arrival="2027-03-10", departure="2027-03-12")

    def delivered(event):  # the booking's id in this office
        update = {"reservation_id": booked["_id"]}
        return event.model_copy(update={"payload": event.payload.model_copy(update=update)})

    async def two_nights() -> dict[str, list[int]]:
        return {
            room_type: list((await hotel.sold(room_type, MARCH_10, 2)).values())
            for room_type in ("king", "suite")
        }

    for _ in range(2):
        await follower.assignments.room_assigned(delivered(room_assigned))
    assigned_ahead = await two_nights()
    for _ in range(2):
        await follower.checked_in(delivered(stay_checked_in))
    payload = room_assigned.payload
    assert (payload.room_type, payload.booked_room_type) == ("suite", "king")
    assert payload.stay_to_be_id == assignment["stay_id"] == stay["_id"]
    assert assigned_ahead == {"king": [0, 0], "suite": [1, 1]}
    assert await two_nights() == assigned_ahead
