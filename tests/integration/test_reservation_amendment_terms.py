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


async def test_a_deposit_raised_by_an_amendment_is_collected_and_reaches_the_folio() -> None:
    """A longer stay needs a larger deposit (or prepayment) under the booking's terms; the
    amendment kept the first one, so the folio credited too little and the guest owed the
    rest at the desk. The rise is charged to the guarantee and travels to the folio."""
    from decimal import Decimal

    from services.frontdesk.domain import CheckIn
    from shared.events import EVENTS_BY_TYPE
    from shared.property_setup import load_property
    from tests.integration.frontdesk_harness import FixedClock, build

    hotel = await office(Clock(datetime(2027, 3, 1, 12, tzinfo=UTC)))
    await hotel.setup.save_rate_plan(
        "saver", RatePlanUpsert(name="Prepaid saver", non_refundable=True)
    )
    await hotel.setup.save_rate_plan(
        "deposit30",
        RatePlanUpsert(name="Thirty down", deposit={"kind": "percent", "percent": "30"}),
    )
    prepaid = await hotel.book(
        rate_plan="saver", payment=PAYMENT, arrival="2027-03-10", departure="2027-03-11"
    )
    deposit = await hotel.book(
        number=2,
        rate_plan="deposit30",
        payment=PAYMENT,
        arrival="2027-03-10",
        departure="2027-03-12",
    )
    assert (prepaid["deposit_paid"], deposit["deposit_paid"]) == ("560.00", "336.00")

    longer = await hotel.reservations.amend_reservation(
        prepaid["_id"], ReservationUpdate(departure=date(2027, 3, 13))
    )  # three nights of 560.00, all prepaid
    wider = await hotel.reservations.amend_reservation(
        deposit["_id"], ReservationUpdate(departure=date(2027, 3, 15))
    )  # five nights: 30 % of 2,800.00
    assert (longer["deposit_due"], longer["deposit_paid"]) == ("1680.00", "1680.00")
    assert [c["amount"] for c in longer["deposit_collections"]] == ["1120.00"]
    assert (wider["deposit_due"], wider["deposit_paid"]) == ("840.00", "840.00")
    shorter = await hotel.reservations.amend_reservation(
        deposit["_id"], ReservationUpdate(departure=date(2027, 3, 14))
    )  # what was paid stays paid: the folio credits it
    assert (shorter["deposit_due"], shorter["deposit_paid"]) == ("672.00", "840.00")
    [amended] = (await published(hotel, prepaid["_id"], "reservation.amended"))[-1:]
    assert amended["deposit_paid"] == "1680.00"

    # The desk follows the reservation's own events and checks the guest in: the folio
    # carries the amended prepayment to the cent, and three nights settle to 0.00.
    desk_clock = FixedClock(datetime(2027, 3, 10, 7, tzinfo=UTC))  # 15:00 at the hotel
    desk = await build(load_property(), desk_clock)
    reservation = await hotel.repository.reservations.find_one({"_id": prepaid["_id"]})
    for entry in reservation["outbox"]:
        event = EVENTS_BY_TYPE[entry["type"]].model_validate(json.loads(entry["body"]))
        if entry["type"] == "reservation.created":
            await desk.projections.reservation_created(event)
        elif entry["type"] == "reservation.amended":
            await desk.projections.reservation_amended(event)
    stay = await desk.service.check_in(CheckIn(reservation_id=prepaid["_id"]))
    deposits = [p["amount"] for p in stay["payments"] if p["kind"] == "deposit"]
    assert [Decimal(a) for a in deposits] == [Decimal("1680.00")]
    desk_clock.now = datetime(2027, 3, 13, 2, tzinfo=UTC)  # 10:00 at the hotel
    settled = await desk.folio.check_out(stay["_id"])
    assert Decimal(settled["settlement"]["balance"]) == Decimal("0.00")
