"""Issue 18 (seed 002) over HTTP and the broker, reservation and front desk as real
processes: the booker's confirmation (e-mail to the SMTP sink, SMS to the local gateway),
reconfirmation of a tentative booking, the room assignment notice before arrival (the
desk's room.assigned reaches reservation), the registration details after check-in, the
guest's opinion asked at check-out; a cancelled guaranteed booking refunded through the
local payment provider; the CSV export.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.support.bookings import MEI_CHEN
from tests.support.stack import Stack, wait_until

pytestmark = pytest.mark.e2e

GUEST = dict(MEI_CHEN)
BOOKING = {
    "guest": GUEST,
    "room_type": "king",
    "arrival": "2027-03-10",
    "departure": "2027-03-12",
    "adults": 1,
    "channel": "phone",
    "expected_arrival_time": "16:30",
    "tentative": True,
}


def text_of(mail) -> str:  # type: ignore[no-untyped-def]
    return mail.get_payload(decode=True).decode()


def lines(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_letters_go_once_each_and_a_refund_is_paid_once(stack: Stack, tmp_path: Path) -> None:
    sms_log, payments_log = tmp_path / "sms.log", tmp_path / "payments.log"
    stack.start(
        "reservation",
        "frontdesk",
        GUEST_LETTERS_ENABLED="true",
        LETTER_POLL_SECONDS="0.3",
        REFUND_POLL_SECONDS="0.3",
        SMS_LOG_PATH=str(sms_log),
        PAYMENTS_LOG_PATH=str(payments_log),
    )
    reservation, desk = stack.client("reservation"), stack.client("frontdesk")
    stack.set_hotel_time("2027-03-01", 10)

    def mails(subject_part: str) -> list:
        return [m for m in stack.smtp.messages if subject_part in str(m["Subject"])]

    booked = reservation.post("/reservations", json=BOOKING)
    assert booked.status_code == 201, booked.text
    booking = booked.json()
    assert booking["tentative"] and booking["expected_arrival_time"] == "16:30:00"
    number = booking["confirmation_number"]
    [confirmation] = wait_until(lambda: mails(f"booking {number} confirmed"), message="confirm")
    assert confirmation["To"] == GUEST["email"]
    body = text_of(confirmation)
    assert "expected at 16:30" in body and "please reconfirm it by" in body

    reconfirmed = reservation.post(f"/reservations/{booking['id']}/reconfirm")
    assert reconfirmed.status_code == 200 and reconfirmed.json()["tentative"] is False
    wait_until(lambda: mails(f"booking {number} reconfirmed"), message="the reconfirmation")

    # The desk assigns a room the day before: the guest is sent the notice.
    wait_until(
        lambda: desk.get("/arrivals", params={"date": "2027-03-10"}).json()["total"] == 1,
        message="the arrival on the desk's list",
    )
    stack.set_hotel_time("2027-03-09", 16)
    assigned = desk.post(f"/arrivals/{booking['id']}/assignment", json={})
    assert assigned.status_code == 201, assigned.text
    room = assigned.json()["room_number"]
    [notice] = wait_until(lambda: mails(f"your room {room}"), message="the room notice")
    assert f"Room number: {room}" in text_of(notice)

    stack.set_hotel_time("2027-03-10", 15)
    checked_in = desk.post("/stays", json={"reservation_id": booking["id"]})
    assert checked_in.status_code == 201, checked_in.text
    [registration] = wait_until(lambda: mails("your registration"), message="the registration")
    assert "Name: Mei Chen" in text_of(registration)

    def all_sent() -> list | None:
        items = reservation.get(f"/reservations/{booking['id']}/letters").json()["items"]
        return items if len(items) == 4 and all(i["status"] == "sent" for i in items) else None

    letters = wait_until(all_sent, message="four letters sent")
    assert sorted(item["kind"] for item in letters) == [
        "assignment",
        "confirmation",
        "reconfirmed",
        "registration",
    ]
    assert all(sorted(item["sent_channels"]) == ["email", "sms"] for item in letters)
    assert len(stack.smtp.messages) == 4  # one of each, every one to the guest

    # At check-out the desk asks the guest's opinion, once (seed 000 一(四)).
    stack.set_hotel_time("2027-03-12", 10)
    stay_id = checked_in.json()["stay_id"]
    assert desk.post(f"/stays/{stay_id}/checkout").status_code == 200
    opinion = {"score": 4, "comment": "quiet room", "taken_by": "desk-1"}
    asked = desk.post(f"/stays/{stay_id}/opinion", json=opinion)
    again = desk.post(f"/stays/{stay_id}/opinion", json={**opinion, "score": 1})
    assert asked.status_code == 201 and again.json()["score"] == 4
    wait_until(
        lambda: reservation.get(f"/reservations/{booking['id']}").json()["status"] == "checked_out",
        message="the booking follows its stay out",
    )
    texts = lines(sms_log)
    assert len(texts) == 4 and all(t["to"].endswith("5678") for t in texts)
    assert not any("1234 5678" in t["to"] for t in texts)

    # A guaranteed booking cancelled before its deadline: the deposit goes back, once.
    plan = reservation.put(
        "/rate-plans/guaranteed",
        json={"name": "Guaranteed", "deposit": {"kind": "first_night"}},
    )
    assert plan.status_code == 200, plan.text
    stack.set_hotel_time("2027-03-01", 11)
    second = reservation.post(
        "/reservations",
        json={
            **BOOKING,
            "tentative": False,
            "guest": {**GUEST, "email": "li@example.com", "phone": None},
            "rate_plan": "guaranteed",
            "payment": {"method": "card", "token": "tok_visa_abcd9876"},
        },
    ).json()
    cancelled = reservation.post(
        f"/reservations/{second['id']}/cancel", json={"reason": "trip postponed"}
    ).json()
    refund = cancelled["cancellation"]["refund"]
    assert refund == second["deposit_paid"] != "0"
    paid = wait_until(
        lambda: (
            (reservation.get(f"/reservations/{second['id']}").json()["refund_payment"] or {}).get(
                "status"
            )
            == "paid"
        ),
        message="the refund paid",
    )
    assert paid
    [payment] = lines(payments_log)
    assert (payment["refund_id"], payment["amount"]) == (f"refund-{second['id']}", refund)
    assert payment["token"].endswith("9876") and "tok_visa" not in payment["token"]

    export = reservation.get(
        "/exports/reservations.csv", params={"from": "2027-03-10", "to": "2027-03-10"}
    )
    assert export.status_code == 200
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert {(r["confirmation_number"], r["status"]) for r in rows} == {
        (number, "checked_out"),
        (second["confirmation_number"], "cancelled"),
    }
    assert [r["refund_status"] for r in rows if r["status"] == "cancelled"] == ["paid"]
    assert GUEST["email"] not in export.text
