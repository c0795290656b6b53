"""Issue 12's last gap and issue 18's VIP upgrade, reservation's side: what is sold by room
type follows the type of the room a stay actually occupies (a move to another type, a
better room given at check-in) and the nights a shortened stay gives up, whatever the
order and number of the copies the broker delivers."""

from __future__ import annotations

from datetime import UTC, date, datetime

from services.reservation.stays import StayFollower
from shared.events import (
    StayCheckedIn,
    StayCheckedInPayload,
    StayExtended,
    StayExtendedPayload,
    StayRoomMoved,
    StayRoomMovedPayload,
    StayShortened,
    StayShortenedPayload,
)
from tests.integration.reservation_harness import PROPERTY, Clock, office

MARCH_10 = date(2027, 3, 10)
NIGHTS = 4  # the 10th to the 13th


def desk(event_type, payload):
    return event_type.new(payload, producer="frontdesk", property_id=PROPERTY)


def checked_in(
    stay_id: str, reservation_ref: str, occupied: str | None = None, arrival: int = 10
) -> StayCheckedIn:
    return desk(
        StayCheckedIn,
        StayCheckedInPayload(
            stay_id=stay_id,
            reservation_id=reservation_ref,
            guest_id="g",
            room_number="101",
            room_type="king",
            arrival=date(2027, 3, arrival),
            departure=date(2027, 3, 14),
            occupied_room_type=occupied,
        ),
    )


def moved(
    stay_id: str,
    reservation_ref: str,
    number: int,
    from_type: str,
    to_type: str,
    first_night: int,
    departure: int = 14,
) -> StayRoomMoved:
    return desk(
        StayRoomMoved,
        StayRoomMovedPayload(
            stay_id=stay_id,
            guest_id="g",
            from_room=f"{from_type}-room",
            to_room=f"{to_type}-room-{number}",
            reason="noise",
            from_room_type=from_type,
            to_room_type=to_type,
            nights=[date(2027, 3, day) for day in range(first_night, departure)],
            move_number=number,
            reservation_id=reservation_ref,
            room_type="king",
            arrival=MARCH_10,
            departure=date(2027, 3, departure),
        ),
    )


def departure_change(
    kind: type, stay_id: str, reservation_ref: str, old: int, new: int, revision: int
):
    common = dict(
        stay_id=stay_id,
        reservation_id=reservation_ref,
        guest_id="g",
        room_number="101",
        room_type="king",
        arrival=MARCH_10,
        old_departure=date(2027, 3, old),
        departure=date(2027, 3, new),
        revision=revision,
    )
    if kind is StayShortened:
        gave_up = [date(2027, 3, day) for day in range(new, old)]
        return desk(
            StayShortened,
            StayShortenedPayload(**common, nights_given_up=gave_up, reason="plans changed"),
        )
    return desk(StayExtended, StayExtendedPayload(**common))


async def setup():
    hotel = await office(Clock(datetime(2027, 3, 1, 2, tzinfo=UTC)))
    await hotel.room_type("king", rooms=3)
    await hotel.room_type("suite", rooms=2)
    return hotel, StayFollower(hotel.reservations, hotel.repository.reservations.database)


async def sold(hotel) -> dict[str, list[int]]:
    return {
        room_type: list((await hotel.sold(room_type, MARCH_10, NIGHTS + 1)).values())
        for room_type in ("king", "suite")
    }


async def test_a_move_to_a_suite_moves_the_booking_hold_for_the_nights_left() -> None:
    hotel, follower = await setup()
    booked = await hotel.book(room_type="king", arrival="2027-03-10", departure="2027-03-14")
    await follower.checked_in(checked_in("stay-1", booked["_id"]))
    before = await sold(hotel)
    # Moved to a suite on the 12th: the 12th and 13th are suite nights now.
    move = moved("stay-1", booked["_id"], 1, "king", "suite", first_night=12)
    await follower.room_moved(move)
    after_move = await sold(hotel)
    await follower.room_moved(move)  # a redelivered copy
    after_copy = await sold(hotel)
    availability = await hotel.reservations.availability(date(2027, 3, 12), date(2027, 3, 14))
    assert before == {"king": [1, 1, 1, 1, 0], "suite": [0, 0, 0, 0, 0]}
    # king: one more night free on the 12th and 13th; suite: one fewer
    assert after_move == {"king": [1, 1, 0, 0, 0], "suite": [0, 0, 1, 1, 0]}
    assert after_copy == after_move
    assert (availability["king"]["rooms_left"], availability["suite"]["rooms_left"]) == (3, 1)


