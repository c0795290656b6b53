"""What the guest paid at booking reaches the folio at check-in (issue 12: a deposit paid
at booking never reached it, and the guest paid twice).

The booking's deposit (or full prepayment) becomes a deposit payment on the folio, keyed
by the reservation so that it is there once; what amendments cost under the rate plan's
terms becomes a charge. Method "prepaid": the token stays with reservation.

A booking of N rooms is N stays, N folios. Its deposit and its amendment fees are shared
among them as its nightly rates are (folio.room_part: equal to the cent, the last room
takes the cents left over), so the parts add up to what was paid: on the bill once. Every
room's whole deposit on every folio counted it N times; all of it on the first room's
folio would balance no folio: the first room's settlement would refund the other rooms'
prepayment in money while their folios charged their nights again. Each folio carries its
own room's rate and its own part of what paid for it, so each settles as the booking
would, and the desk's refunds (at most the money on a folio) add up to no more than
reservation took, which it refunds itself only for a booking that never checked in.
Points redeemed pay for one room's night (reservation values them at the first room's
share), so they stay on the first room's folio.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from shared.events import Event

from .folio import ChargeCategory, PaymentKind, room_part
from .points_allowances import missing_allowances
from .records import charge_event, charge_line, payment_event, payment_line


def booking_money(stay: dict[str, Any], now: datetime) -> list[Event[Any]]:
    """Adds the booking's payment and fees to a new stay; returns their events."""
    money = stay.pop("booking_money", None) or {}
    reservation_id = stay.get("reservation_id")
    events: list[Event[Any]] = []
    rooms, index = int(money.get("room_count") or 1), int(stay.get("room_index") or 0)
    paid = room_part(Decimal(money.get("deposit_paid") or "0"), rooms, index)
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
    fees = room_part(Decimal(money.get("amendment_fees") or "0"), rooms, index)
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
