"""Issue 18, reservation's side of a walk, in-process: the desk's `arrival.walked`,
delivered twice, closes the booking once and gives its nights back once; a walk that
arrives after the guest cancelled changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime

from services.reservation.walks import WalkedGuests
from shared.events import ArrivalWalked, ArrivalWalkedPayload
from tests.integration.reservation_harness import PROPERTY, Clock, office

MARCH_10 = date(2027, 3, 10)


def walked(reservation_id: str) -> ArrivalWalked:
    return ArrivalWalked.new(
        ArrivalWalkedPayload(
            reservation_id=reservation_id,
            guest_id="g",
            arrival=MARCH_10,
            nights=2,
            partner_hotel="Harbour View Hotel",
            walked_at=datetime(2027, 3, 10, 11, tzinfo=UTC),
        ),
        producer="frontdesk",
        property_id=PROPERTY,
    )


async def test_a_redelivered_walk_closes_the_booking_and_frees_its_nights_once() -> None:
    hotel = await office(Clock(datetime(2027, 3, 1, 2, tzinfo=UTC)))
    await hotel.room_type("tiny", rooms=2)
    booked = await hotel.book(room_type="tiny", arrival="2027-03-10", departure="2027-03-12")
    other = await hotel.book(room_type="tiny", arrival="2027-03-10", departure="2027-03-12")
    walks = WalkedGuests(hotel.reservations)
    event = walked(booked["_id"])

    await walks.follow(event)
    await walks.follow(event)  # the broker delivers it again

    after = await hotel.repository.get(booked["_id"])
    assert after["status"] == "walked"
    assert after["walk"]["fee"] == "0.00" and after["walk"]["nights"] == 2
    assert after["inventory_settled"] is True
    # one room given back on each night, not two: the other booking still holds its own
    assert await hotel.sold("tiny", MARCH_10, 2) == {"2027-03-10": 1, "2027-03-11": 1}
    assert (await hotel.repository.get(other["_id"]))["status"] == "confirmed"
    stored = await hotel.repository.reservations.find_one({"_id": booked["_id"]})
    walked_events = [e for e in stored["outbox"] if e["type"] == "reservation.walked"]
    assert len(walked_events) == 1


async def test_a_walk_after_the_guest_cancelled_changes_nothing() -> None:
    hotel = await office(Clock(datetime(2027, 3, 1, 2, tzinfo=UTC)))
    await hotel.room_type("tiny", rooms=2)
    booked = await hotel.book(room_type="tiny", arrival="2027-03-10", departure="2027-03-12")
    await hotel.reservations.cancel_reservation(booked["_id"], "plans changed")

    assert await WalkedGuests(hotel.reservations).follow(walked(booked["_id"])) is None

    after = await hotel.repository.get(booked["_id"])
    assert after["status"] == "cancelled" and "walk" not in after
    assert await hotel.sold("tiny", MARCH_10, 2) == {"2027-03-10": 0, "2027-03-11": 0}
