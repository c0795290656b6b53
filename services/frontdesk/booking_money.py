"""What the guest paid at booking reaches the folio at check-in (issue 12: a deposit paid
at booking never reached it, and the guest paid twice).

The booking's deposit (or full prepayment) becomes a deposit payment on the folio, keyed
by the reservation so that it is there once; what amendments cost under the rate plan's
terms becomes a charge. Method "prepaid": the token stays with reservation.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from shared.events import Event

from .folio import ChargeCategory, PaymentKind
from .points_allowances import missing_allowances
from .records import charge_event, charge_line, payment_event, payment_line


def booking_money(stay: dict[str, Any], now: datetime) -> list[Event[Any]]:
    """Adds the booking's payment and fees to a new stay; returns their events."""
    money = stay.pop("booking_money", None) or {}
    reservation_id = stay.get("reservation_id")
    events: list[Event[Any]] = []
    paid = Decimal(money.get("deposit_paid") or "0")
    if reservation_id and paid > 0:
        payment = payment_line(
            PaymentKind.DEPOSIT, paid, "prepaid", None, now, reference=f"booking|{reservation_id}"
        )
        stay["payments"].append(payment)
        events.append(payment_event(stay, payment))
    # points redeemed for the booking (issue 18): paid with points, on the first room's folio
    for payment in missing_allowances(stay, money.get("allowances") or [], now):
        stay["payments"].append(payment)
        events.append(payment_event(stay, payment))
    fees = Decimal(money.get("amendment_fees") or "0")
    if reservation_id and fees > 0:
        charge = charge_line(
            f"amendment|{reservation_id}",
            ChargeCategory.OTHER,
            fees,
            "amendment fee under the rate plan's terms",
            now,
        )
        stay["charges"].append(charge)
        events.append(charge_event(stay, charge))
    return events
