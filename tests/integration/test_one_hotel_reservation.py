"""Issue 12, reservation's side, in-process with a clock the test moves: the booking
follows its stay, every stay and out-of-order period holds inventory, the closed business
day marks the no-shows, and capacity cannot go below what is sold."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest

from services.reservation.room_periods import RoomPeriods
from services.reservation.stays import StayFollower
from shared.errors import Conflict
from shared.events import (
    BusinessDayClosed,
    BusinessDayClosedPayload,
    RoomOutOfOrderCancelled,
    RoomOutOfOrderChanged,
    RoomOutOfOrderPayload,
    RoomOutOfOrderScheduled,
    StayCheckedIn,
    StayCheckedInPayload,
    StayCheckedOut,
    StayCheckedOutPayload,
    StayExtended,
    StayExtendedPayload,
)
from tests.integration.reservation_harness import PROPERTY, Clock, office

MARCH_10 = date(2027, 3, 10)


def desk(event_type, payload):
    return event_type.new(payload, producer="frontdesk", property_id=PROPERTY)


def checked_in(
    stay_id: str, reservation_id: str, arrival: str, departure: str, room_type: str = "tiny"
) -> StayCheckedIn:
    return desk(
        StayCheckedIn,
        StayCheckedInPayload(
            stay_id=stay_id,
            reservation_id=reservation_id,
            guest_id="g",
            room_number="101",
            room_type=room_type,
            arrival=date.fromisoformat(arrival),
            departure=date.fromisoformat(departure),
        ),
    )


def checked_out(
    stay_id: str, reservation_id: str, arrival: str, left: str, room_type: str = "tiny"
) -> StayCheckedOut:
    return desk(
        StayCheckedOut,
        StayCheckedOutPayload(
            stay_id=stay_id,
            reservation_id=reservation_id,
            guest_id="g",
            room_number="101",
            room_type=room_type,
            arrival=date.fromisoformat(arrival),
            departure=date.fromisoformat(left),
            nights=1,
            room_revenue="500.00",
            total_spend="500.00",
        ),
    )


async def setup(rooms: int = 2):
    hotel = await office(Clock(datetime(2027, 3, 1, 2, tzinfo=UTC)))
    await hotel.room_type("tiny", rooms=rooms)
    follower = StayFollower(hotel.reservations, hotel.repository.reservations.database)
    return hotel, follower


async def test_the_booking_follows_its_stay_and_refuses_cancel_and_no_show_once_in_house() -> None:
    hotel, follower = await setup()
    booked = await hotel.book(room_type="tiny", arrival="2027-03-10", departure="2027-03-13")
    event = checked_in("stay-1", booked["_id"], "2027-03-10", "2027-03-13")
    await follower.checked_in(event)
    await follower.checked_in(event)  # a redelivery changes nothing
    assert (await hotel.repository.get(booked["_id"]))["status"] == "in_house"
    with pytest.raises(Conflict, match="in_house"):
        await hotel.reservations.cancel_reservation(booked["_id"])
    hotel.clock.now = datetime(2027, 3, 11, 3, tzinfo=UTC)
    with pytest.raises(Conflict, match="in_house"):
        await hotel.reservations.mark_no_show(booked["_id"])
    assert await hotel.sold("tiny", MARCH_10, 3) == {
        "2027-03-10": 1,
        "2027-03-11": 1,
        "2027-03-12": 1,
    }

    # An early departure on the 11th gives the 11th and 12th back.
    await follower.checked_out(checked_out("stay-1", booked["_id"], "2027-03-10", "2027-03-11"))
    after = await hotel.repository.get(booked["_id"])
    assert after["status"] == "checked_out"
    assert await hotel.sold("tiny", MARCH_10, 3) == {
        "2027-03-10": 1,
        "2027-03-11": 0,
        "2027-03-12": 0,
    }


async def test_walk_ins_early_arrivals_and_extensions_hold_their_own_nights() -> None:
    hotel, follower = await setup()
    booked = await hotel.book(room_type="tiny", arrival="2027-03-10", departure="2027-03-12")
    # A walk-in (no booking) on the 10th for two nights.
    await follower.checked_in(checked_in("walk", "walk-in:walk", "2027-03-10", "2027-03-12"))
    # The booked guest arrives a day early and then extends by one night.
    await follower.checked_in(checked_in("stay-2", booked["_id"], "2027-03-09", "2027-03-12"))
    extension = desk(
        StayExtended,
        StayExtendedPayload(
            stay_id="stay-2",
            reservation_id=booked["_id"],
            guest_id="g",
            room_number="102",
            room_type="tiny",
            arrival=date(2027, 3, 9),
            old_departure=date(2027, 3, 12),
            departure=date(2027, 3, 13),
        ),
    )
    await follower.extended(extension)
    await follower.extended(extension)
    assert await hotel.sold("tiny", date(2027, 3, 9), 4) == {
        "2027-03-09": 1,
        "2027-03-10": 2,
        "2027-03-11": 2,
        "2027-03-12": 1,
    }
    # Both rooms are taken on the 10th and 11th: nothing more to sell.
    availability = await hotel.reservations.availability(MARCH_10, date(2027, 3, 12))
    assert availability["tiny"]["rooms_left"] == 0
    # The walk-in leaves early: its last night is sellable again.
    await follower.checked_out(checked_out("walk", "walk-in:walk", "2027-03-10", "2027-03-11"))
    assert await hotel.sold("tiny", MARCH_10, 2) == {"2027-03-10": 2, "2027-03-11": 1}


async def test_an_out_of_order_period_sells_one_room_fewer_until_cancelled() -> None:
    hotel, _ = await setup(rooms=1)
    periods = RoomPeriods(hotel.reservations, hotel.repository.reservations.database)
    payload = RoomOutOfOrderPayload(
        period_id="p-1",
        room_number="101",
        room_type="tiny",
        kind="out_of_order",
        start=datetime(2027, 3, 10, 6, tzinfo=UTC),
        end=datetime(2027, 3, 11, 4, tzinfo=UTC),
        nights=[MARCH_10],
    )
    await periods.scheduled(
        RoomOutOfOrderScheduled.new(payload, producer="housekeeping", property_id=PROPERTY)
    )
    assert (await hotel.reservations.availability(MARCH_10, date(2027, 3, 11)))["tiny"][
        "rooms_left"
    ] == 0
    with pytest.raises(Conflict):
        await hotel.book(room_type="tiny", arrival="2027-03-10", departure="2027-03-11")
    await periods.cancelled(
        RoomOutOfOrderCancelled.new(payload, producer="housekeeping", property_id=PROPERTY)
    )
    assert (await hotel.book(room_type="tiny", arrival="2027-03-10", departure="2027-03-11"))[
        "status"
    ] == "confirmed"


async def test_a_changed_period_holds_the_room_on_its_new_nights_only() -> None:
    """maintenance.out_of_order_changed: a period ended early gives its nights back, an
    extended one holds the new ones (before, the first nights stayed held)."""
    hotel, _ = await setup(rooms=1)
    periods = RoomPeriods(hotel.reservations, hotel.repository.reservations.database)
    march = [date(2027, 3, day) for day in (10, 11, 12)]
    payload = RoomOutOfOrderPayload(
        period_id="p-2",
        room_number="101",
        room_type="tiny",
        kind="out_of_order",
        start=datetime(2027, 3, 10, 6, tzinfo=UTC),
        end=datetime(2027, 3, 13, 4, tzinfo=UTC),
        nights=march,
    )

    async def left() -> list[int]:
        return [
            (await hotel.reservations.availability(night, night.replace(day=night.day + 1)))[
                "tiny"
            ]["rooms_left"]
            for night in [*march, date(2027, 3, 13)]
        ]

    await periods.scheduled(
        RoomOutOfOrderScheduled.new(payload, producer="housekeeping", property_id=PROPERTY)
    )
    assert await left() == [0, 0, 0, 1]
    early = payload.model_copy(update={"end": datetime(2027, 3, 11, 4, tzinfo=UTC)})
    early = early.model_copy(update={"nights": march[:1]})
    await periods.changed(
        RoomOutOfOrderChanged.new(early, producer="housekeeping", property_id=PROPERTY)
    )
    assert await left() == [0, 1, 1, 1]
    longer = payload.model_copy(
        update={"end": datetime(2027, 3, 14, 4, tzinfo=UTC), "nights": [*march, date(2027, 3, 13)]}
    )
    await periods.changed(
        RoomOutOfOrderChanged.new(longer, producer="housekeeping", property_id=PROPERTY)
    )
    assert await left() == [0, 0, 0, 0]


async def test_the_closed_business_day_marks_the_expected_arrivals_no_shows_with_their_fee() -> (
    None
):
    hotel, follower = await setup()
    missing = await hotel.book(room_type="tiny", arrival="2027-03-10", departure="2027-03-12")
    later = await hotel.book(
        number=2, room_type="tiny", arrival="2027-03-11", departure="2027-03-12"
    )
    # 17:00 UTC on the 10th is 01:00 on the 11th at the hotel: the audit closes the 10th.
    hotel.clock.now = datetime(2027, 3, 10, 17, tzinfo=UTC)
    closed = desk(
        BusinessDayClosed,
        BusinessDayClosedPayload(
            business_date=MARCH_10,
            next_business_date=date(2027, 3, 11),
            expected_arrivals_not_checked_in=[missing["_id"], later["_id"]],
        ),
    )
    await follower.business_day_closed(closed)
    await follower.business_day_closed(closed)  # once
    marked = await hotel.repository.get(missing["_id"])
    assert marked["status"] == "no_show" and marked["no_show"]["fee"] == "500.00"
    assert (await hotel.repository.get(later["_id"]))["status"] == "confirmed"
    assert await hotel.sold("tiny", MARCH_10, 2) == {"2027-03-10": 0, "2027-03-11": 1}


async def test_capacity_cannot_be_set_below_what_is_sold() -> None:
    hotel, _ = await setup(rooms=2)
    await hotel.book(room_type="tiny", arrival="2027-03-10", departure="2027-03-11")
    await hotel.book(number=2, room_type="tiny", arrival="2027-03-10", departure="2027-03-11")
    with pytest.raises(Conflict, match="2027-03-10"):
        await hotel.room_type("tiny", rooms=1)
    await hotel.room_type("tiny", rooms=3)  # growing is fine
    assert (await hotel.repository.room_type("tiny"))["rooms"] == 3


async def test_a_room_of_a_two_room_booking_left_early_is_sellable_while_the_other_stays() -> None:
    """The 30-day simulation's oversell ("king on 2027-05-18: -2 left"): one guest of a
    two-room booking left early, the desk gave that room to a walk-in at once, but the
    booking held both rooms here until its last guest left, so the night was sold twice."""
    hotel, follower = await setup(rooms=2)
    booked = await hotel.book(
        room_type="tiny", arrival="2027-03-10", departure="2027-03-14", adults=2, room_count=2
    )
    await follower.checked_in(checked_in("stay-a", booked["_id"], "2027-03-10", "2027-03-14"))
    await follower.checked_in(checked_in("stay-b", booked["_id"], "2027-03-10", "2027-03-14"))
    assert await hotel.sold("tiny", MARCH_10, 4) == dict.fromkeys(
        ["2027-03-10", "2027-03-11", "2027-03-12", "2027-03-13"], 2
    )

    left_early = checked_out("stay-a", booked["_id"], "2027-03-10", "2027-03-12")
    await follower.checked_out(left_early)
    await follower.checked_out(left_early)  # a redelivery changes nothing
    assert (await hotel.repository.get(booked["_id"]))["status"] == "in_house"
    assert await hotel.sold("tiny", MARCH_10, 4) == {
        "2027-03-10": 2,
        "2027-03-11": 2,
        "2027-03-12": 1,
        "2027-03-13": 1,
    }
    # The desk gives the freed room to a walk-in for the last two nights: not oversold.
    await follower.checked_in(checked_in("walk", "walk-in:walk", "2027-03-12", "2027-03-14"))
    nights = (await hotel.reservations.availability(MARCH_10, date(2027, 3, 14)))["tiny"]
    assert nights["nights"] == dict.fromkeys(
        ["2027-03-10", "2027-03-11", "2027-03-12", "2027-03-13"], 0
    )

    # The other guest leaves on the booked day: the booking is done, nothing more moves.
    await follower.checked_out(checked_out("stay-b", booked["_id"], "2027-03-10", "2027-03-14"))
    assert (await hotel.repository.get(booked["_id"]))["status"] == "checked_out"
    assert await hotel.sold("tiny", MARCH_10, 4) == dict.fromkeys(
        ["2027-03-10", "2027-03-11", "2027-03-12", "2027-03-13"], 2
    )


async def test_holds_of_a_stay_that_left_never_come_back() -> None:
    """An extension redelivered after the check-out (the broker redelivers, handlers run
    concurrently) took the given-back nights again: tonight's rooms stayed sold."""
    hotel, follower = await setup(rooms=1)
    await follower.checked_in(checked_in("walk", "walk-in:walk", "2027-03-10", "2027-03-12"))
    extension = desk(
        StayExtended,
        StayExtendedPayload(
            stay_id="walk",
            reservation_id="walk-in:walk",
            guest_id="g",
            room_number="101",
            room_type="tiny",
            arrival=MARCH_10,
            old_departure=date(2027, 3, 12),
            departure=date(2027, 3, 13),
        ),
    )
    await follower.extended(extension)
    left = checked_out("walk", "walk-in:walk", "2027-03-10", "2027-03-11")
    await follower.checked_out(left)
    await follower.extended(extension)  # redelivered late
    assert await hotel.sold("tiny", MARCH_10, 3) == {
        "2027-03-10": 1,
        "2027-03-11": 0,
        "2027-03-12": 0,
    }
    await asyncio.gather(
        follower.checked_in(checked_in("walk", "walk-in:walk", "2027-03-10", "2027-03-12")),
        follower.checked_out(left),
    )  # and copies handled side by side
    assert await hotel.sold("tiny", MARCH_10, 3) == {
        "2027-03-10": 1,
        "2027-03-11": 0,
        "2027-03-12": 0,
    }


