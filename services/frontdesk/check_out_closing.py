"""What a check-out writes, reckoned before the write: the room nights not yet posted, the
late fee, the allowances and the refund, the invoice's settlement and the folio's closing
events, and the one conditional write that closes the stay with all of them (its guard
is the folio as read: a charge or payment posted meanwhile makes the desk settle again)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from shared.events import (
    Event,
    FolioClosed,
    FolioClosedPayload,
    StayCheckedOut,
    StayCheckedOutPayload,
)
from shared.outbox import push_outbox

from .folio import ChargeCategory, PaymentKind, cents, room_charge_id
from .points_allowances import money_paid, points_paid
from .records import (
    charge_event,
    charge_line,
    origin,
    payment_event,
    payment_line,
    stay_ref,
    storable,
)
from .stay_aggregate import Stay
from .stay_rules import checked_out


def nights_to_charge(stay: dict[str, Any], today: date) -> tuple[list[str], bool]:
    """The nights the folio bills and whether the guest leaves early: an early departure
    pays the nights slept (at least the first), not the ones it gives back."""
    arrival, departure = (
        date.fromisoformat(stay["arrival"]),
        date.fromisoformat(stay["departure"]),
    )
    nights = sorted(stay["nightly_rates"])
    early = arrival <= today < departure
    charged = [n for n in nights if n < today.isoformat()] or nights[:1] if early else nights
    return charged, early


def room_charges_to_post(
    stay: dict[str, Any], charged: list[str], now: datetime
) -> list[dict[str, Any]]:
    """The charged nights the night audit has not posted yet."""
    posted_ids = {c["charge_id"] for c in stay["charges"]}
    return [
        charge_line(
            room_charge_id(n),
            ChargeCategory.ROOM,
            Decimal(stay["nightly_rates"][n]),
            f"room {stay['room_number']}, night of {n}",
            now,
        )
        for n in charged
        if room_charge_id(n) not in posted_ids
    ]


def refund_due(stay: dict[str, Any], balance: Decimal, payments: list[dict[str, Any]]) -> Decimal:
    """Points are never paid out in cash: a refund gives back at most the money paid."""
    return min(-balance, money_paid([*stay["payments"], *payments]))


def refund_line(stay: dict[str, Any], refund: Decimal, now: datetime) -> dict[str, Any]:
    """The refund, by the method the deposit was paid with (a card when none was)."""
    deposit_method = next(
        (p["method"] for p in stay["payments"] if p["kind"] == PaymentKind.DEPOSIT), "card"
    )
    return payment_line(
        PaymentKind.REFUND,
        refund,
        deposit_method,
        None,
        now,
        reference=f"refund|{stay['_id']}",
    )


@dataclass
class Closing:
    """One check-out's settlement of the stay as read."""

    stay: dict[str, Any]
    now: datetime
    early: bool
    actual_departure: date
    new_charges: list[dict[str, Any]]
    payments: list[dict[str, Any]]  # the allowances found missing and the refund
    totals: dict[str, Decimal]
    refund: Decimal
    fee: Decimal
    invoice_number: str
    # an early departure's nights from today go back: an intent in the closing write
    # (night_release.py), so a crash before the release does not keep them held
    release: dict[str, Any] | None

    @property
    def charges(self) -> list[dict[str, Any]]:
        return [*self.stay["charges"], *self.new_charges]

    @property
    def room_nights(self) -> int:
        return len([c for c in self.charges if c["category"] == ChargeCategory.ROOM])

    def settlement(self) -> dict[str, Any]:
        """The invoice as the stay keeps it."""
        stay, totals = self.stay, self.totals
        return {
            "stay_id": stay["_id"],
            "nights": self.room_nights,
            "currency": stay["currency"],
            **totals,
            "refund": cents(max(self.refund, Decimal("0"))),
            "amount_due": cents(max(totals["balance"], Decimal("0"))),
            "late_checkout_fee": cents(self.fee),
            "invoice_number": self.invoice_number,
            "early_departure": self.early,
            "item_checks": stay["item_checks"],
            "lines": self.charges,
            "billed_to": stay.get("guest_name"),
        }

    def events(self) -> list[Event[Any]]:
        """The new lines posted, the folio closed and the stay checked out."""
        stay, totals = self.stay, self.totals
        events: list[Event[Any]] = [charge_event(stay, charge) for charge in self.new_charges]
        events += [payment_event(stay, payment) for payment in self.payments]
        events.append(
            FolioClosed.new(
                FolioClosedPayload(
                    stay_id=stay["_id"],
                    guest_id=stay["guest_id"],
                    invoice_number=self.invoice_number,
                    room_charges=totals["room_charges"],
                    other_charges=totals["other_charges"],
                    compensation=totals["compensation"],
                    deposit=totals["deposit"],
                    balance=totals["balance"],
                    currency=stay["currency"],
                ),
                **origin(stay),
            )
        )
        events.append(
            StayCheckedOut.new(
                StayCheckedOutPayload(
                    **stay_ref(stay),
                    departure=self.actual_departure,
                    nights=self.room_nights,
                    room_revenue=totals["room_charges"],
                    total_spend=totals["room_charges"]
                    + totals["other_charges"]
                    + totals["compensation"],
                    other_charges=totals["other_charges"] + totals["compensation"],
                    currency=stay["currency"],
                    early_departure=self.early,
                    paid_with_points=points_paid([*stay["payments"], *self.payments]),
                ),
                **origin(stay),
            )
        )
        return events

    def guard(self) -> dict[str, Any]:
        """Still in house, with the very folio this settlement was reckoned on."""
        return {
            "status": "in_house",
            "charges": {"$size": len(self.stay["charges"])},
            "payments": {"$size": len(self.stay["payments"])},
        }

    def closed(self, read: Stay) -> Stay:
        """The stay as read, checked out with this settlement."""
        return checked_out(
            read,
            at=self.now,
            actual_departure=self.actual_departure.isoformat(),
            settlement=storable(self.settlement()),
        )

    def appended(self) -> dict[str, Any]:
        """The new lines and the events, appended in the closing write (the outbox)."""
        return {
            "charges": {"$each": self.new_charges},
            "payments": {"$each": self.payments},
            **({"release_pending": self.release} if self.release else {}),
            **push_outbox(*self.events()),
        }
