"""Reservation use cases in-process on the embedded store, with a clock the test moves:
amendments, policies, blocks, the janitor, erasure."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from services.reservation.blocks import BlockCreate
from services.reservation.domain import ReservationUpdate, reservation_holder
from services.reservation.policies import RatePlanUpsert
from services.reservation.reports import Reports, ReservationSearch
from services.reservation.workers import AbandonedBookingJanitor, BlockReleaser
from shared.errors import Conflict, Unprocessable
from shared.events import GuestAnonymized, GuestAnonymizedPayload
from tests.integration.reservation_harness import Clock, booking, office

MARCH_10 = date(2027, 3, 10)


async def test_an_amendment_moves_the_nights_and_keeps_the_booking_when_the_new_ones_are_full() -> (
    None
):
    hotel = await office()
    await hotel.room_type("tiny", rooms=1)
    await hotel.room_type("other", rooms=1)
    mine = await hotel.book(room_type="tiny", arrival="2027-03-10", departure="2027-03-12")
    await hotel.book(number=2, room_type="other", arrival="2027-03-11", departure="2027-03-12")

    # Extending over the night already held keeps the held one (no double count).
    amended = await hotel.reservations.amend_reservation(
        mine["_id"], ReservationUpdate(departure=date(2027, 3, 13))
    )
    assert amended["version"] == 2 and amended["total_amount"] == "1500.00"
    assert await hotel.sold("tiny", MARCH_10, 3) == {
        "2027-03-10": 1,
        "2027-03-11": 1,
        "2027-03-12": 1,
    }

    # Moving to a full room type is refused and the guest keeps every night.
    with pytest.raises(Conflict):
        await hotel.reservations.amend_reservation(
            mine["_id"], ReservationUpdate(room_type="other")
        )
    assert (await hotel.repository.get(mine["_id"]))["room_type"] == "tiny"
    assert await hotel.sold("tiny", MARCH_10, 3) == {
        "2027-03-10": 1,
        "2027-03-11": 1,
        "2027-03-12": 1,
    }
    assert await hotel.sold("other", MARCH_10, 3) == {
        "2027-03-10": 0,
        "2027-03-11": 1,
        "2027-03-12": 0,
    }

    # Shortening gives the dropped nights back.
    await hotel.reservations.amend_reservation(
        mine["_id"], ReservationUpdate(arrival=date(2027, 3, 11), departure=date(2027, 3, 12))
    )
    assert await hotel.sold("tiny", MARCH_10, 3) == {
        "2027-03-10": 0,
        "2027-03-11": 1,
        "2027-03-12": 0,
    }


async def test_cancellation_is_free_until_the_deadline_then_late_fee_and_refund_recorded() -> None:
    clock = Clock(datetime(2027, 3, 1, 12, tzinfo=UTC))
    hotel = await office(clock)
    await hotel.setup.save_rate_plan(
        "flex-deposit",
        RatePlanUpsert(
            name="Flexible with deposit",
            deposit={"kind": "percent", "percent": "50"},
            cancellation={"free_until_hours_before": 48, "late_fee": {"kind": "first_night"}},
        ),
    )
    payment = {"method": "card", "token": "tok_visa_4f9a8b7c"}
    early = await hotel.book(rate_plan="flex-deposit", payment=payment)  # 2 nights of king
    late = await hotel.book(number=2, rate_plan="flex-deposit", payment=payment)
    assert early["deposit_paid"] == "560.00"  # half of 2 nights of king at 560.00
    # 48 hours before 14:00 at the hotel (UTC+8) on the arrival day
    assert early["cancellation_deadline"] == "2027-03-08T06:00:00+00:00"
    assert early["payment"]["token_masked"].endswith("8b7c")
    assert "tok_visa" not in early["payment"]["token_encrypted"]

    cancelled = await hotel.reservations.cancel_reservation(early["_id"], "plans changed")
    assert cancelled["cancellation"]["fee"] == "0.00"
    assert cancelled["cancellation"]["refund"] == "560.00"

    clock.now = datetime(2027, 3, 9, 8, tzinfo=UTC)  # inside 48 hours
    cancelled = await hotel.reservations.cancel_reservation(late["_id"])
    assert (cancelled["cancellation"]["fee"], cancelled["cancellation"]["refund"]) == (
        "560.00",
        "0.00",
    )
    assert await hotel.sold("king", MARCH_10, 2) == {"2027-03-10": 0, "2027-03-11": 0}
    with pytest.raises(Conflict):
        await hotel.reservations.cancel_reservation(late["_id"])

    with pytest.raises(Unprocessable, match="deposit"):  # a deposit needs a guarantee
        await hotel.book(number=3, rate_plan="flex-deposit")


async def test_a_no_show_is_marked_after_the_arrival_day_with_its_fee_and_the_nights_freed() -> (
    None
):
    clock = Clock(datetime(2027, 3, 1, tzinfo=UTC))
    hotel = await office(clock)
    reservation = await hotel.book()
    clock.now = datetime(2027, 3, 10, 15, 59, tzinfo=UTC)  # 23:59 at the hotel
    with pytest.raises(Conflict):
        await hotel.reservations.mark_no_show(reservation["_id"])
    clock.now = datetime(2027, 3, 10, 16, 1, tzinfo=UTC)  # 00:01 on the 11th at the hotel
    marked = await hotel.reservations.mark_no_show(reservation["_id"])
    assert marked["status"] == "no_show" and marked["no_show"]["fee"] == "560.00"
    assert await hotel.sold("king", MARCH_10, 2) == {"2027-03-10": 0, "2027-03-11": 0}


async def test_a_block_holds_its_allotment_sells_pickups_at_contract_rate_releases_rest() -> None:
    clock = Clock(datetime(2027, 2, 1, tzinfo=UTC))
    hotel = await office(clock)
    await hotel.room_type("twin", rooms=5)
    block, _ = await hotel.blocks.create_block(
        BlockCreate(
            name="Acme sales meeting",
            company="Acme",
            kind="corporate",
            room_type="twin",
            start=MARCH_10,
            end=date(2027, 3, 12),
            rooms_per_night=3,
            nightly_rate="420.00",
            release_date=date(2027, 3, 1),
        )
    )
    assert await hotel.sold("twin", MARCH_10, 2) == {"2027-03-10": 3, "2027-03-11": 3}

    picked = await hotel.book(room_type="twin", block_id=block["_id"], channel="corporate")
    assert picked["total_amount"] == "840.00"
    assert await hotel.sold("twin", MARCH_10, 2) == {"2027-03-10": 3, "2027-03-11": 3}
    for number in range(2):  # two general rooms are left beside the block
        await hotel.book(number=10 + number, room_type="twin")
    with pytest.raises(Conflict):
        await hotel.book(number=12, room_type="twin")

    releaser = BlockReleaser(hotel.blocks, poll_seconds=60)
    assert await releaser.work_once() == 0  # not yet the release date
    clock.now = datetime(2027, 3, 1, 0, 5, tzinfo=UTC)
    assert await releaser.work_once() == 1
    assert await releaser.work_once() == 0  # once
    nights = (await hotel.blocks.get_block(block["_id"]))["nights"]
    assert nights["2027-03-10"] == {"allotted": 3, "picked_up": 1, "held": 0}
    assert await hotel.sold("twin", MARCH_10, 2) == {"2027-03-10": 3, "2027-03-11": 3}
    await hotel.book(number=20, room_type="twin")  # a released room is on general sale
    assert await hotel.sold("twin", MARCH_10, 2) == {"2027-03-10": 4, "2027-03-11": 4}


async def test_the_janitor_frees_the_nights_of_a_booking_whose_process_died() -> None:
    clock = Clock(datetime(2027, 3, 1, tzinfo=UTC))
    hotel = await office(clock)
    await hotel.room_type("tiny", rooms=1)
    # A process died after taking one night of two: pending, one hold.
    request = booking(room_type="tiny")
    document = hotel.reservations._new_document(
        request,
        await hotel.repository.room_type("tiny"),
        await hotel.repository.rate_plan("bar"),
        None,
        None,
    )
    document["guest_id"] = "g-1"
    await hotel.repository.insert_pending(document)
    await hotel.repository.inventory.resize(
        ("tiny", "2027-03-10"), reservation_holder(document["_id"]), 0, 1, capacity=1
    )
    with pytest.raises(Conflict):
        await hotel.book(number=2, room_type="tiny")

    janitor = AbandonedBookingJanitor(hotel.reservations, poll_seconds=30, stale_minutes=5)
    assert await janitor.work_once() == 0  # not stale yet
    clock.advance(minutes=6)
    assert await janitor.work_once() == 1
    assert await hotel.repository.any_state(document["_id"]) is None
    assert await hotel.sold("tiny", MARCH_10, 2) == {"2027-03-10": 0, "2027-03-11": 0}
    await hotel.book(number=2, room_type="tiny")


async def test_erasure_removes_names_and_contact_but_keeps_amounts_and_dates() -> None:
    hotel = await office()
    reservation = await hotel.book(
        booker={"first_name": "Ann", "last_name": "Assistant", "email": "ann@example.com"},
        special_requests=["quiet", "bed: twin, allergic to feathers after surgery"],
    )
    other = await hotel.book(number=2)
    event = GuestAnonymized.new(
        GuestAnonymizedPayload(guest_id=reservation["guest_id"], requested_at=datetime.now(UTC)),
        producer="loyalty",
        property_id="demo-hotel",
    )
    await hotel.reservations.anonymize_guest(event)
    await hotel.reservations.anonymize_guest(event)  # redelivered: no harm
    erased = await hotel.repository.get(reservation["_id"])
    assert erased["guest"] == {
        "first_name": "erased",
        "last_name": "erased",
        "email": None,
        "phone": None,
    }
    assert erased["booker"] is None
    # issue 15: the guest's own words go with them, the kinds of request stay
    assert [(r["kind"], r["detail"]) for r in erased["special_requests"]] == [
        ("quiet", None),
        ("bed", "[erased]"),
    ]
    assert "allergic" not in repr(erased)
    assert (erased["total_amount"], erased["arrival"]) == (
        reservation["total_amount"],
        "2027-03-10",
    )
    assert (await hotel.repository.get(other["_id"]))["guest"]["last_name"] == "Chen2"
    found = await Reports(hotel.repository).search(ReservationSearch(name="chen"))
    assert [r["_id"] for r in found.items] == [other["_id"]]


async def test_the_same_idempotency_key_books_once_and_refuses_another_body() -> None:
    hotel = await office()
    first, created = await hotel.reservations.create_reservation(
        booking(), idempotency_key="key-0001"
    )
    again, created_again = await hotel.reservations.create_reservation(
        booking(), idempotency_key="key-0001"
    )
    assert (created, created_again, again["_id"]) == (True, False, first["_id"])
    with pytest.raises(Unprocessable, match="different request"):
        await hotel.reservations.create_reservation(booking(adults=2), idempotency_key="key-0001")
    assert (await Reports(hotel.repository).search(ReservationSearch())).total == 1
    assert Decimal(first["total_amount"]) == Decimal("1120.00")


async def test_the_janitor_undoes_an_amendment_whose_process_died_before_it_was_saved() -> None:
    clock = Clock(datetime(2027, 3, 1, tzinfo=UTC))
    hotel = await office(clock)
    await hotel.room_type("tiny", rooms=1)
    reservation = await hotel.book(room_type="tiny")  # 10th and 11th
    # The process claimed the amendment and took the 12th, then died before saving.
    await hotel.repository.update_reservation(
        {"_id": reservation["_id"]}, {"$set": {"amendment": {"started_at": clock()}}}
    )
    await hotel.repository.inventory.resize(
        ("tiny", "2027-03-12"), reservation_holder(reservation["_id"]), 0, 1, capacity=1
    )
    with pytest.raises(Conflict):
        await hotel.reservations.cancel_reservation(reservation["_id"])

    clock.advance(minutes=6)
    janitor = AbandonedBookingJanitor(hotel.reservations, poll_seconds=30, stale_minutes=5)
    assert await janitor.work_once() == 1
    assert await janitor.work_once() == 0
    assert await hotel.sold("tiny", MARCH_10, 3) == {
        "2027-03-10": 1,
        "2027-03-11": 1,
        "2027-03-12": 0,
    }
    repaired = await hotel.repository.get(reservation["_id"])
    assert (repaired["amendment"], repaired["departure"], repaired["version"]) == (
        None,
        "2027-03-12",
        1,
    )
    await hotel.reservations.cancel_reservation(reservation["_id"])
    assert await hotel.sold("tiny", MARCH_10, 3) == {
        "2027-03-10": 0,
        "2027-03-11": 0,
        "2027-03-12": 0,
    }


async def test_reports_show_occupancy_pickup_channel_mix_cancellations_and_lead_time() -> None:
    clock = Clock(datetime(2027, 2, 8, 10, tzinfo=UTC))
    hotel = await office(clock)
    await hotel.room_type("tiny", rooms=4)
    web = await hotel.book(room_type="tiny")  # 30 days ahead, 2 nights
    clock.now = datetime(2027, 3, 5, 10, tzinfo=UTC)
    await hotel.book(
        number=2, room_type="tiny", channel="ota", arrival="2027-03-11", departure="2027-03-12"
    )  # 6 days ahead, 1 night
    phone = await hotel.book(number=3, room_type="tiny", channel="phone")  # 5 days ahead
    await hotel.reservations.cancel_reservation(phone["_id"])
    await hotel.book(number=4, room_type="tiny", arrival="2027-04-01", departure="2027-04-02")

    reports = Reports(hotel.repository)
    trends = await reports.trends(date(2027, 3, 10), date(2027, 3, 11))
    rooms = trends["occupancy"]["rooms"]
    assert trends["occupancy"]["nights"]["2027-03-10"] == {
        "sold": 1,
        "rooms": rooms,
        "percent": round(100 / rooms, 1),
    }
    assert trends["occupancy"]["room_nights_sold"] == 3
    assert trends["pickup"] == {
        "2027-02-08": {"reservations": 1, "room_nights": 2},
        "2027-03-05": {"reservations": 2, "room_nights": 3},
    }
    mix = trends["channel_mix"]
    assert {channel: m["room_nights"] for channel, m in mix.items()} == {"ota": 1, "web": 2}
    assert mix["web"]["revenue"] == Decimal(web["total_amount"])
    assert (mix["ota"]["share_percent"], mix["web"]["share_percent"]) == (33.3, 66.7)
    assert trends["cancellations"] == {
        "reservations": 3,
        "cancelled": 1,
        "no_shows": 0,
        "cancellation_percent": 33.3,
        "fees": Decimal("0.00"),
        "refunds": Decimal("0.00"),
    }
    assert trends["lead_time"] == {
        "reservations": 3,
        "average_days": 13.7,
        "median_days": 6,
        "min_days": 5,
        "max_days": 30,
    }

    found = await reports.search(
        ReservationSearch(status="confirmed", arrival_to=date(2027, 3, 31), limit=1)
    )
    assert (found.total, len(found.items)) == (2, 1)
    by_number = await reports.search(
        ReservationSearch(confirmation_number=web["confirmation_number"].lower())
    )
    assert [r["_id"] for r in by_number.items] == [web["_id"]]
    with pytest.raises(Unprocessable):
        await reports.trends(date(2027, 1, 1), date(2028, 6, 1))
