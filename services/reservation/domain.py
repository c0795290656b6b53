"""Reservations: what a booking records and the rules it must keep. No I/O here."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    field_validator,
    model_validator,
)

from shared.sensitive import FreeText
from shared.sensitive import sensitive_numbers as sensitive_numbers_in

CONFIRMATION_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone


class Channel(StrEnum):
    PHONE = "phone"
    WEB = "web"
    WALK_IN = "walk_in"
    OTA = "ota"
    GROUP = "group"
    CORPORATE = "corporate"


class ReservationStatus(StrEnum):
    PENDING = "pending"  # nights being taken; never visible to guests
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"
    # The reservation follows its stay (stay events from the front desk).
    IN_HOUSE = "in_house"
    CHECKED_OUT = "checked_out"
    # The desk had no room and walked the guest to a partner hotel (issue 18).
    WALKED = "walked"


class RequestKind(StrEnum):
    BED = "bed"
    FLOOR = "floor"
    ORIENTATION = "orientation"
    QUIET = "quiet"
    CELEBRATION = "celebration"
    NON_SMOKING = "non_smoking"
    ACCESSIBLE = "accessible"
    FAMILY = "family"
    LONG_STAY = "long_stay"


class PaymentMethod(StrEnum):
    CARD = "card"
    VIRTUAL_CARD = "virtual_card"
    CASH = "cash"
    BANK_TRANSFER = "bank_transfer"
    COMPANY_ACCOUNT = "company_account"


Name = Annotated[str, Field(min_length=1, max_length=80)]
Phone = Annotated[str, Field(pattern=r"^\+?[0-9 ()-]{6,20}$")]
Reference = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.:/-]+$")]
Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_-]+$")]


class GuestIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    first_name: Name
    last_name: Name
    email: EmailStr
    phone: Phone | None = None


class GuestName(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    first_name: Name
    last_name: Name


class BookerIn(BaseModel):
    """Who made the booking when it is not the guest: an assistant, a travel agent."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    first_name: Name
    last_name: Name
    email: EmailStr | None = None
    phone: Phone | None = None
    company: Annotated[str, Field(max_length=120)] | None = None


def _request_from_text(value: Any) -> Any:
    """`"quiet"` or `"bed: king"` as shorthand for {"kind": ..., "detail": ...}."""
    if isinstance(value, str):
        kind, _, detail = value.partition(":")
        return {"kind": kind.strip(), "detail": detail.strip() or None}
    return value


class SpecialRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    kind: RequestKind
    # Free text refuses card and ID numbers: a guest may type one in, it must not be kept.
    detail: Annotated[str, FreeText(200)] | None = None

    def as_text(self) -> str:
        return f"{self.kind.value}: {self.detail}" if self.detail else self.kind.value


SpecialRequestIn = Annotated[SpecialRequest, BeforeValidator(_request_from_text)]
CARD_NUMBER = re.compile(r"^[0-9 -]{12,23}$")


class PaymentIn(BaseModel):
    """A payment method as the payment provider's token: never a card number."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    method: PaymentMethod
    token: Annotated[str, Field(min_length=8, max_length=200)] | None = None

    @field_validator("token")
    @classmethod
    def not_a_card_number(cls, token: str | None) -> str | None:
        if token and (CARD_NUMBER.match(token) or sensitive_numbers_in(token)):
            raise ValueError("looks like a card number: send the payment provider's token")
        return token


class ReservationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    guest: GuestIn
    booker: BookerIn | None = None
    additional_guests: list[GuestName] = Field(default=[], max_length=20)
    room_type: Annotated[str, Field(min_length=1, max_length=40)]
    arrival: date
    departure: date
    adults: Annotated[int, Field(ge=1, le=40)]
    children: Annotated[int, Field(ge=0, le=40)] = 0
    room_count: Annotated[int, Field(ge=1, le=20)] = 1
    rate_plan: Code | None = None
    channel: Channel
    source_reference: Reference | None = None
    block_id: Annotated[str, Field(max_length=60)] | None = None
    payment: PaymentIn | None = None
    special_requests: list[SpecialRequestIn] = Field(default=[], max_length=20)
    # Issue 18: when the guest expects to arrive and to leave (seed 002 1.2.2(1), 9.1(1)),
    # and a tentative booking the guest reconfirms (or lets go) by a deadline (1.2.2(2)).
    expected_arrival_time: time | None = None
    expected_departure_time: time | None = None
    tentative: bool = False
    # issue 18: a loyalty member's number: the member rate when it is the guest's own
    member_number: (
        Annotated[str, Field(min_length=3, max_length=40, pattern=r"^[A-Za-z0-9-]+$")] | None
    ) = None

    @model_validator(mode="after")
    def departure_after_arrival(self) -> ReservationCreate:
        if self.departure <= self.arrival:
            raise ValueError("departure must be after arrival")
        if self.adults < self.room_count:
            raise ValueError("every room needs at least one adult")
        return self


class ReservationUpdate(BaseModel):
    """An amendment: only the fields given change."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    arrival: date | None = None
    departure: date | None = None
    room_type: Annotated[str, Field(min_length=1, max_length=40)] | None = None
    adults: Annotated[int, Field(ge=1, le=40)] | None = None
    children: Annotated[int, Field(ge=0, le=40)] | None = None
    room_count: Annotated[int, Field(ge=1, le=20)] | None = None
    guest: GuestIn | None = None
    additional_guests: list[GuestName] | None = Field(default=None, max_length=20)
    special_requests: list[SpecialRequestIn] | None = Field(default=None, max_length=20)
    expected_arrival_time: time | None = None
    expected_departure_time: time | None = None

    @model_validator(mode="after")
    def something_changes(self) -> ReservationUpdate:
        if not self.model_fields_set:
            raise ValueError("name at least one field to change")
        return self