async def test_moves_delivered_out_of_order_end_in_the_last_moves_type() -> None:
    """king -> suite on the 11th, suite -> king on the 13th: the suite is held on the 11th
    and 12th only, whichever copy comes first; a move within a type changes nothing."""
    for order in ((1, 2), (2, 1)):
        hotel, follower = await setup()
        booked = await hotel.book(room_type="king", arrival="2027-03-10", departure="2027-03-14")
        copies = {
            1: moved("stay-1", booked["_id"], 1, "king", "suite", first_night=11),
            2: moved("stay-1", booked["_id"], 2, "suite", "king", first_night=13),
        }
        for number in order:
            await follower.room_moved(copies[number])
        await follower.checked_in(checked_in("stay-1", booked["_id"]))  # the check-in last
        assert await sold(hotel) == {
            "king": [1, 0, 0, 1, 0],
            "suite": [0, 1, 1, 0, 0],
        }, order
    same = moved("stay-1", booked["_id"], 3, "king", "king", first_night=13)
    await follower.room_moved(same)
    assert await sold(hotel) == {"king": [1, 0, 0, 1, 0], "suite": [0, 1, 1, 0, 0]}


async def test_a_moved_walk_in_takes_its_hold_to_the_new_type() -> None:
    hotel, follower = await setup()
    await follower.checked_in(checked_in("walk", "walk-in:walk"))
    await follower.room_moved(moved("walk", "walk-in:walk", 1, "king", "suite", first_night=11))
    assert await sold(hotel) == {"king": [1, 0, 0, 0, 0], "suite": [0, 1, 1, 1, 0]}


async def test_a_better_room_given_at_check_in_is_held_in_its_type_not_the_booked_one() -> None:
    hotel, follower = await setup()
    booked = await hotel.book(room_type="king", arrival="2027-03-10", departure="2027-03-14")
    upgraded = checked_in("stay-1", booked["_id"], occupied="suite")
    await follower.checked_in(upgraded)
    await follower.checked_in(upgraded)
    assert await sold(hotel) == {"king": [0, 0, 0, 0, 0], "suite": [1, 1, 1, 1, 0]}
    assert (await hotel.repository.get(booked["_id"]))["status"] == "in_house"


async def test_a_shortened_stay_gives_back_its_nights_whatever_the_order_of_the_changes() -> None:
    """Shortened to the 12th (revision 1), then extended to the 13th (revision 2): the
    13th is sold again, in whichever order the two arrive; a walk-in's too."""
    for reference in ("booking", "walk-in:stay-1"):
        for order in ((1, 2), (2, 1)):
            hotel, follower = await setup()
            if reference == "booking":
                booked = await hotel.book(
                    room_type="king", arrival="2027-03-10", departure="2027-03-14"
                )
                reference_id = booked["_id"]
            else:
                reference_id = reference
            await follower.checked_in(checked_in("stay-1", reference_id))
            changes = {
                1: departure_change(StayShortened, "stay-1", reference_id, 14, 12, 1),
                2: departure_change(StayExtended, "stay-1", reference_id, 12, 13, 2),
            }
            for revision in order:
                handle = follower.shortened if revision == 1 else follower.extended
                await handle(changes[revision])
                await handle(changes[revision])  # redelivered
            assert await sold(hotel) == {
                "king": [1, 1, 1, 0, 0],
                "suite": [0, 0, 0, 0, 0],
            }, (reference, order)
