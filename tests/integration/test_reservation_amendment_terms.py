"""Issue 12: amendments follow the rate plan's terms. A non-refundable prepaid 5-night
booking (2,800.00) could be amended to 1 night for free and cancelled with 2,240.00
refunded; a refundable one could be shortened after its deadline for nothing. And the
amended event carries the whole record (requests, room count, guest name, money)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from services.reservation.domain import ReservationUpdate
from services.reservation.policies import RatePlanUpsert
from tests.integration.reservation_harness import Clock, office

PAYMENT = {"method": "card", "token": "tok_visa_4f9a8b7c"}


async def published(hotel, reservation_id: str, event_type: str) -> list[dict]:
    reservation = await hotel.repository.reservations.find_one({"_id": reservation_id})
    return [
        json.loads(e["body"])["payload"]
        for e in reservation.get("outbox", [])
        if e["type"] == event_type
    ]


async def test_a_non_refundable_stay_stays_non_refundable_through_an_amendment() -> None:
    hotel = await office(Clock(datetime(2027, 3, 1, 12, tzinfo=UTC)))
    await hotel.setup.save_rate_plan(
        "saver", RatePlanUpsert(name="Prepaid saver", non_refundable=True)
    )
    booked = await hotel.book(
        rate_plan="saver", payment=PAYMENT, arrival="2027-03-10", departure="2027-03-15"
    )  # 5 x 560.00
    assert (booked["total_amount"], booked["deposit_paid"]) == ("2800.00", "2800.00")
    [created] = await published(hotel, booked["_id"], "reservation.created")
    assert (created["deposit_paid"], created["non_refundable"]) == ("2800.00", True)

    amended = await hotel.reservations.amend_reservation(
        booked["_id"], ReservationUpdate(departure=date(2027, 3, 11))
    )  # one night left
    assert amended["total_amount"] == "560.00"
    assert amended["amendment_fees"] == "2240.00"  # the nights given up stay paid
    cancelled = await hotel.reservations.cancel_reservation(booked["_id"])
    assert (cancelled["cancellation"]["fee"], cancelled["cancellation"]["refund"]) == (
        "560.00",
        "0.00",
    )  # was 2,240.00 refunded


async def test_a_refundable_stay_shortened_after_its_deadline_pays_the_late_fee() -> None:
    clock = Clock(datetime(2027, 3, 1, 12, tzinfo=UTC))
    hotel = await office(clock)
    await hotel.setup.save_rate_plan(
        "flex",
        RatePlanUpsert(
            name="Flexible",
            cancellation={"free_until_hours_before": 48, "late_fee": {"kind": "first_night"}},
        ),
    )
    free = await hotel.book(rate_plan="flex", arrival="2027-03-10", departure="2027-03-13")
    late = await hotel.book(
        number=2, rate_plan="flex", arrival="2027-03-10", departure="2027-03-13"
    )
    before = await hotel.reservations.amend_reservation(
        free["_id"], ReservationUpdate(departure=date(2027, 3, 12))
    )
    clock.now = datetime(2027, 3, 9, 8, tzinfo=UTC)  # inside 48 hours of arrival
    after = await hotel.reservations.amend_reservation(
        late["_id"], ReservationUpdate(departure=date(2027, 3, 12))
    )
    grown = await hotel.reservations.amend_reservation(  # a longer stay costs no fee
        late["_id"], ReservationUpdate(departure=date(2027, 3, 14))
    )
    assert (before["amendment_fees"], after["amendment_fees"], grown["amendment_fees"]) == (
        "0.00",
        "560.00",
        "560.00",
    )


async def test_the_amended_event_carries_the_whole_changed_record() -> None:
    hotel = await office()
    booked = await hotel.book(special_requests=["quiet"])
    await hotel.reservations.amend_reservation(
        booked["_id"],
        ReservationUpdate.model_validate(
            {
                "special_requests": ["bed: twin", "celebration: anniversary"],
                "room_count": 2,
                "adults": 2,
                "guest": {"first_name": "Mei", "last_name": "Lin", "email": "mei@example.com"},
            }
        ),
    )
    [amended] = await published(hotel, booked["_id"], "reservation.amended")
    assert amended["special_requests"] == ["bed: twin", "celebration: anniversary"]
    assert (amended["room_count"], amended["guest_name"]) == (2, "Mei Lin")
    assert amended["total_amount"] == "2240.00"  # two rooms, two nights


async def test_bookings_follow_a_loyalty_merge() -> None:
    from shared.events import GuestMerged, GuestMergedPayload

    hotel = await office()
    first = await hotel.book()
    await hotel.reservations.follow_merge(
        GuestMerged.new(
            GuestMergedPayload(
                surviving_guest_id="guest-main", merged_guest_ids=[first["guest_id"]]
            ),
            producer="loyalty",
            property_id="demo-hotel",
        )
    )
    assert (await hotel.repository.get(first["_id"]))["guest_id"] == "guest-main"
    again = await hotel.book(arrival="2027-04-01", departure="2027-04-02")  # same e-mail
    assert again["guest_id"] == "guest-main"