class AmendmentRequest(ReservationUpdate):
    """An amendment as the office or a channel asks for it: what changes and why (issue
    18, seed 002 3.3(2): the reason is asked for and recorded with every change)."""

    reason: Annotated[str, FreeText(200)] = Field(min_length=3)

    @model_validator(mode="after")
    def changes_besides_the_reason(self) -> AmendmentRequest:
        if not self.model_fields_set - {"reason"}:
            raise ValueError("name at least one field to change")
        return self

    def update(self) -> ReservationUpdate:
        return ReservationUpdate.model_validate(
            self.model_dump(exclude_unset=True, exclude={"reason"})
        )


class CancelRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    reason: Annotated[str, Field(max_length=200)] | None = None


class PaymentPublic(BaseModel):
    method: PaymentMethod
    token_masked: str | None = None


class ReservationPublic(BaseModel):
    id: str
    confirmation_number: str
    status: ReservationStatus
    guest_id: str
    guest: dict[str, Any] | None = None
    contact_revealed: bool = False  # e-mails and phones in clear (an audited reveal)
    booker: dict[str, Any] | None = None
    additional_guests: list[dict[str, Any]] = []
    room_type: str
    arrival: date
    departure: date
    adults: int
    children: int
    room_count: int = 1
    rate_plan: str | None = None
    channel: Channel
    channel_name: str | None = None
    source_reference: str | None = None
    block_id: str | None = None
    payment: PaymentPublic | None = None
    special_requests: list[SpecialRequest]
    nightly_rates: dict[str, Decimal]
    total_amount: Decimal
    currency: str
    deposit_due: Decimal = Decimal("0")
    deposit_paid: Decimal = Decimal("0")
    # what amendments cost under the rate plan's terms (kept, never refunded)
    amendment_fees: Decimal = Decimal("0")
    cancellation_deadline: datetime | None = None
    cancellation: dict[str, Any] | None = None
    no_show: dict[str, Any] | None = None
    created_at: datetime | None = None
    version: int = 1
    # issue 18: guest communication and the amendment log
    expected_arrival_time: time | None = None
    expected_departure_time: time | None = None
    tentative: bool = False
    reconfirm_by: datetime | None = None
    reconfirmed_at: datetime | None = None
    amendments: list[dict[str, Any]] = []
    refund_payment: dict[str, Any] | None = None
    # the desk walked the guest to a partner hotel: which, for how many nights, when
    walk: dict[str, Any] | None = None
    # points redeemed for a night or a voucher: worth `points_allowance` off the total
    redemptions: list[dict[str, Any]] = []
    points_allowance: Decimal = Decimal("0")
    member_rate: dict[str, Any] | None = None


def nights_of(arrival: date, departure: date) -> list[date]:
    """The nights a stay occupies: arrival up to, not including, departure."""
    return [arrival + timedelta(days=offset) for offset in range((departure - arrival).days)]


def price_nights(nights: list[date], nightly_rate: Decimal) -> dict[str, Decimal]:
    return {night.isoformat(): nightly_rate for night in nights}


def total_of(nightly_rates: dict[str, Decimal]) -> Decimal:
    return sum(nightly_rates.values(), Decimal("0.00"))


def new_reservation_id() -> str:
    return str(uuid.uuid4())


def new_confirmation_number() -> str:
    return "HJ" + "".join(secrets.choice(CONFIRMATION_ALPHABET) for _ in range(8))


