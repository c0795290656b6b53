"""Reception: registrations, stays, room nights and the settlement. No I/O here.

The rules live beside their models: allocation.py (which room), identity.py (which
document), folio.py (what the guest owes).
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from shared.sensitive import FreeText, Reference

from .folio import PaymentKind
from .identity import DocumentType

CENT = Decimal("0.01")
Money = Decimal


class StayStatus(StrEnum):
    IN_HOUSE = "in_house"
    CHECKED_OUT = "checked_out"


class ArrivalStatus(StrEnum):
    EXPECTED = "expected"
    CHECKED_IN = "checked_in"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# --- registration ----------------------------------------------------------------


class IdDocumentCreate(_Input):
    type: DocumentType
    # repr=False: a validation error or a debug print never shows the number
    number: str = Field(min_length=4, max_length=30, repr=False)
    expires_on: date | None = None
    issuing_country: str | None = Field(default=None, pattern=r"^[A-Z]{2,3}$")


class RegistrationCreate(_Input):
    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    gender: Literal["female", "male", "other", "undisclosed"]
    nationality: str = Field(pattern=r"^[A-Z]{2,3}$", description="ISO 3166 code, e.g. CN")
    document: IdDocumentCreate
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=30)


class DepositCreate(_Input):
    """A deposit or a pre-authorisation: the payment provider's token reference, never a
    card number; it is kept on the folio and never leaves it."""

    amount: Money = Field(gt=0, max_digits=12, decimal_places=2)
    method: Literal["card", "cash", "alipay", "wechat_pay", "transfer"] = "card"
    token_reference: Annotated[str, Reference(100)] | None = Field(default=None, repr=False)
    pre_authorisation: bool = False


class CheckIn(_Input):
    reservation_id: str
    registration: RegistrationCreate | None = None
    deposit: DepositCreate | None = None
    room_number: str | None = Field(default=None, description="manual override")
    requests: list[Annotated[str, FreeText(200)]] = Field(default=[], max_length=20)
    agent: str | None = None
    early_check_in: bool = Field(
        default=False,
        description=(
            "the guest arrives before the booked arrival date: the nights from today are "
            "added at the rack rate, in the same room"
        ),
    )


class WalkIn(_Input):
    room_type: str
    departure: date
    adults: int = Field(ge=1, le=8)
    children: int = Field(default=0, ge=0, le=8)
    registration: RegistrationCreate
    deposit: DepositCreate | None = None
    room_number: str | None = Field(default=None, description="manual override")
    requests: list[Annotated[str, FreeText(200)]] = Field(default=[], max_length=20)
    agent: str | None = None


class RoomAssign(_Input):
    room_number: str | None = Field(default=None, description="manual override; else automatic")


class PreAssign(_Input):
    arrival_date: date | None = Field(default=None, description="tomorrow by default")


class RoomMove(_Input):
    to_room: str | None = None
    reason: Annotated[str, FreeText(200)] = Field(min_length=1)


class StayExtend(_Input):
    departure: date


class StayShorten(_Input):
    """The guest in house leaves earlier than booked: the new departure, after today."""

    departure: date
    reason: Annotated[str, FreeText(200)] = Field(min_length=1)


class CheckOut(_Input):
    waive_late_fee: bool = False


class CheckOutRequest(_Input):
    """The guest asks to leave: housekeeping checks the room, the desk settles when the
    check arrives or after the configured wait."""

    waive_late_fee: bool = False


class ChargeCreate(_Input):
    # damage / missing_item: the desk bills what it finds itself (housekeeping's room
    # check posts them too)
    category: Literal[
        "minibar", "room_service", "restaurant", "laundry", "damage", "missing_item", "other"
    ]
    amount: Money = Field(gt=0, max_digits=12, decimal_places=2)
    description: Annotated[str, FreeText(200)] = Field(min_length=1)
    reference: Annotated[str, Reference(100)] | None = Field(
        default=None, description="the outlet's ticket: posting it twice is one charge"
    )


class PaymentCreate(_Input):
    kind: PaymentKind
    amount: Money = Field(gt=0, max_digits=12, decimal_places=2)
    method: Literal["card", "cash", "alipay", "wechat_pay", "transfer"] = "card"
    token_reference: Annotated[str, Reference(100)] | None = Field(default=None, repr=False)
    reference: Annotated[str, Reference(100)] | None = None


class GuestRequestCreate(_Input):
    kind: Literal["cleaning", "amenities", "maintenance", "turndown"]
    details: Annotated[str, FreeText(500)] = Field(min_length=1)
    # ignored: the signed-in credential is the acting person (issue 15)
    taken_by: str | None = Field(default=None, max_length=100)
    urgent: bool = False


class ComplaintCreate(_Input):
    category: str = Field(min_length=1, max_length=50)
    severity: Literal["low", "medium", "high", "critical"]
    description: Annotated[str, FreeText(1000)] = Field(min_length=1)
    # ignored: the signed-in credential is the acting person (issue 15)
    taken_by: str | None = Field(default=None, max_length=100)
    channel: Literal["desk", "phone"] = "desk"


class NightAudit(_Input):
    night: date | None = Field(
        default=None,
        description=(
            "the night to audit; by default the open business date, which the audit closes"
        ),
    )


# --- output ------------------------------------------------------------------------


class Assignment(BaseModel):
    room_number: str
    rule: str
    explanation: str


class RegistrationPublic(BaseModel):
    first_name: str | None
    last_name: str | None
    gender: str | None
    nationality: str | None
    document_type: str | None
    document_number_masked: str | None
    document_expires_on: date | None = None
    email: str | None = None
    phone: str | None = None


class RegistrationView(RegistrationPublic):
    """A stay's registration card. `document_number` is masked unless the caller asked
    for a reveal (audited), then it is in clear."""

    stay_id: str
    document_number: str | None = None
    revealed: bool = False


class Recognition(BaseModel):
    greeting: str
    member_number: str | None = None
    tier: str | None = None
    vip: bool = False
    preferences: dict[str, list[str]] = {}
    # the guest's latest questionnaire (issue 18): per department, scores and low topics
    last_feedback: dict[str, Any] | None = None


class AssignmentNotice(BaseModel):
    """What the guest is told: room type, number, bed, floor, orientation."""

    reservation_id: str | None
    guest_name: str | None
    room_type: str
    room_type_name: str
    room_number: str
    bed: str
    floor: int
    orientation: str
    arrival: date
    departure: date
    text: str


class Upgrade(BaseModel):
    """A better category given at check-in, charged at the booked rate (issue 18)."""

    from_room_type: str
    to_room_type: str
    reason: str
    charged_as: str


class StayPublic(BaseModel):
    stay_id: str
    reservation_id: str | None
    guest_id: str
    room_number: str
    room_type: str  # booked: what is charged
    occupied_room_type: str | None = None  # the room the guest is in (a move, an upgrade)
    upgrade: Upgrade | None = None
    arrival: date
    departure: date
    status: StayStatus
    walk_in: bool = False
    assignment: Assignment | None = None
    registration: RegistrationPublic | None = None
    recognition: Recognition | None = None
    alerts: list[dict[str, Any]] = []
    notice: AssignmentNotice | None = None


class Settlement(BaseModel):
    """room + other charges + compensation - deposit (- payments) = balance; a refund
    when negative."""

    stay_id: str
    nights: int
    room_charges: Decimal
    other_charges: Decimal
    compensation: Decimal
    deposit: Decimal
    balance: Decimal
    currency: str
    payments: Decimal = Decimal("0")
    refund: Decimal = Decimal("0")
    amount_due: Decimal = Decimal("0")
    late_checkout_fee: Decimal = Decimal("0")
    invoice_number: str | None = None
    early_departure: bool = False
    item_checks: list[str] = []
    lines: list[dict[str, Any]] = []


def settle(
    stay_id: str,
    nightly_rates: dict[str, str],
    currency: str,
    other_charges: Decimal = Decimal("0"),
    compensation: Decimal = Decimal("0"),
    deposit: Decimal = Decimal("0"),
) -> Settlement:
    room_charges = sum((Decimal(rate) for rate in nightly_rates.values()), Decimal("0"))
    balance = room_charges + other_charges + compensation - deposit
    return Settlement(
        stay_id=stay_id,
        nights=len(nightly_rates),
        currency=currency,
        room_charges=room_charges.quantize(CENT),
        other_charges=other_charges.quantize(CENT),
        compensation=compensation.quantize(CENT),
        deposit=deposit.quantize(CENT),
        balance=balance.quantize(CENT),
    )


def nights_between(arrival: date, departure: date) -> list[date]:
    return [arrival + timedelta(days=offset) for offset in range((departure - arrival).days)]


def new_stay_id() -> str:
    return str(uuid.uuid4())


def greeting(
    first_name: str | None, last_name: str | None, tier: str | None, vip: bool, returning: bool
) -> str:
    name = " ".join(part for part in (first_name, last_name) if part) or "our guest"
    welcome = "Welcome back" if returning else "Welcome"
    status = ", VIP" if vip else ""
    member = f", {tier} member" if tier else ""
    return f"{welcome}, {name}{member}{status}"
