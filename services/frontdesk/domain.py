"""Reception: stays, room nights and the settlement at check-out. No I/O here."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

CENT = Decimal("0.01")


class StayStatus(StrEnum):
    IN_HOUSE = "in_house"
    CHECKED_OUT = "checked_out"


class CheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reservation_id: str


class StayPublic(BaseModel):
    stay_id: str
    reservation_id: str
    guest_id: str
    room_number: str
    room_type: str
    arrival: date
    departure: date
    status: StayStatus


class Settlement(BaseModel):
    """room + other charges + compensation - deposit = balance (a refund when negative)."""

    stay_id: str
    nights: int
    room_charges: Decimal
    other_charges: Decimal
    compensation: Decimal
    deposit: Decimal
    balance: Decimal
    currency: str


def settle(stay_id: str, nightly_rates: dict[str, str], currency: str,
           other_charges: Decimal = Decimal("0"), compensation: Decimal = Decimal("0"),
           deposit: Decimal = Decimal("0")) -> Settlement:
    room_charges = sum((Decimal(rate) for rate in nightly_rates.values()), Decimal("0"))
    balance = room_charges + other_charges + compensation - deposit
    return Settlement(
        stay_id=stay_id, nights=len(nightly_rates), currency=currency,
        room_charges=room_charges.quantize(CENT), other_charges=other_charges.quantize(CENT),
        compensation=compensation.quantize(CENT), deposit=deposit.quantize(CENT),
        balance=balance.quantize(CENT),
    )


def nights_between(arrival: date, departure: date) -> list[date]:
    return [arrival + timedelta(days=offset) for offset in range((departure - arrival).days)]


def new_stay_id() -> str:
    return str(uuid.uuid4())
