"""The folio: charges and payments of a stay, the late check-out fee and the settlement.
No I/O. Money is Decimal throughout, rounded to the cent once per line.

settlement: room + other charges + compensation - deposit - payments = balance; a
negative balance is what the hotel refunds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

CENT = Decimal("0.01")
ZERO = Decimal("0")


def room_part(total: Decimal, room_count: int, room_index: int) -> Decimal:
    """One room's part of a sum a booking's rooms share (its nightly rate, its deposit):
    equal parts to the cent, the last room taking the cents left over, so the parts add
    up to the sum exactly."""
    part = (total / room_count).quantize(CENT, rounding=ROUND_DOWN)
    return total - part * (room_count - 1) if room_index == room_count - 1 else part


class ChargeCategory(StrEnum):
    ROOM = "room"
    MINIBAR = "minibar"
    ROOM_SERVICE = "room_service"
    RESTAURANT = "restaurant"
    LAUNDRY = "laundry"
    DAMAGE = "damage"
    MISSING_ITEM = "missing_item"
    LATE_CHECKOUT = "late_checkout"
    OTHER = "other"


COMPENSATION_CATEGORIES = frozenset({ChargeCategory.DAMAGE, ChargeCategory.MISSING_ITEM})


class PaymentKind(StrEnum):
    DEPOSIT = "deposit"
    PAYMENT = "payment"
    REFUND = "refund"


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def room_charge_id(night: date | str) -> str:
    """One room charge per night per stay: the night names the charge."""
    return f"room|{night if isinstance(night, str) else night.isoformat()}"


def late_checkout_fee(
    now_local: datetime,
    departure: date,
    last_night_rate: Decimal,
    *,
    standard_hour: int = 12,
    half_day_until_hour: int = 18,
) -> Decimal:
    """The usual policy: free until noon on the departure day, half a night until 18:00,
    a full night after. Checking out on an earlier day costs nothing here."""
    if now_local.date() != departure or now_local.time() <= time(standard_hour):
        return ZERO
    if now_local.time() <= time(half_day_until_hour):
        return cents(last_night_rate / 2)
    return cents(last_night_rate)


def settle(
    charges: Iterable[Mapping[str, Any]], payments: Iterable[Mapping[str, Any]]
) -> dict[str, Decimal]:
    room = other = compensation = deposit = paid = refunded = ZERO
    for charge in charges:
        amount = Decimal(charge["amount"])
        if charge["category"] == ChargeCategory.ROOM:
            room += amount
        elif charge["category"] in COMPENSATION_CATEGORIES:
            compensation += amount
        else:
            other += amount
    for payment in payments:
        amount = Decimal(payment["amount"])
        if payment["kind"] == PaymentKind.DEPOSIT:
            deposit += amount
        elif payment["kind"] == PaymentKind.PAYMENT:
            paid += amount
        else:
            refunded += amount
    balance = room + other + compensation - deposit - paid + refunded
    return {
        "room_charges": cents(room),
        "other_charges": cents(other),
        "compensation": cents(compensation),
        "deposit": cents(deposit),
        "payments": cents(paid),
        "refunds": cents(refunded),
        "balance": cents(balance),
    }


def invoice_number(property_id: str, year: int, sequence: int) -> str:
    return f"{property_id.upper()}-{year}-{sequence:06d}"
