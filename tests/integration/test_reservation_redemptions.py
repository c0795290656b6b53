"""Issue 18, reservation honouring points redeemed in loyalty, in-process: a night is
worth one room's share of its rate, a voucher its value; a redelivered redemption is
honoured once; what the booking cannot use is refused (once) for loyalty to give back."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

from services.reservation.redemptions import Redemptions
from shared.events import PointsMovementPayload, PointsRedeemed
from tests.integration.reservation_harness import PROPERTY, Clock, office


def redeemed(booking: dict, entry_id: str, points: int, **what) -> PointsRedeemed:  # type: ignore[no-untyped-def]
    return PointsRedeemed.new(
        PointsMovementPayload(
            entry_id=entry_id,
            guest_id=booking["guest_id"],
            points=-points,
            reason="redeemed",
            reservation_id=booking["_id"],
            **what,
        ),
        producer="loyalty",
        property_id=PROPERTY,
    )


async def outbox_types(hotel, reservation_id: str) -> list[str]:  # type: ignore[no-untyped-def]
    stored = await hotel.repository.reservations.find_one({"_id": reservation_id})
    return [e["type"] for e in stored.get("outbox", []) if e["type"].startswith("reservation.r")]


async def test_a_redeemed_night_and_voucher_are_honoured_once_and_the_rest_refused() -> None:
    hotel = await office(Clock(datetime(2027, 3, 1, 2, tzinfo=UTC)))
    await hotel.room_type("tiny", rooms=4)
    booked = await hotel.book(
        room_type="tiny", arrival="2027-03-10", departure="2027-03-13", room_count=2, adults=2
    )
    honour = Redemptions(hotel.reservations).honour
    night = redeemed(booked, "redeem|n1", 3000, redeemed_for="night", night=date(2027, 3, 11))
    voucher = redeemed(booked, "redeem|v1", 2000, redeemed_for="voucher", voucher_value="20.00")

    assert await honour(night) == "applied"
    assert await honour(night) == "known"  # the broker delivers it again
    assert await honour(voucher) == "applied"
    same_night = redeemed(booked, "redeem|n2", 3000, redeemed_for="night", night=date(2027, 3, 11))
    assert await honour(same_night) == "refused"
    assert await honour(same_night) == "known"
    outside = redeemed(booked, "redeem|n3", 3000, redeemed_for="night", night=date(2027, 3, 20))
    assert await honour(outside) == "refused"
    too_big = redeemed(booked, "redeem|v2", 10**6, redeemed_for="voucher", voucher_value="10000")
    assert await honour(too_big) == "refused"

    after = await hotel.repository.get(booked["_id"])
    one_room_night = Decimal(after["nightly_rates"]["2027-03-11"]) / 2
    assert [r["redemption_id"] for r in after["redemptions"]] == ["redeem|n1", "redeem|v1"]
    assert Decimal(after["points_allowance"]) == one_room_night + Decimal("20.00")
    assert Decimal(after["total_amount"]) == Decimal(booked["total_amount"])  # as booked
    assert [r["reason"] for r in after["refused_redemptions"]] == [
        "2027-03-11 is already paid with points",
        "2027-03-20 is not a night of the booking",
        "a voucher of 10000 is more than the "
        f"{Decimal(booked['total_amount']) / 2 - one_room_night - Decimal('20.00')} left to pay",
    ]
    assert await outbox_types(hotel, booked["_id"]) == [
        "reservation.redemption_applied",
        "reservation.redemption_applied",
        "reservation.redemption_refused",
        "reservation.redemption_refused",
        "reservation.redemption_refused",
    ]


async def test_points_for_a_cancelled_booking_are_refused() -> None:
    hotel = await office(Clock(datetime(2027, 3, 1, 2, tzinfo=UTC)))
    await hotel.room_type("tiny", rooms=2)
    booked = await hotel.book(room_type="tiny", arrival="2027-03-10", departure="2027-03-12")
    await hotel.reservations.cancel_reservation(booked["_id"], "plans changed")
    voucher = redeemed(booked, "redeem|v1", 2000, redeemed_for="voucher", voucher_value="20.00")

    assert await Redemptions(hotel.reservations).honour(voucher) == "refused"
    after = await hotel.repository.get(booked["_id"])
    assert after.get("redemptions", []) == []
    assert after["refused_redemptions"][0]["reason"] == "the booking is cancelled"


async def test_an_amendment_dropping_a_redeemed_night_gives_its_points_back_once() -> None:
    """Issue 12: an amendment that dropped the redeemed night kept the allowance (the guest
    kept a credit for a night no longer bought). The redemption is withdrawn in the
    amendment's write, once; the voucher and a redeemed night still in the stay stay."""
    from services.reservation.domain import ReservationUpdate

    hotel = await office(Clock(datetime(2027, 3, 1, 2, tzinfo=UTC)))
    await hotel.room_type("tiny", rooms=4)
    booked = await hotel.book(room_type="tiny", arrival="2027-03-10", departure="2027-03-14")
    honour = Redemptions(hotel.reservations).honour
    for entry_id, night in (("redeem|n1", date(2027, 3, 11)), ("redeem|n2", date(2027, 3, 13))):
        what = {"redeemed_for": "night", "night": night}
        assert await honour(redeemed(booked, entry_id, 3000, **what)) == "applied"
    voucher = redeemed(booked, "redeem|v1", 2000, redeemed_for="voucher", voucher_value="20.00")
    assert await honour(voucher) == "applied"

    shorter = ReservationUpdate(departure=date(2027, 3, 13))  # the 13th is no longer bought
    await hotel.reservations.amend_reservation(booked["_id"], shorter, reason="leaves earlier")
    again = await hotel.reservations.amend_reservation(booked["_id"], shorter, reason="retry")

    after = await hotel.repository.get(booked["_id"])
    rate_11 = Decimal(after["nightly_rates"]["2027-03-11"])
    assert [r["redemption_id"] for r in after["redemptions"]] == ["redeem|n1", "redeem|v1"]
    assert Decimal(after["points_allowance"]) == rate_11 + Decimal("20.00")
    assert [r["redemption_id"] for r in again["withdrawn_redemptions"]] == ["redeem|n2"]
    stored = await hotel.repository.reservations.find_one({"_id": booked["_id"]})
    [withdrawn] = [
        json.loads(e["body"])["payload"]
        for e in stored["outbox"]
        if e["type"] == "reservation.redemption_withdrawn"
    ]
    assert (withdrawn["redemption_id"], withdrawn["points"], withdrawn["night"]) == (
        "redeem|n2",
        3000,
        "2027-03-13",
    )
    # a redemption for the dropped night now is refused (loyalty gives those back too)
    late = redeemed(booked, "redeem|n3", 3000, redeemed_for="night", night=date(2027, 3, 13))
    assert await honour(late) == "refused"
