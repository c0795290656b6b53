"""Issue 18 (seed 002): letters to the booker and the guest, each sent once.

The reservation use cases in-process on the embedded store (tests/integration/
reservation_harness.py) with a recording mail sender and the local SMS gateway, whose
file is what a test observes."""

from __future__ import annotations

import json
from datetime import date, timedelta
from email.message import EmailMessage

import pytest

from services.reservation.domain import ReservationUpdate
from services.reservation.letters import Letters, LetterWriter
from services.reservation.tentative import NOT_RECONFIRMED, TentativeBookings
from shared.events import (
    RoomAssigned,
    RoomAssignedPayload,
    StayCheckedIn,
    StayCheckedInPayload,
)
from shared.property_setup import load_property
from shared.sms import FileSmsGateway
from tests.integration.reservation_harness import PROPERTY, Office, office


class RecordingMail:
    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []
        self.failing = False

    async def send(self, message: EmailMessage) -> None:
        if self.failing:
            raise ConnectionRefusedError("smtp down")
        self.sent.append(message)


class FlakySms(FileSmsGateway):
    failing = False

    async def send(self, message) -> None:  # type: ignore[no-untyped-def]
        if self.failing:
            raise TimeoutError("gateway timeout")
        await super().send(message)


class Post:
    def __init__(self, desk: Office, tmp_path) -> None:
        database = desk.repository.reservations.database
        self.letters = Letters(database, PROPERTY, desk.clock)
        self.mail = RecordingMail()
        self.sms = FlakySms(tmp_path / "sms.log")
        self.writer = LetterWriter(
            self.letters,
            desk.repository,
            mail=self.mail,
            sms=self.sms,
            setup=load_property(),
            hotel_name="Demo Hotel",
            mail_from="reservations@demo-hotel.example",
            clock=desk.clock,
        )

    def subjects(self) -> list[str]:
        return [str(m["Subject"]) for m in self.mail.sent]


async def desk_and_post(tmp_path) -> tuple[Office, Post]:
    desk = await office()
    post = Post(desk, tmp_path)
    await post.letters.prepare()
    return desk, post


BOOKER = {"first_name": "Li", "last_name": "Assistant", "email": "li@corp.example"}


async def test_the_booker_gets_one_confirmation_by_email_and_sms(tmp_path) -> None:
    desk, post = await desk_and_post(tmp_path)
    booked = await desk.book(
        guest={
            "first_name": "Mei",
            "last_name": "Chen",
            "email": "mei@example.com",
            "phone": "+86 138 0000 1234",
        },
        booker={**BOOKER, "phone": "+86 139 1111 5678"},
        expected_arrival_time="15:30",
        expected_departure_time="11:00",
    )
    assert await post.writer.work_once() == 1
    assert await post.writer.work_once() == 0  # once per booking, however often it runs
    [mail] = post.mail.sent
    assert mail["To"] == "li@corp.example"  # the booker, not the guest
    body = mail.get_content()
    assert booked["confirmation_number"] in mail["Subject"]
    assert "expected at 15:30" in body and "leaving at 11:00" in body
    assert "Mei Chen" in body
    [text] = post.sms.sent()
    assert text["to"].endswith("5678") and "+86 139" not in text["to"]  # masked in the log
    assert booked["confirmation_number"] in text["body"]
    [letter] = await post.letters.of_reservation(booked["_id"])
    assert (letter["status"], sorted(letter["sent_channels"])) == ("sent", ["email", "sms"])


async def test_a_guest_without_a_booker_is_written_to_and_times_travel_in_the_events(
    tmp_path,
) -> None:
    desk, post = await desk_and_post(tmp_path)
    booked = await desk.book(expected_arrival_time="22:00")
    created = await desk.repository.reservations.find_one({"_id": booked["_id"]})
    [event] = [e for e in created["outbox"] if e["type"] == "reservation.created"]
    assert json.loads(event["body"])["payload"]["expected_arrival_time"] == "22:00:00"
    amended = await desk.reservations.amend_reservation(
        booked["_id"], ReservationUpdate(expected_arrival_time="09:15")
    )
    assert amended["expected_arrival_time"] == "09:15:00"
    stored = await desk.repository.reservations.find_one({"_id": booked["_id"]})
    [change] = [e for e in stored["outbox"] if e["type"] == "reservation.amended"]
    assert json.loads(change["body"])["payload"]["expected_arrival_time"] == "09:15:00"
    assert await post.writer.work_once() == 1
    [mail] = post.mail.sent
    assert mail["To"] == "guest0@example.com"
    assert "expected at 09:15" in mail.get_content()  # the letter reads the booking as sent
    assert post.sms.sent() == []  # no phone given: e-mail only


def assigned(reservation: dict, room: str, *, ahead: bool) -> RoomAssigned:
    return RoomAssigned.new(
        RoomAssignedPayload(
            reservation_id=reservation["_id"],
            guest_id=reservation["guest_id"],
            room_number=room,
            room_type="king",
            arrival=date.fromisoformat(reservation["arrival"]),
            departure=date.fromisoformat(reservation["departure"]),
            rule="reserved_type",
            ahead_of_arrival=ahead,
        ),
        producer="frontdesk",
        property_id=PROPERTY,
    )


def king_room() -> str:
    [king] = [t for t in load_property().room_types if t.code == "king"]
    return king.rooms[0].number


