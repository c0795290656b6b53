"""Issue 18 (seed 000 二(三), 001 八): a loyalty member books at the member rate, with
reservation and loyalty as processes on the real broker. Reservation never calls
loyalty: it knows the member from loyalty's guest events, and gives the rate only to the
member's own booking (the member's e-mail and name), not to anyone who types the number.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.support.stack import Stack, wait_until

pytestmark = pytest.mark.e2e

GUEST = {"first_name": "Zhou", "last_name": "Min", "email": "zhou.min@example.com"}


def booking(**fields) -> dict:  # type: ignore[no-untyped-def]
    return {
        "guest": GUEST,
        "room_type": "king",
        "arrival": "2027-06-01",
        "departure": "2027-06-03",
        "adults": 1,
        "channel": "web",
        **fields,
    }


async def test_a_member_books_at_the_member_rate_and_nobody_else_with_the_number(
    stack: Stack,
) -> None:
    stack.start("reservation", "loyalty")
    reservation, loyalty = stack.client("reservation"), stack.client("loyalty")
    stack.set_hotel_time("2027-05-01", 10)

    first = reservation.post("/reservations", json=booking()).json()
    guest_id = first["guest_id"]
    wait_until(lambda: loyalty.get(f"/guests/{guest_id}").status_code == 200, message="the profile")
    enrolled = loyalty.post(f"/guests/{guest_id}/enrolment", json={"source": "web"})
    assert enrolled.status_code == 200, enrolled.text
    number = enrolled.json()["member_number"]
    assert number

    member_booking = booking(
        member_number=number.lower(), arrival="2027-06-05", departure="2027-06-07"
    )
    booked = wait_until(
        lambda: (
            r
            if (r := reservation.post("/reservations", json=member_booking)).status_code == 201
            else None
        ),
        message="reservation knows the member from loyalty's guest event",
    )
    member = booked.json()
    assert member["guest_id"] == guest_id
    assert member["member_rate"]["member_number"] == number
    assert member["member_rate"]["percent"] == "10"
    for night, rate in member["nightly_rates"].items():
        public = Decimal(first["nightly_rates"]["2027-06-01"])
        assert Decimal(rate) == (public * Decimal("0.9")).quantize(Decimal("0.01")), night
    assert Decimal(member["total_amount"]) < Decimal(first["total_amount"])

    # An amendment keeps the member rate.
    amended = reservation.patch(
        f"/reservations/{member['id']}",
        json={"departure": "2027-06-08", "reason": "one more night"},
    )
    assert amended.status_code == 200, amended.text
    assert set(amended.json()["nightly_rates"].values()) == set(member["nightly_rates"].values())

    # Someone else with the member's number: no member rate, and told why.
    impostor = booking(
        member_number=number,
        guest={"first_name": "Li", "last_name": "Hua", "email": "li.hua@example.com"},
    )
    refused = reservation.post("/reservations", json=impostor)
    assert refused.status_code == 422, refused.text
    assert "another guest" in refused.json()["detail"]
    unknown = reservation.post("/reservations", json=booking(member_number="M0000000000"))
    assert unknown.status_code == 422 and "no member" in unknown.json()["detail"]
    await stack.wait_quiet()
