"""Points redeemed for a booking reach the folio (issue 18): the guest does not pay twice.

Reservation's `reservation.redemption_applied` is kept on the arrival (`allowances`) and
becomes a payment on the folio of the booking's first room, method "loyalty_points",
keyed by the redemption (`points|<redemption id>`), so it is there once however it gets
there:
- redeemed before check-in: the check-in copies the arrival's allowances (booking_money);
- redeemed while in house: the event posts it onto the stay at once;
- a redemption whose event landed between a check-in's read of the arrival and its stay's
  insert: the settlement adds what the arrival holds and the folio lacks.

Never missed by a settling folio (issue 12: the event recorded on the arrival after the
settlement had read it, then found the folio closed, and the guest paid for the night
twice). Two writes decide it, each on one document:
- the settlement reads the arrival's allowances in the same atomic write that marks the
  arrival `folio_settling` (`settling_allowances`): whatever the arrival holds then, the
  folio takes;
- the event goes onto the stay's folio whenever the stay exists (its write and the
  settlement's closing write are ordered by the stay's own guards: before the close it
  is on the folio, or the close fails on the changed payments and settles again with it),
  and onto the arrival only while no folio is settling (a conditional write); finding the
  arrival marked, it goes to the stay.
So an allowance is on the arrival only if the settlement read it, or the stay was not
settling yet. One whose write reaches the stay after its folio closed came after the
check-out: the guest paid in money for what it was to pay, so it is kept on the stay
(`allowances_after_close`) and, in the same write, `folio.points_returned` tells loyalty
to give the points back (once: the write happens once per redemption, and loyalty keys
the return by the redemption).
An amendment that drops the redeemed night withdraws it (`reservation.redemption_withdrawn`):
the allowance leaves the arrival and its id stays in `withdrawn_redemptions`, so an
`applied` delivered late (after the withdrawal) adds nothing.
Points are never paid out in cash: a settlement refunds at most the money paid.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pymongo import ReturnDocument

from shared.events import (
    FolioPointsReturned,
    FolioPointsReturnedPayload,
    RedemptionApplied,
    RedemptionWithdrawn,
)
from shared.logging import get_logger
from shared.outbox import push_outbox

from .folio import PaymentKind
from .records import origin, payment_event, payment_line
from .repository import FrontDeskRepository

log = get_logger(__name__)
POINTS_METHOD = "loyalty_points"
ATTEMPTS = 10


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


async def settling_allowances(
    repository: FrontDeskRepository, stay: dict[str, Any]
) -> list[dict[str, Any]]:
    """The booking's allowances, read in the one write that marks its folio settling: an
    allowance recorded on the arrival after this goes to the stay instead (module doc)."""
    if not stay.get("reservation_id") or (stay.get("room_index") or 0) != 0:
        return []
    arrival = await repository.arrivals.find_one_and_update(
        {"_id": stay["reservation_id"], "property_id": stay["property_id"]},
        {"$set": {"folio_settling": stay["_id"]}},
        projection={"allowances": 1},
        return_document=ReturnDocument.AFTER,
    )
    return list((arrival or {}).get("allowances", []))


def points_returned(
    stay: dict[str, Any], allowance: dict[str, Any], guest_id: str
) -> FolioPointsReturned:
    return FolioPointsReturned.new(
        FolioPointsReturnedPayload(
            stay_id=stay["_id"],
            reservation_id=stay["reservation_id"],
            guest_id=guest_id,
            redemption_id=allowance["redemption_id"],
            points=allowance["points"],
            value=Decimal(allowance["value"]),
            reason="redeemed after the folio closed: the stay was paid in full",
            currency=stay["currency"],
        ),
        **origin(stay),
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
        for _ in range(ATTEMPTS):
            stay = await self._first_room_stay(payload.reservation_id)
            if stay is not None:
                await self._onto_folio(stay, allowance, payload.guest_id)
                return
            if await self._onto_arrival(payload.reservation_id, event.property_id, allowance):
                return
            # a folio began settling meanwhile: its stay exists now, the next round posts there
        raise RuntimeError(f"reservation {payload.reservation_id} kept changing; retried")

    async def _first_room_stay(self, reservation_id: str) -> dict[str, Any] | None:
        return await self.repository.stays.find_one(
            {"reservation_id": reservation_id, "room_index": {"$in": [0, None]}}, {"outbox": 0}
        )

    async def _onto_arrival(
        self, reservation_id: str, property_id: str, allowance: dict[str, Any]
    ) -> bool:
        """Records it for the check-in to copy, unless a folio is settling (module doc).
        True when it is recorded, known, or withdrawn: nothing more to do."""
        redemption_id = allowance["redemption_id"]
        recorded = await self.repository.arrivals.update_one(
            {
                "_id": reservation_id,
                "property_id": property_id,
                "allowances.redemption_id": {"$ne": redemption_id},
                "withdrawn_redemptions": {"$ne": redemption_id},
                "folio_settling": {"$exists": False},
            },
            {"$push": {"allowances": allowance}},
        )
        if recorded.matched_count:
            return True
        arrival = await self.repository.arrival(reservation_id)
        if arrival is None:
            raise ArrivalNotYetKnown(f"reservation {reservation_id} is not on the list yet")
        if redemption_id in arrival.get("withdrawn_redemptions", []):
            return True  # withdrawn by an amendment before this reached the desk
        known = any(a["redemption_id"] == redemption_id for a in arrival.get("allowances", []))
        return known and not arrival.get("folio_settling")

    async def _onto_folio(
        self, stay: dict[str, Any], allowance: dict[str, Any], guest_id: str
    ) -> None:
        """Posts it while the stay is in house (ordered against the settlement's close by
        the stay's guards); after the close, keeps it on the stay and gives the points
        back (`guest_id`: who redeemed them)."""
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
                    redemption_id=allowance["redemption_id"],
                )
                return
            late = await self.repository.stays.update_one(
                {
                    "_id": stay["_id"],
                    "status": {"$ne": "in_house"},
                    "payments.payment_id": {"$ne": payment["payment_id"]},
                    "allowances_after_close.redemption_id": {"$ne": allowance["redemption_id"]},
                },
                {
                    "$push": {
                        "allowances_after_close": allowance,
                        **push_outbox(points_returned(stay, allowance, guest_id)),
                    }
                },
            )
            if late.modified_count:
                self.events_written()
                log.warning(
                    "points allowance after the folio closed: points given back",
                    stay_id=stay["_id"],
                    redemption_id=allowance["redemption_id"],
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
