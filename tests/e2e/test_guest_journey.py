"""One guest's journey over HTTP, across all five services as real processes."""

from __future__ import annotations

import asyncio

import pytest

from tests.support.bookings import web_booking
from tests.support.stack import SERVICE_NAMES, Stack, wait_until

pytestmark = pytest.mark.e2e

BOOKING = web_booking()


def test_checkout_fans_out_to_housekeeping_loyalty_and_feedback(stack: Stack) -> None:
    stack.start(*SERVICE_NAMES)
    reservation = stack.client("reservation")
    frontdesk = stack.client("frontdesk")

    stack.set_hotel_time("2027-03-01", 10)  # booked ahead, checked in on the arrival date
    booked = reservation.post("/reservations", json=BOOKING)
    assert booked.status_code == 201, booked.text
    booking = booked.json()
    assert booking["status"] == "confirmed"
    assert booking["total_amount"] == "2640.00"  # 3 nights of deluxe at 880.00

    # The desk learns of the booking from reservation.created, not from a call.
    wait_until(
        lambda: frontdesk.get("/arrivals", params={"date": "2027-03-10"}).json()["total"] == 1,
        message="the arrival on the desk's list",
    )
    stack.set_hotel_time("2027-03-10", 15)
    checked_in = frontdesk.post("/stays", json={"reservation_id": booking["id"]})
    assert checked_in.status_code == 201, checked_in.text
    stay = checked_in.json()
    assert stay["guest_id"] == booking["guest_id"]

    stack.set_hotel_time("2027-03-13", 11)  # the departure day, before the standard hour
    checked_out = frontdesk.post(f"/stays/{stay['stay_id']}/checkout")
    assert checked_out.status_code == 200, checked_out.text
    settlement = checked_out.json()
    assert (settlement["nights"], settlement["room_charges"], settlement["balance"]) == (
        3,
        "2640.00",
        "2640.00",
    )

    housekeeping, loyalty, feedback = (
        stack.client(n) for n in ("housekeeping", "loyalty", "feedback")
    )

    def stay_tasks() -> list[dict]:
        answer = housekeeping.get("/tasks", params={"stay_id": stay["stay_id"]})
        assert answer.status_code == 200, answer.text
        return answer.json()["items"]

    wait_until(stay_tasks, timeout=10, message="the departure task")
    points = wait_until(
        lambda: (
            loyalty.get(f"/guests/{booking['guest_id']}/points").json()
            if loyalty.get(f"/guests/{booking['guest_id']}/points").status_code == 200
            else None
        ),
        timeout=10,
        message="the ledger entry",
    )
    mails = wait_until(lambda: stack.smtp.messages, timeout=10, message="the survey e-mail")

    # Nothing more on its way (a duplicate would have had its effect) before counting.
    asyncio.run(stack.wait_quiet(workers=("survey-mailer",)))
    # A plain guest given a ready room at the desk: no arrival preparation, one cleaning.
    assert [task["kind"] for task in stay_tasks()] == ["departure_cleaning"]
    assert housekeeping.get(f"/rooms/{stay['room_number']}").json()["status"] == "vacant_dirty"
    assert len(loyalty.get(f"/guests/{booking['guest_id']}/points").json()["entries"]) == 1
    assert points["balance"] == 26400  # 10 points per yuan of room revenue
    assert len(stack.smtp.messages) == 1
    assert mails[0]["To"] == "mei.chen@example.com"
    assert (
        feedback.get("/surveys", params={"stay_id": stay["stay_id"]}).json()["items"][0]["status"]
        == "sent"
    )


def test_bad_input_is_refused_with_problem_details_and_nothing_written(stack: Stack) -> None:
    stack.start("reservation", "frontdesk")
    reservation = stack.client("reservation")
    before = reservation.get(
        "/availability", params={"arrival": "2027-05-01", "departure": "2027-05-03"}
    ).json()
    cases = {
        "departure before arrival": {**BOOKING, "arrival": "2027-05-03", "departure": "2027-05-01"},
        "unknown room type": {
            **BOOKING,
            "room_type": "penthouse",
            "arrival": "2027-05-01",
            "departure": "2027-05-03",
        },
        "no adults": {**BOOKING, "adults": 0},
        "400 nights": {**BOOKING, "arrival": "2027-05-01", "departure": "2028-06-04"},
        "unknown field": {**BOOKING, "discount": "100%"},
        "bad e-mail": {**BOOKING, "guest": {**BOOKING["guest"], "email": "not-an-address"}},
    }
    for case, body in cases.items():
        response = reservation.post("/reservations", json=body)
        assert response.status_code == 422, (case, response.text)
        assert response.headers["content-type"] == "application/problem+json", case
        assert response.json()["detail"], case

    after = reservation.get(
        "/availability", params={"arrival": "2027-05-01", "departure": "2027-05-03"}
    ).json()
    assert after == before

    frontdesk = stack.client("frontdesk")
    assert frontdesk.post("/stays", json={"reservation_id": "nope"}).status_code == 404
    assert frontdesk.post("/stays/nope/checkout").status_code == 404
    assert reservation.get("/reservations/nope").status_code == 404


def test_the_last_room_goes_to_one_booking_and_the_next_is_refused(stack: Stack) -> None:
    stack.start("reservation")
    reservation = stack.client("reservation")
    suite = {**BOOKING, "room_type": "suite", "arrival": "2027-07-01", "departure": "2027-07-03"}
    for number in range(4):  # the demo hotel has four suites
        guest = {**BOOKING["guest"], "email": f"suite{number}@example.com"}
        assert reservation.post("/reservations", json={**suite, "guest": guest}).status_code == 201
    refused = reservation.post("/reservations", json=suite)
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    left = reservation.get(
        "/availability", params={"arrival": "2027-07-01", "departure": "2027-07-03"}
    ).json()
    assert left["room_types"]["suite"]["rooms_left"] == 0