def request_fingerprint(body: dict[str, Any]) -> str:
    """Same request, same fingerprint: what an Idempotency-Key is bound to."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


# --- inventory holds ---------------------------------------------------------------
# Every night a reservation (or a block) occupies is a *hold* on the night's inventory
# document: holds[<holder>] = rooms. `sold` is always the sum of the holds, so taking and
# releasing are idempotent (guarded by the hold's presence and size) and a crash at any
# point can be put right by comparing what a reservation should hold with what it does.

HoldKey = tuple[str, str]  # (room type code, night ISO date)


def reservation_holder(reservation_id: str) -> str:
    return f"r_{reservation_id}"


def block_holder(block_id: str) -> str:
    return f"b_{block_id}"


def holds_of(room_type: str, arrival: date, departure: date, room_count: int) -> dict[HoldKey, int]:
    return {(room_type, night.isoformat()): room_count for night in nights_of(arrival, departure)}


def expected_holds(reservation: dict[str, Any]) -> dict[HoldKey, int]:
    """What a reservation should hold given its recorded state: its nights while it is
    confirmed or in house, the nights before the guest left once checked out (an early
    departure gives the rest back), nothing once cancelled or a no-show.

    A booking of several rooms gives back each room its guest left early
    (`rooms_departed`, stay id -> the day that room's guest left) from that day on, while
    its other rooms are still in house: the desk gives that room to others at once, so
    holding it here until the last guest leaves sold it twice (issue 12's oversell).

    A room whose stay went to a room of another type, or was shortened, is handed over
    to the stay (`rooms_handed_over`, stay id -> the first night the stay holds itself,
    stays.py): from that night the stay holds the nights it occupies, of the type it
    occupies, and the booking gives that room back. A room both departed and handed
    over is given back once, from the earlier of the two days.

    A room the desk assigned ahead of arrival to another type (`assigned_room`,
    assignments.py) is held in that type instead of the booked one, until that room's
    stay is handed its own holds or departs (then it is given back as above)."""
    status = reservation["status"]
    if status not in (
        ReservationStatus.CONFIRMED,
        ReservationStatus.IN_HOUSE,
        ReservationStatus.CHECKED_OUT,
    ):
        return {}
    arrival = date.fromisoformat(reservation["arrival"])
    departure = date.fromisoformat(reservation["departure"])
    if status == ReservationStatus.CHECKED_OUT and reservation.get("departed_on"):
        departure = max(arrival, min(departure, date.fromisoformat(reservation["departed_on"])))
    rooms = reservation.get("room_count", 1)
    left = [date.fromisoformat(day) for day in rooms_given_back(reservation).values()]
    assigned = reservation.get("assigned_room") or {}
    if assigned.get("room_type") == reservation["room_type"]:
        assigned = {}  # a room of the booked type moves nothing
    assigned_until = rooms_given_back(reservation).get(assigned.get("stay_id", ""))
    holds: dict[HoldKey, int] = {}
    for key in holds_of(reservation["room_type"], arrival, departure, rooms):
        night = date.fromisoformat(key[1])
        still_held = rooms - sum(1 for day in left if day <= night)
        if assigned and (assigned_until is None or key[1] < assigned_until):
            still_held -= 1  # that room is held in the type assigned
            holds[(assigned["room_type"], key[1])] = 1
        if still_held > 0:
            holds[key] = still_held
    return holds


def rooms_given_back(reservation: dict[str, Any]) -> dict[str, str]:
    """Stay id -> the first night the booking no longer holds that stay's room."""
    given_back = dict(reservation.get("rooms_departed") or {})
    for stay_id, day in (reservation.get("rooms_handed_over") or {}).items():
        given_back[stay_id] = min(day, given_back.get(stay_id, day))
    return given_back


def hold_moves(
    old: dict[HoldKey, int], new: dict[HoldKey, int]
) -> tuple[list[tuple[HoldKey, int, int]], list[tuple[HoldKey, int, int]]]:
    """(growths, shrinks) as (key, from, to): grow first, so the guest never holds less
    than one of the two stays while the amendment is under way."""
    growths, shrinks = [], []
    for key in sorted(old.keys() | new.keys()):
        before, after = old.get(key, 0), new.get(key, 0)
        if after > before:
            growths.append((key, before, after))
        elif after < before:
            shrinks.append((key, before, after))
    return growths, shrinks


def changes_between(
    old: dict[str, Any], new: dict[str, Any], fields: list[str]
) -> list[dict[str, Any]]:
    return [
        {"field": name, "old": old.get(name), "new": new.get(name)}
        for name in fields
        if old.get(name) != new.get(name)
    ]
