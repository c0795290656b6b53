"""Letters to the booker and the guest, each sent once (issue 18, seed 002):

- the booking confirmation to the booker (3.2(4)), with the tentative status and the
  reconfirmation deadline (1.2.2(2)); a thank-you once the guest reconfirmed;
- the room assignment notice when the desk assigns a room ahead of arrival (4.4);
- the registration details after check-in, for the guest to confirm (6.2(2)).

Each letter is a document in `letters` whose id names what it is about
(`confirmation-<reservation>`, `assignment-<reservation>-<room>`, `registration-<stay>`),
so a redelivered event or a repeated sweep records it once. A booking's own letters are
asked for in the booking's write (`letters_due`), so no crash between the booking and the
letter loses one. A letter is claimed under a lease before it goes out, by e-mail and, when
a phone number is known, by SMS; each channel is marked sent as it succeeds, so a retry
after a failed SMS does not send the e-mail again. A crash after the provider accepted a
message but before it was marked sends it again with the same message id: at-least-once
towards the provider, which is why ids are stable (shared/sms.py). Addresses are read
from the reservation when the letter goes out, never copied here: an erased guest's
letter finds no address and is marked unreachable.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from email.message import EmailMessage
from enum import StrEnum
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from shared.clock import Clock
from shared.events import RoomAssigned, StayCheckedIn
from shared.logging import get_logger
from shared.mail import SEND_ERRORS, MailSender
from shared.property_setup import PropertySetup
from shared.sms import SMS_ERRORS, SmsGateway, SmsMessage
from shared.worker import PollingWorker

from . import letter_texts
from .stays import booking_of

log = get_logger(__name__)
LEASE = timedelta(minutes=2)
RETRY_AFTER = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30))
# A booking's letters are recorded once it is confirmed; a pending one waits.
RECORDABLE = ("confirmed", "in_house", "checked_out", "cancelled", "no_show")
SENDABLE = {
    "confirmation": ("confirmed", "in_house"),
    "reconfirmed": ("confirmed",),
    "assignment": ("confirmed",),
    "registration": ("in_house", "checked_out"),
}


class LetterKind(StrEnum):
    CONFIRMATION = "confirmation"
    RECONFIRMED = "reconfirmed"
    ASSIGNMENT = "assignment"
    REGISTRATION = "registration"


TO_BOOKER = {LetterKind.CONFIRMATION, LetterKind.RECONFIRMED}


class Letters:
    """The letters collection and the booking's `letters_due` requests."""

    def __init__(self, database: Any, property_id: str, clock: Clock) -> None:
        self.letters = database["letters"]
        self.reservations = database["reservations"]
        self.property_id = property_id
        self.clock = clock

    async def prepare(self) -> None:
        await self.letters.create_index([("status", 1), ("due_at", 1)])
        await self.letters.create_index("reservation_id")
        await self.reservations.create_index("letters_due", sparse=True)

    async def record(
        self, kind: LetterKind, letter_id: str, reservation_id: str, details: dict[str, Any]
    ) -> bool:
        """True when recorded now, False when it was already (a redelivery, a repeat)."""
        now = self.clock()
        try:
            await self.letters.insert_one(
                {
                    "_id": letter_id,
                    "property_id": self.property_id,
                    "kind": kind.value,
                    "reservation_id": reservation_id,
                    "details": details,
                    "status": "due",
                    "due_at": now,
                    "recorded_at": now,
                    "sent_channels": [],
                    "attempts": 0,
                }
            )
        except DuplicateKeyError:
            return False
        return True

    async def record_booking_letters(self, limit: int = 100) -> int:
        """The letters bookings asked for in their own writes: recorded, then the request
        is taken off the booking (a crash in between records nothing twice)."""
        recorded = 0
        asking = self.reservations.find(
            {"letters_due": {"$exists": True}, "status": {"$in": list(RECORDABLE)}},
            {"letters_due": 1},
        ).limit(limit)
        for booking in await asking.to_list(None):
            for kind in booking.get("letters_due") or []:
                letter_kind = LetterKind(kind)
                if await self.record(letter_kind, f"{kind}-{booking['_id']}", booking["_id"], {}):
                    recorded += 1
            # only if no new request came meanwhile (the next pass records that one)
            await self.reservations.update_one(
                {"_id": booking["_id"], "letters_due": booking.get("letters_due")},
                {"$unset": {"letters_due": ""}},
            )
        return recorded

    async def room_assigned(self, event: RoomAssigned) -> bool:
        payload = event.payload
        reservation_id = booking_of(payload.reservation_id)
        if not payload.ahead_of_arrival or reservation_id is None:
            return False  # assigned at the desk with the guest there: nothing to announce
        return await self.record(
            LetterKind.ASSIGNMENT,
            f"assignment-{reservation_id}-{payload.room_number}",
            reservation_id,
            {"room_number": payload.room_number, "room_type": payload.room_type},
        )

    async def checked_in(self, event: StayCheckedIn) -> bool:
        payload = event.payload
        reservation_id = booking_of(payload.reservation_id)
        if reservation_id is None:
            return False  # a walk-in has no booking here to write from
        return await self.record(
            LetterKind.REGISTRATION,
            f"registration-{payload.stay_id}",
            reservation_id,
            {
                "stay_id": payload.stay_id,
                "room_number": payload.room_number,
                "room_type": payload.room_type,
                "arrival": payload.arrival.isoformat(),
                "departure": payload.departure.isoformat(),
            },
        )

    async def due(self, now: datetime, limit: int) -> list[dict[str, Any]]:
        return (
            await self.letters.find({"status": "due", "due_at": {"$lte": now}})
            .sort("due_at")
            .limit(limit)
            .to_list(None)
        )

    async def claim(self, letter_id: str, now: datetime) -> dict[str, Any] | None:
        """Due -> sending under a lease; a lease that ran out (a dead sender) is due again."""
        return await self.letters.find_one_and_update(
            {
                "_id": letter_id,
                "$or": [
                    {"status": "due"},
                    {"status": "sending", "lease_until": {"$lte": now}},
                ],
            },
            {"$set": {"status": "sending", "lease_until": now + LEASE}},
            return_document=ReturnDocument.AFTER,
        )

    async def expired_leases(self, now: datetime, limit: int) -> list[dict[str, Any]]:
        return (
            await self.letters.find({"status": "sending", "lease_until": {"$lte": now}})
            .limit(limit)
            .to_list(None)
        )

    async def channel_sent(self, letter_id: str, channel: str) -> None:
        await self.letters.update_one({"_id": letter_id}, {"$addToSet": {"sent_channels": channel}})

    async def finish(self, letter_id: str, status: str, now: datetime, **fields: Any) -> None:
        await self.letters.update_one(
            {"_id": letter_id, "status": "sending"},
            {"$set": {"status": status, "finished_at": now, **fields}},
        )

    async def retry_later(self, letter: dict[str, Any], now: datetime, error: str) -> None:
        attempts = letter.get("attempts", 0) + 1
        wait = RETRY_AFTER[min(attempts, len(RETRY_AFTER)) - 1]
        await self.letters.update_one(
            {"_id": letter["_id"], "status": "sending"},
            {
                "$set": {"status": "due", "due_at": now + wait, "last_error": error},
                "$inc": {"attempts": 1},
            },
        )

    async def of_reservation(self, reservation_id: str) -> list[dict[str, Any]]:
        return (
            await self.letters.find({"reservation_id": reservation_id})
            .sort("recorded_at")
            .to_list(None)
        )


