"""Issue 17: closing, reconfirming, assigning a room and claiming a booking for an
amendment write its moved aggregate (reservation_rules.py, the store's close / reconfirm
/ assign_room / claim_for_amendment / drop_amendment) under the guards they always had.
Each guard is shown refusing: a race on the interleaving store, or a write from a read
that another step overtook. The fields a writer outside the guard may move since the
read are written even when the rule left them as read."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Any

from services.reservation.assignments import AssignmentFollower
from services.reservation.domain import ReservationStatus, ReservationUpdate
from services.reservation.reservation_documents import (
    reservation_changes,
    reservation_from_document,
)
from services.reservation.reservation_rules import (
    amendment_started,
    assigned,
    closed,
    reconfirmed,
)
from services.reservation.tentative import TentativeBookings
from shared.errors import Conflict
from tests.integration.reservation_harness import Clock, Office, office

MARCH_10 = date(2027, 3, 10)
NOTHING_TO_PUBLISH: dict[str, Any] = {"outbox": {"$each": []}}


async def hotel_with_a_suite() -> Office:
    hotel = await office(Clock(datetime(2027, 3, 1, 2, tzinfo=UTC)))
    await hotel.room_type("king", rooms=3)
    await hotel.room_type("suite", rooms=2)
    return hotel


async def stored(hotel: Office, reservation_id: str) -> dict[str, Any]:
    """The document as stored, its outbox included."""
    document = await hotel.repository.reservations.find_one({"_id": reservation_id})
    assert document is not None
    return document


def published(document: dict[str, Any], event_type: str) -> int:
    return sum(1 for entry in document.get("outbox", []) if entry["type"] == event_type)


async def read(hotel: Office, reservation_id: str):
    found = await hotel.repository.get(reservation_id)
    assert found is not None
    return reservation_from_document(found)


async def test_two_cancellations_at_once_close_the_booking_once() -> None:
    hotel = await hotel_with_a_suite()
    booking = await hotel.book()
    outcomes = await asyncio.gather(
        hotel.reservations.cancel_reservation(booking["_id"], "first"),
        hotel.reservations.cancel_reservation(booking["_id"], "second"),
        return_exceptions=True,
    )
    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["Conflict", "dict"]
    document = await stored(hotel, booking["_id"])
    assert document["status"] == "cancelled" and document["version"] == booking["version"] + 1
    assert published(document, "reservation.cancelled") == 1
    assert await hotel.sold("king", MARCH_10, 2) == {"2027-03-10": 0, "2027-03-11": 0}


async def test_a_close_from_a_read_an_amendment_overtook_is_refused_and_writes_nothing() -> None:
    hotel = await hotel_with_a_suite()
    booking = await hotel.book()
    before = await read(hotel, booking["_id"])
    await hotel.reservations.amend_reservation(booking["_id"], ReservationUpdate(adults=2))
    amended = await stored(hotel, booking["_id"])
    moved = closed(
        before,
        ReservationStatus.CANCELLED,
        "cancellation",
        {"fee": "0.00", "refund": "0.00", "reason": None},
        hotel.clock(),
        None,
    )
    assert await hotel.repository.close(before, moved, NOTHING_TO_PUBLISH) is None
    assert await stored(hotel, booking["_id"]) == amended


async def test_a_close_writes_the_nights_unsettled_though_they_were_so_when_read() -> None:
    """The settling marks the nights settled without a new version, so the close's
    version guard lets its write through: `inventory_settled` must be written all the
    same, or a crash after the close would leave the cancelled nights held for good."""
    hotel = await hotel_with_a_suite()
    booking = await hotel.book()
    reservations = hotel.repository.reservations
    await reservations.update_one(
        {"_id": booking["_id"]}, {"$set": {"inventory_settled": False, "settled_by": "me"}}
    )
    before = await read(hotel, booking["_id"])
    moved = closed(
        before,
        ReservationStatus.CANCELLED,
        "cancellation",
        {"fee": "0.00", "refund": "0.00", "reason": None},
        before.updated_at or hotel.clock(),
        "me",
    )
    changes = reservation_changes(before, moved, "inventory_settled", "updated_at")
    assert {"inventory_settled", "updated_at"} <= changes.keys()
    assert "settled_by" not in changes  # as read, and its every writer moves the version
    await reservations.update_one({"_id": booking["_id"]}, {"$set": {"inventory_settled": True}})
    closed_document = await hotel.repository.close(before, moved, NOTHING_TO_PUBLISH)
    assert closed_document is not None
    assert closed_document["status"] == "cancelled"
    assert closed_document["inventory_settled"] is False  # the janitor gives the nights back


async def test_two_reconfirmations_at_once_make_the_booking_firm_once() -> None:
    hotel = await hotel_with_a_suite()
    tentative = TentativeBookings(hotel.reservations, events_written=lambda: None)
    booking = await hotel.book(tentative=True)
    first, second = await asyncio.gather(
        tentative.reconfirm(booking["_id"]), tentative.reconfirm(booking["_id"])
    )
    assert first["reconfirmed_at"] == second["reconfirmed_at"] == hotel.clock()
    document = await stored(hotel, booking["_id"])
    assert document["tentative"] is False
    assert document["letters_due"].count("reconfirmed") == 1
    assert published(document, "reservation.reconfirmed") == 1


async def test_a_reconfirmation_from_a_read_a_cancellation_overtook_is_refused() -> None:
    hotel = await hotel_with_a_suite()
    tentative = TentativeBookings(hotel.reservations, events_written=lambda: None)
    booking = await hotel.book(tentative=True)
    before = await read(hotel, booking["_id"])
    await hotel.reservations.cancel_reservation(booking["_id"])
    cancelled = await stored(hotel, booking["_id"])
    moved = reconfirmed(before, hotel.clock())
    assert await hotel.repository.reconfirm(before, moved, NOTHING_TO_PUBLISH) is None
    assert await stored(hotel, booking["_id"]) == cancelled
    try:
        await tentative.reconfirm(booking["_id"])
    except Conflict as refused:
        assert "is cancelled" in str(refused)
    else:
        raise AssertionError("a cancelled booking was reconfirmed")


async def test_an_assignment_from_a_read_an_amendment_overtook_is_refused_and_gives_back() -> None:
    hotel = await hotel_with_a_suite()
    booking = await hotel.book(room_type="king", arrival="2027-03-10", departure="2027-03-12")
    before = await read(hotel, booking["_id"])
    await hotel.reservations.amend_reservation(booking["_id"], ReservationUpdate(adults=2))
    amended = await stored(hotel, booking["_id"])
    moved = assigned(before, "stay-1", "suite", hotel.clock())
    assert await hotel.repository.assign_room(before, moved, NOTHING_TO_PUBLISH) is None
    follower = AssignmentFollower(hotel.reservations, hotel.repository.reservations.database)
    assert await follower._move(before, "stay-1", "suite") is False
    assert await stored(hotel, booking["_id"]) == amended
    assert await hotel.sold("suite", MARCH_10, 2) == {"2027-03-10": 0, "2027-03-11": 0}
    assert await hotel.sold("king", MARCH_10, 2) == {"2027-03-10": 1, "2027-03-11": 1}


async def test_a_claim_for_an_amendment_from_a_read_a_cancellation_overtook_is_refused() -> None:
    hotel = await hotel_with_a_suite()
    booking = await hotel.book()
    before = await read(hotel, booking["_id"])
    await hotel.reservations.cancel_reservation(booking["_id"])
    cancelled = await stored(hotel, booking["_id"])
    claim = amendment_started(before, hotel.clock(), "me")
    assert await hotel.repository.claim_for_amendment(before, claim) is None
    assert await stored(hotel, booking["_id"]) == cancelled


async def test_an_amendment_refused_for_want_of_a_night_lifts_its_claim() -> None:
    """The claim moves no version, so the booking read before it has no amendment either:
    lifting it is written from the booking as claimed, and the booking can be changed
    again at once (not only after the janitor's wait)."""
    hotel = await hotel_with_a_suite()
    await hotel.book(number=2, room_type="suite", arrival="2027-03-10", departure="2027-03-12")
    await hotel.book(number=3, room_type="suite", arrival="2027-03-10", departure="2027-03-12")
    booking = await hotel.book()
    try:
        await hotel.reservations.amend_reservation(
            booking["_id"], ReservationUpdate(room_type="suite")
        )
    except Conflict:
        pass
    else:
        raise AssertionError("an amendment to a full room type went through")
    document = await stored(hotel, booking["_id"])
    assert document["amendment"] is None and document["version"] == booking["version"]
    cancelled = await hotel.reservations.cancel_reservation(booking["_id"])
    assert cancelled["status"] == "cancelled"
