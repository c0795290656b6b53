"""Points redeemed for a booking reach the folio (issue 18): the guest does not pay twice.

Reservation's `reservation.redemption_applied` is kept on the arrival (`allowances`) and
becomes a payment on the folio of the booking's first room, method "loyalty_points",
keyed by the redemption (`points|<redemption id>`), so it is there once however it gets
there:
- redeemed before check-in: the check-in copies the arrival's allowances (booking_money);
- redeemed while in house: the event posts it onto the stay at once;
- a redemption whose event landed between a check-in's read of the arrival and its stay's
  insert: the settlement adds what the arrival holds and the folio lacks.
An amendment that drops the redeemed night withdraws it (`reservation.redemption_withdrawn`):
the allowance leaves the arrival and its id stays in `withdrawn_redemptions`, so an
`applied` delivered late (after the withdrawal) adds nothing.
Points are never paid out in cash: a settlement refunds at most the money paid.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from shared.events import RedemptionApplied, RedemptionWithdrawn
from shared.logging import get_logger
from shared.outbox import push_outbox

from .folio import PaymentKind
from .records import payment_event, payment_line
from .repository import FrontDeskRepository

log = get_logger(__name__)
POINTS_METHOD = "loyalty_points"


class ArrivalNotYetKnown(RuntimeError):
    """Points for a booking whose creation has not reached the desk yet: retried later."""


def allowance_payment(allowance: dict[str, Any], at: datetime) -> dict[str, Any]:
    return payment_line(
        PaymentKind.PAYMENT,
        Decimal(allowance["value"]),
        POINTS_METHOD,
        None,
        at,
        reference=f"points|{allowance['redemption_id']}",
    )


def missing_allowances(
    stay: dict[str, Any], allowances: list[dict[str, Any]], at: datetime
) -> list[dict[str, Any]]:
    """The payments for the allowances a stay's folio does not hold yet (first room only)."""
    if stay.get("room_index", 0) != 0:
        return []
    held = {p["payment_id"] for p in stay.get("payments", [])}
    payments = [allowance_payment(a, at) for a in allowances]
    return [p for p in payments if p["payment_id"] not in held]


def money_paid(payments: list[dict[str, Any]]) -> Decimal:
    """What the guest paid in money and has not had back (points are not money)."""
    paid = Decimal("0")
    for payment in payments:
        if payment["method"] == POINTS_METHOD:
            continue
        amount = Decimal(payment["amount"])
        paid += -amount if payment["kind"] == PaymentKind.REFUND else amount
    return paid


def points_paid(payments: list[dict[str, Any]]) -> Decimal:
    """What points paid on the folio: loyalty earns nothing on it (stay.checked_out)."""
    return sum(
        (
            Decimal(p["amount"])
            for p in payments
            if p["method"] == POINTS_METHOD and p["kind"] != PaymentKind.REFUND
        ),
        Decimal("0"),
    )


class PointsAllowances:
    def __init__(self, repository: FrontDeskRepository, clock: Any, events_written: Any) -> None:
        self.repository = repository
        self.clock = clock
        self.events_written = events_written

    async def applied(self, event: RedemptionApplied) -> None:
        payload = event.payload
        allowance = {
            "redemption_id": payload.redemption_id,
            "redeemed_for": payload.redeemed_for,
            "night": payload.night.isoformat() if payload.night else None,
            "points": payload.points,
            "value": str(payload.value),
        }
        recorded = await self.repository.arrivals.update_one(
            {
                "_id": payload.reservation_id,
                "property_id": event.property_id,
                "allowances.redemption_id": {"$ne": payload.redemption_id},
                "withdrawn_redemptions": {"$ne": payload.redemption_id},
            },
            {"$push": {"allowances": allowance}},
        )
        if recorded.matched_count == 0:
            arrival = await self.repository.arrival(payload.reservation_id)
            if arrival is None:
                raise ArrivalNotYetKnown(
                    f"reservation {payload.reservation_id} is not on the list yet"
                )
            if payload.redemption_id in arrival.get("withdrawn_redemptions", []):
                return  # withdrawn by an amendment before this reached the desk
        stay = await self.repository.stays.find_one(
            {"reservation_id": payload.reservation_id, "room_index": {"$in": [0, None]}},
            {"outbox": 0},
        )
        if stay is None or stay["status"] != "in_house":
            return  # the check-in copies it; a closed folio took what it held (module doc)
        for payment in missing_allowances(stay, [allowance], self.clock()):
            posted = await self.repository.update_stay(
                stay["_id"],
                {"status": "in_house", "payments.payment_id": {"$ne": payment["payment_id"]}},
                {"$push": {"payments": payment, **push_outbox(payment_event(stay, payment))}},
            )
            if posted is not None:
                self.events_written()
                log.info(
                    "points allowance posted",
                    stay_id=stay["_id"],
                    redemption_id=payload.redemption_id,
                )

    async def withdrawn(self, event: RedemptionWithdrawn) -> None:
        """Takes the allowance off the arrival, once, and remembers it was withdrawn."""
        payload = event.payload
        recorded = await self.repository.arrivals.update_one(
            {"_id": payload.reservation_id, "property_id": event.property_id},
            {
                "$pull": {"allowances": {"redemption_id": payload.redemption_id}},
                "$addToSet": {"withdrawn_redemptions": payload.redemption_id},
            },
        )
        if recorded.matched_count == 0:
            raise ArrivalNotYetKnown(f"reservation {payload.reservation_id} is not on the list yet")
        log.info(
            "points allowance withdrawn",
            reservation_id=payload.reservation_id,
            redemption_id=payload.redemption_id,
        )
