"""One guest's whole journey as the guest lives it (issue 18), all five services as
processes: the booking confirmation in the SMTP sink, the room notice the day before
arrival, the opinion asked at check-out, the thank-you after the stay, the card for a
guest who celebrated, and the Mid-Autumn greeting on its date by e-mail and by SMS, each
received exactly once (injected property clock)."""

from __future__ import annotations

import json
from email.header import decode_header, make_header

import pytest

from tests.support.bookings import web_booking
from tests.support.stack import SERVICE_NAMES, Stack, wait_until

pytestmark = pytest.mark.e2e

BOOKING = web_booking(
    arrival="2027-09-10", departure="2027-09-13", special_requests=["celebration: anniversary"]
)


def subject_of(message) -> str:
    """The decoded subject (the festival's carries Chinese, so it travels RFC 2047-encoded)."""
    return str(make_header(decode_header(message["Subject"])))


def subjects(stack: Stack) -> list[str]:
    return [subject_of(message) for message in stack.smtp.messages]


def texts(stack: Stack) -> list[dict]:
    path = stack.work_dir / "sms.log"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]


def test_confirmation_notice_opinion_thank_you_and_greeting_reach_the_guest_once_each(
    stack: Stack,
) -> None:
    for name in SERVICE_NAMES:  # one at a time: on a loaded machine five imports at once
        stack.start(  # can take longer than the readiness wait
            name,
            SMS_LOG_PATH=str(stack.work_dir / "sms.log"),
            MESSENGER_POLL_SECONDS="0.5",
            GUEST_LETTERS_ENABLED="true",  # reservation's letters to the booker and guest
            LETTER_POLL_SECONDS="0.3",
        )
    reservation, frontdesk, loyalty = (
        stack.client(n) for n in ("reservation", "frontdesk", "loyalty")
    )
    stack.set_hotel_time("2027-08-01", 10)
    booked = reservation.post("/reservations", json=BOOKING)
    assert booked.status_code == 201, booked.text
    booking = booked.json()
    guest_id = booking["guest_id"]
    confirmation = f"booking {booking['confirmation_number']} confirmed"
    wait_until(
        lambda: any(confirmation in subject for subject in subjects(stack)),
        message="the booking confirmation",
    )

    # The guest opts in to greetings on the web form; loyalty holds that consent.
    wait_until(
        lambda: loyalty.get(f"/guests/{guest_id}").status_code == 200,
        message="the guest's profile in loyalty",
    )
    consent = loyalty.patch(
        f"/guests/{guest_id}",
        json={"consents": {"marketing": {"granted": True, "source": "web"}}},
    )
    assert consent.status_code == 200, consent.text

    wait_until(
        lambda: frontdesk.get("/arrivals", params={"date": "2027-09-10"}).json()["total"] == 1,
        message="the arrival on the desk's list",
    )
    # The day before arrival the desk assigns the room: the guest is sent its notice.
    stack.set_hotel_time("2027-09-09", 16)
    assigned = frontdesk.post(f"/arrivals/{booking['id']}/assignment", json={})
    assert assigned.status_code == 201, assigned.text
    notice = f"your room {assigned.json()['room_number']}"
    wait_until(
        lambda: any(notice in subject for subject in subjects(stack)),
        message="the room notice before arrival",
    )
    stack.set_hotel_time("2027-09-10", 15)
    checked_in = frontdesk.post("/stays", json={"reservation_id": booking["id"]})
    assert checked_in.status_code == 201, checked_in.text
    stay = checked_in.json()
    assert stay["room_number"] == assigned.json()["room_number"]
    stack.set_hotel_time("2027-09-13", 11)
    checked_out = frontdesk.post(f"/stays/{stay['stay_id']}/checkout")
    assert checked_out.status_code == 200, checked_out.text

    # At check-out the desk asks the guest's opinion (seed 000 一(四)), once per stay: a
    # second answer (a double click) gets back what was recorded, not a second opinion.
    opinion = {"score": 5, "comment": "A lovely anniversary"}
    asked = frontdesk.post(f"/stays/{stay['stay_id']}/opinion", json=opinion)
    assert asked.status_code == 201, asked.text
    again = frontdesk.post(f"/stays/{stay['stay_id']}/opinion", json={"score": 1})
    assert (again.json()["score"], again.json()["comment"]) == (5, "A lovely anniversary")

    thank_you = "Thank you for staying at Demo Hotel - how was it?"
    card = "Thank you for celebrating with us at Demo Hotel"
    wait_until(
        lambda: thank_you in subjects(stack) and card in subjects(stack),
        timeout=20,
        message="the thank-you and the card after the stay",
    )

    # The eve of the festival: the daily pass sends nothing.
    stack.set_hotel_time("2027-09-14", 9)
    assert loyalty.post("/admin/jobs/daily-pass").status_code == 200
    # Mid-Autumn 2027 (15th day of the 8th lunar month): the pass runs twice that day.
    stack.set_hotel_time("2027-09-15", 9)
    for _ in range(2):
        assert loyalty.post("/admin/jobs/daily-pass").status_code == 200
    greeting = "Happy Mid-Autumn Festival from Demo Hotel / 中秋快乐"
    wait_until(
        lambda: (
            greeting in subjects(stack) and any("Mid-Autumn" in t["body"] for t in texts(stack))
        ),
        timeout=20,
        message="the Mid-Autumn greeting by e-mail and SMS",
    )
    # Redeliveries and a third pass must not add a copy: run once more, then count once
    # the messenger has nothing queued.
    assert loyalty.post("/admin/jobs/daily-pass").status_code == 200
    wait_until(
        lambda: all(m["status"] != "queued" for m in loyalty.get("/messages").json()["items"]),
        timeout=20,
        message="loyalty's messages all handled",
    )
    wait_until(
        lambda: all(
            s["status"] not in ("pending", "sending")
            for s in stack.client("feedback")
            .get("/surveys", params={"stay_id": stay["stay_id"]})
            .json()["items"]
        ),
        message="the survey handled",
    )

    got = subjects(stack)
    counts = {subject: got.count(subject) for subject in (thank_you, card, greeting)}
    assert counts == {thank_you: 1, card: 1, greeting: 1}, got
    letters = {part: sum(part in subject for subject in got) for part in (confirmation, notice)}
    assert letters == {confirmation: 1, notice: 1}, got
    counts = {**letters, **counts}
    mid_autumn_texts = [t for t in texts(stack) if "Mid-Autumn" in t["body"]]
    assert len(mid_autumn_texts) == 1
    assert mid_autumn_texts[0]["to"].endswith("5678") and "139" not in mid_autumn_texts[0]["to"]
    to = {str(m["To"]) for m in stack.smtp.messages if subject_of(m) in counts}
    assert to == {"mei.chen@example.com"}
    print(f"\nafter the stay, the guest received: {counts} and {len(mid_autumn_texts)} SMS")
