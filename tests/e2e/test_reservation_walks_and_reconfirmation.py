"""Issue 18 over HTTP and the real broker, reservation and front desk as processes:

- a booked guest the desk walks to a partner hotel (seed 002 10.3): reservation learns it
  from `arrival.walked`, marks the booking walked, puts its nights back on sale, charges
  no no-show fee and refunds the deposit once;
- a tentative booking reconfirmed (1.2.2(2)): `reservation.reconfirmed` makes it firm on
  the desk's arrivals list.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.stack import Stack, wait_until

pytestmark = pytest.mark.e2e

GUEST = {"first_name": "Mei", "last_name": "Chen", "email": "mei.chen@example.com"}
BOOKING = {
    "guest": GUEST,
    "room_type": "king",
    "arrival": "2027-03-10",
    "departure": "2027-03-12",
    "adults": 1,
    "channel": "phone",
}
WALK = {
    "partner_hotel": "Harbour View Hotel",
    "nights": 2,
    "room_cost": "1200.00",
    "transport_cost": "80.00",
    "reason": "two king rooms out of order after a leak",
}
NIGHTS = {"arrival": "2027-03-10", "departure": "2027-03-12"}


def refunds(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def kings_left(reservation) -> dict[str, int]:  # type: ignore[no-untyped-def]
    rooms = reservation.get("/availability", params=NIGHTS).json()["room_types"]
    return rooms["king"]["nights"]


def arrival_on_list(desk, reservation_id: str) -> dict | None:  # type: ignore[no-untyped-def]
    items = desk.get("/arrivals", params={"date": "2027-03-10"}).json()["items"]
    return next((a for a in items if a["reservation_id"] == reservation_id), None)


async def test_a_walked_guest_frees_the_nights_pays_no_fee_and_gets_the_deposit_back(
    stack: Stack, tmp_path: Path
) -> None:
    payments_log = tmp_path / "payments.log"
    stack.start(
        "reservation",
        "frontdesk",
        REFUND_POLL_SECONDS="0.3",
        PAYMENTS_LOG_PATH=str(payments_log),
    )
    reservation, desk = stack.client("reservation"), stack.client("frontdesk")
    stack.set_hotel_time("2027-03-01", 10)
    plan = reservation.put(
        "/rate-plans/guaranteed", json={"name": "Guaranteed", "deposit": {"kind": "first_night"}}
    )
    assert plan.status_code == 200, plan.text
    booked = reservation.post(
        "/reservations",
        json={
            **BOOKING,
            "rate_plan": "guaranteed",
            "payment": {"method": "card", "token": "tok_visa_abcd9876"},
        },
    )
    assert booked.status_code == 201, booked.text
    booking = booked.json()
    assert booking["deposit_paid"] != "0"
    left_while_booked = kings_left(reservation)
    wait_until(lambda: arrival_on_list(desk, booking["id"]), message="the arrival at the desk")

    # Arrival evening, no king room to give: the desk walks the guest (twice: a retry).
    stack.set_hotel_time("2027-03-10", 19)
    walked = desk.post(f"/arrivals/{booking['id']}/walk", json=WALK)
    again = desk.post(f"/arrivals/{booking['id']}/walk", json=WALK)
    assert walked.status_code == 201, walked.text
    assert again.json() == walked.json()

    followed = wait_until(
        lambda: (
            r
            if (r := reservation.get(f"/reservations/{booking['id']}").json())["status"] == "walked"
            else None
        ),
        message="reservation follows the walk",
    )
    assert followed["walk"]["partner_hotel"] == "Harbour View Hotel"
    assert followed["walk"]["fee"] == "0.00"
    assert followed["walk"]["refund"] == booking["deposit_paid"]
    assert followed["no_show"] is None and followed["cancellation"] is None
    # The nights go back just after the status is written (service.close): wait for them.
    expected_left = {night: left + 1 for night, left in left_while_booked.items()}
    left_after = wait_until(
        lambda: left if (left := kings_left(reservation)) == expected_left else None,
        message="the walked booking's nights back on sale",
    )

    # No no-show fee later: a walked booking is not confirmed any more.
    stack.set_hotel_time("2027-03-11", 10)
    no_show = reservation.post(f"/reservations/{booking['id']}/no-show")
    assert no_show.status_code == 409, no_show.text

    wait_until(
        lambda: (
            (reservation.get(f"/reservations/{booking['id']}").json()["refund_payment"] or {}).get(
                "status"
            )
            == "paid"
        ),
        message="the deposit refunded",
    )
    await stack.wait_quiet()
    [refund] = refunds(payments_log)  # exactly once, though the desk was asked twice
    assert (refund["refund_id"], refund["amount"]) == (
        f"refund-{booking['id']}",
        booking["deposit_paid"],
    )
    assert kings_left(reservation) == left_after  # the duplicate walk gave nothing back twice


def test_a_reconfirmed_booking_shows_as_firm_on_the_desks_arrivals(stack: Stack) -> None:
    stack.start("reservation", "frontdesk")
    reservation, desk = stack.client("reservation"), stack.client("frontdesk")
    stack.set_hotel_time("2027-03-01", 10)
    booked = reservation.post("/reservations", json={**BOOKING, "tentative": True})
    assert booked.status_code == 201, booked.text
    booking = booked.json()
    listed = wait_until(lambda: arrival_on_list(desk, booking["id"]), message="the arrival")
    assert listed["tentative"] is True and listed["reconfirmed_at"] is None

    reconfirmed = reservation.post(f"/reservations/{booking['id']}/reconfirm")
    assert reconfirmed.status_code == 200, reconfirmed.text
    firm = wait_until(
        lambda: a if (a := arrival_on_list(desk, booking["id"]))["reconfirmed_at"] else None,
        message="the desk learns of the reconfirmation",
    )
    assert firm["tentative"] is False
    assert firm["status"] == "expected"