async def test_the_room_assignment_notice_goes_once_before_arrival(tmp_path) -> None:
    desk, post = await desk_and_post(tmp_path)
    booked = await desk.book(guest={"first_name": "Ann", "last_name": "Ito", "email": "a@x.io"})
    await post.writer.work_once()  # the confirmation
    room = king_room()
    event = assigned(booked, room, ahead=True)
    assert await post.letters.room_assigned(event) is True
    assert await post.letters.room_assigned(event) is False  # redelivered
    assert await post.letters.room_assigned(assigned(booked, room, ahead=False)) is False
    assert await post.writer.work_once() == 1
    assert await post.writer.work_once() == 0
    notices = [m for m in post.mail.sent if "your room" in str(m["Subject"])]
    assert len(notices) == 1
    body = notices[0].get_content()
    for part in (f"Room number: {room}", "Floor: ", "Bed: king", "Orientation: "):
        assert part in body


def checked_in(reservation: dict, stay_id: str) -> StayCheckedIn:
    return StayCheckedIn.new(
        StayCheckedInPayload(
            stay_id=stay_id,
            reservation_id=reservation["_id"],
            guest_id=reservation["guest_id"],
            room_number=king_room(),
            room_type="king",
            arrival=date.fromisoformat(reservation["arrival"]),
            departure=date.fromisoformat(reservation["departure"]),
        ),
        producer="frontdesk",
        property_id=PROPERTY,
    )


async def test_the_registered_details_are_confirmed_once_by_message(tmp_path) -> None:
    desk, post = await desk_and_post(tmp_path)
    booked = await desk.book(
        guest={"first_name": "Bo", "last_name": "Wu", "email": "bo@x.io", "phone": "13800001111"}
    )
    await post.writer.work_once()
    await desk.repository.reservations.update_one(
        {"_id": booked["_id"]}, {"$set": {"status": "in_house"}}
    )
    event = checked_in(booked, "stay-1")
    assert await post.letters.checked_in(event) is True
    assert await post.letters.checked_in(event) is False  # redelivered
    walk_in = checked_in({**booked, "_id": "walk-in:stay-2"}, "stay-2")
    assert await post.letters.checked_in(walk_in) is False  # no booking to write from
    assert await post.writer.work_once() == 1
    assert await post.writer.work_once() == 0
    [registration] = [m for m in post.mail.sent if "registration" in str(m["Subject"])]
    assert "Name: Bo Wu" in registration.get_content()
    assert len([t for t in post.sms.sent() if "registered in room" in t["body"]]) == 1


async def test_a_failed_sms_is_retried_without_mailing_twice(tmp_path) -> None:
    desk, post = await desk_and_post(tmp_path)
    await desk.book(
        guest={"first_name": "Cy", "last_name": "Ng", "email": "c@x.io", "phone": "13912345678"}
    )
    post.sms.failing = True
    assert await post.writer.work_once() == 1
    assert len(post.mail.sent) == 1 and post.sms.sent() == []
    post.sms.failing = False
    assert await post.writer.work_once() == 0  # not due yet: it waits its retry delay
    desk.clock.advance(minutes=2)
    assert await post.writer.work_once() == 1
    assert len(post.mail.sent) == 1  # the e-mail went the first time; only the SMS again
    assert len(post.sms.sent()) == 1


async def test_a_tentative_booking_is_reconfirmed_once_or_released(tmp_path) -> None:
    desk, post = await desk_and_post(tmp_path)
    tentative = TentativeBookings(desk.reservations, events_written=lambda: None)
    await tentative.prepare()
    kept = await desk.book(number=1, tentative=True)
    dropped = await desk.book(number=2, tentative=True)
    assert kept["tentative"] and kept["reconfirm_by"] == desk.clock() + timedelta(hours=48)
    await post.writer.work_once()
    assert all("please reconfirm it by" in m.get_content() for m in post.mail.sent)
    assert len(post.mail.sent) == 2

    reconfirmed = await tentative.reconfirm(kept["_id"])
    again = await tentative.reconfirm(kept["_id"])  # a repeat answers as it stands
    assert reconfirmed["tentative"] is False and again["reconfirmed_at"] == desk.clock()
    assert await post.writer.work_once() == 1
    assert await post.writer.work_once() == 0
    assert (
        post.subjects().count(f"Demo Hotel: booking {kept['confirmation_number']} reconfirmed") == 1
    )

    desk.clock.advance(hours=47)
    assert await tentative.release_overdue(desk.clock()) == 0
    desk.clock.advance(hours=2)
    assert await tentative.release_overdue(desk.clock()) == 1
    assert await tentative.release_overdue(desk.clock()) == 0
    released = await desk.reservations.get_reservation(dropped["_id"])
    assert released["status"] == "cancelled"
    assert released["cancellation"]["reason"] == NOT_RECONFIRMED
    assert released["cancellation"]["fee"] == "0.00"
    assert (await desk.reservations.get_reservation(kept["_id"]))["status"] == "confirmed"
    sold = await desk.sold("king", date(2027, 3, 10), 2)
    assert sold == {"2027-03-10": 1, "2027-03-11": 1}  # the released nights are back


async def test_reconfirming_a_booking_that_is_not_tentative_is_refused(tmp_path) -> None:
    from shared.errors import Conflict

    desk, _ = await desk_and_post(tmp_path)
    tentative = TentativeBookings(desk.reservations, events_written=lambda: None)
    firm = await desk.book()
    with pytest.raises(Conflict):
        await tentative.reconfirm(firm["_id"])