class LetterWriter(PollingWorker):
    name = "letter-writer"

    def __init__(
        self,
        letters: Letters,
        repository: Any,
        *,
        mail: MailSender,
        sms: SmsGateway,
        setup: PropertySetup,
        hotel_name: str,
        mail_from: str,
        clock: Clock,
        poll_seconds: float = 5.0,
        batch_size: int = 50,
    ) -> None:
        super().__init__(poll_seconds)
        self.letters = letters
        self.repository = repository
        self.mail = mail
        self.sms = sms
        self.setup = setup
        self.hotel_name = hotel_name
        self.mail_from = mail_from
        self.clock = clock
        self.batch_size = batch_size

    async def work_once(self) -> int:
        await self.letters.record_booking_letters(self.batch_size)
        now = self.clock()
        handled = 0
        waiting = await self.letters.due(now, self.batch_size)
        waiting += await self.letters.expired_leases(now, self.batch_size)
        for letter in waiting:
            claimed = await self.letters.claim(letter["_id"], now)
            if claimed is not None:
                await self._send(claimed, now)
                handled += 1
        return handled

    async def _send(self, letter: dict[str, Any], now: datetime) -> None:
        kind = LetterKind(letter["kind"])
        reservation = await self.repository.get(letter["reservation_id"])
        if reservation is None or reservation["status"] not in SENDABLE[kind]:
            status = reservation["status"] if reservation else "gone"
            await self.letters.finish(letter["_id"], "skipped", now, reason=f"booking {status}")
            return
        person = _addressee(reservation, kind)
        email, phone = person.get("email"), person.get("phone")
        if not email and not phone:
            await self.letters.finish(letter["_id"], "unreachable", now)
            return
        text = self._text(kind, reservation, letter.get("details") or {})
        try:
            if email and "email" not in letter["sent_channels"]:
                await self.mail.send(self._email(letter["_id"], email, text))
                await self.letters.channel_sent(letter["_id"], "email")
            if phone and "sms" not in letter["sent_channels"]:
                await self.sms.send(SmsMessage(phone, text.sms, letter["_id"]))
                await self.letters.channel_sent(letter["_id"], "sms")
        except (*SEND_ERRORS, *SMS_ERRORS) as error:
            await self.letters.retry_later(letter, now, type(error).__name__)
            # the type only: an SMTP refusal names the address, personal data
            log.warning(
                "letter not sent; will retry", letter_id=letter["_id"], error=type(error).__name__
            )
            return
        await self.letters.finish(letter["_id"], "sent", now)
        log.info("letter sent", letter_id=letter["_id"], kind=kind.value)

    def _text(
        self, kind: LetterKind, reservation: dict[str, Any], details: dict[str, Any]
    ) -> letter_texts.LetterText:
        hotel = self.hotel_name
        if kind is LetterKind.CONFIRMATION:
            return letter_texts.confirmation(reservation, self.setup, hotel)
        if kind is LetterKind.RECONFIRMED:
            return letter_texts.reconfirmed(reservation, self.setup, hotel)
        if kind is LetterKind.ASSIGNMENT:
            return letter_texts.assignment(reservation, details, self.setup, hotel)
        return letter_texts.registration(reservation, details, self.setup, hotel)

    def _email(self, letter_id: str, to: str, text: letter_texts.LetterText) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.mail_from
        message["To"] = to
        message["Subject"] = text.subject
        # stable per letter: a resend after a crash is recognisably the same mail
        message["Message-ID"] = f"<{letter_id}@{self.mail_from.split('@')[-1]}>"
        message.set_content(text.body)
        return message


def _addressee(reservation: dict[str, Any], kind: LetterKind) -> dict[str, Any]:
    """The booker for the booking's own letters when the booker left a contact (an
    assistant, a travel agent), else the guest; the guest for the stay's letters."""
    booker = reservation.get("booker") or {}
    if kind in TO_BOOKER and (booker.get("email") or booker.get("phone")):
        return booker
    return reservation.get("guest") or {}