async def test_a_booking_the_janitor_discarded_mid_way_holds_no_night() -> None:
    """The janitor judged a slow booking abandoned after it looked for its holds and
    before the booking took its night: the night stayed held by no reservation ("no
    Deluxe Room left" for 300 s in the fault run)."""
    hotel, _ = await setup(rooms=1)
    reservations = hotel.reservations
    take = reservations._take_every_night

    async def janitor_first(holder, room_type, holds, block):
        [pending] = await hotel.repository.reservations.find({"status": "pending"}).to_list(None)
        await reservations.repair(pending)  # finds no hold yet, discards the booking
        await take(holder, room_type, holds, block)

    reservations._take_every_night = janitor_first  # type: ignore[method-assign]
    with pytest.raises(Conflict, match="abandoned"):
        await hotel.book(room_type="tiny", arrival="2027-03-10", departure="2027-03-12")
    assert await hotel.sold("tiny", MARCH_10, 2) == {"2027-03-10": 0, "2027-03-11": 0}


async def test_a_redelivered_check_out_gives_back_what_a_cut_first_copy_left_held() -> None:
    """The 10,000-journey fault run: while the broker was killed, a handler was cut after
    the booking was marked checked out and before its nights went back. The redelivered
    copy matched no booking to change and did nothing, so the night stayed sold until the
    janitor judged the (living) owner's work stale, 5 minutes later: 9 journeys could not
    book tonight's last deluxe rooms for 300 s. The copy must finish the settlement."""
    hotel, follower = await setup(rooms=1)
    booked = await hotel.book(room_type="tiny", arrival="2027-03-10", departure="2027-03-13")
    await follower.checked_in(checked_in("stay-1", booked["_id"], "2027-03-10", "2027-03-13"))
    left_early = checked_out("stay-1", booked["_id"], "2027-03-10", "2027-03-10")

    settle = hotel.reservations._settle_inventory

    async def cut(reservation):
        raise asyncio.CancelledError  # the broker went away mid-handler

    hotel.reservations._settle_inventory = cut
    with pytest.raises(asyncio.CancelledError):
        await follower.checked_out(left_early)
    hotel.reservations._settle_inventory = settle
    assert (await hotel.repository.get(booked["_id"]))["status"] == "checked_out"
    assert await hotel.sold("tiny", MARCH_10, 3) == dict.fromkeys(
        ["2027-03-10", "2027-03-11", "2027-03-12"], 1
    )

    await follower.checked_out(left_early)  # the broker's redelivery of the same message
    assert await hotel.sold("tiny", MARCH_10, 3) == dict.fromkeys(
        ["2027-03-10", "2027-03-11", "2027-03-12"], 0
    )
    assert (await hotel.repository.get(booked["_id"]))["inventory_settled"] is True
