"""Reservations: what a booking records and the rules it must keep. No I/O here."""

from __future__ import annotations

import secrets
import uuid
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field, model_validator

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


Name = Annotated[str, Field(min_length=1, max_length=80)]


class GuestIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    first_name: Name
    last_name: Name
    email: EmailStr
    phone: Annotated[str, Field(pattern=r"^\+?[0-9 ()-]{6,20}$")] | None = None


class ReservationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    guest: GuestIn
    room_type: Annotated[str, Field(min_length=1, max_length=40)]
    arrival: date
    departure: date
    adults: Annotated[int, Field(ge=1, le=8)]
    children: Annotated[int, Field(ge=0, le=8)] = 0
    channel: Channel
    special_requests: list[Annotated[str, Field(max_length=200)]] = Field(default=[], max_length=20)

    @model_validator(mode="after")
    def departure_after_arrival(self) -> "ReservationCreate":
        if self.departure <= self.arrival:
            raise ValueError("departure must be after arrival")
        return self


class ReservationPublic(BaseModel):
    id: str
    confirmation_number: str
    status: ReservationStatus
    guest_id: str
    room_type: str
    arrival: date
    departure: date
    adults: int
    children: int
    channel: Channel
    special_requests: list[str]
    nightly_rates: dict[str, Decimal]
    total_amount: Decimal
    currency: str


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
