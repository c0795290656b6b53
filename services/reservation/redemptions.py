"""Points redeemed for a booking (issue 18, seeds 000 二(三), 001 八).

Loyalty debits the points and publishes `loyalty.points_redeemed` naming the booking.
Reservation honours it: a redeemed night is worth its rate (one room's share of it), a
voucher its value, off what the guest pays (`redemptions`, `points_allowance`; the
booking's rates and total stay as booked, so revenue reports and the terms are
unchanged). `reservation.redemption_applied` tells the desk, which credits it on the
folio. A redemption the booking cannot use (it is closed, the night is not in the stay
or is already paid with points, the voucher is worth more than is left to pay) is
refused with `reservation.redemption_refused`, and loyalty gives the points back.

Each redemption is decided once: the decision and its event are one guarded write
(`redemptions.redemption_id` / `refused_redemptions.redemption_id` absent), so a
redelivered message finds it made and changes nothing.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal
from typing import Any

from shared.errors import NotFound
from shared.events import (
    PointsRedeemed,
    RedemptionApplied,
    RedemptionAppliedPayload,
    RedemptionRefused,
    RedemptionRefusedPayload,
)
from shared.logging import get_logger
from shared.outbox import outbox_entry

from .domain import ReservationStatus
from .service import PRODUCER, ReservationService, outbox_push

log = get_logger(__name__)
HONOURED_WHILE = (ReservationStatus.CONFIRMED, ReservationStatus.IN_HOUSE)
ATTEMPTS = 10


def first_room_share(amount: Any, reservation: dict[str, Any]) -> Decimal:
    """A booking's rates are for all its rooms; points pay for one room (the first, whose
    folio the desk credits), the share the desk charges that room (frontdesk room_share)."""
    rooms = reservation.get("room_count", 1)
    return (Decimal(amount) / rooms).quantize(Decimal("0.01"), rounding=ROUND_DOWN)


def points_allowance(reservation: dict[str, Any]) -> Decimal:
    return sum((Decimal(r["value"]) for r in reservation.get("redemptions", [])), Decimal("0.00"))


def refusal(reservation: dict[str, Any], redeemed: PointsRedeemed) -> str | None:
    """Why the booking cannot use this redemption, or None when it can."""
    payload = redeemed.payload
    if reservation["status"] not in HONOURED_WHILE:
        return f"the booking is {reservation['status']}"
    if reservation["guest_id"] != payload.guest_id:
        return "the booking is another guest's"
    if payload.redeemed_for == "night":
        night = payload.night.isoformat() if payload.night else None
        if night not in reservation["nightly_rates"]:
            return f"{night} is not a night of the booking"
        if any(r.get("night") == night for r in reservation.get("redemptions", [])):
            return f"{night} is already paid with points"
        return None
    value = payload.voucher_value or Decimal("0")
    left = first_room_share(reservation["total_amount"], reservation) - points_allowance(
        reservation
    )
    if value <= 0 or value > left:
        return f"a voucher of {value} is more than the {left} left to pay"
    return None


class Redemptions:
    def __init__(self, reservations: ReservationService) -> None:
        self.reservations = reservations
        self.repository = reservations.repository

    async def honour(self, event: PointsRedeemed) -> str:
        """Applies or refuses the redemption; says which ("applied", "refused", "known")."""
        payload = event.payload
        if payload.reservation_id is None:
            return "not for a booking"
        for _ in range(ATTEMPTS):
            current = await self.repository.get(payload.reservation_id)
            if current is None:
                # loyalty only redeems for bookings it learned from reservation.created
                raise NotFound(f"no reservation {payload.reservation_id!r}")
            if _decided(current, payload.entry_id):
                return "known"  # a redelivery
            reason = refusal(current, event)
            saved = await self.repository.update_reservation(
                {
                    "_id": current["_id"],
                    "version": current["version"],
                    "amendment": None,  # not while its nights are being changed
                    "redemptions.redemption_id": {"$ne": payload.entry_id},
                    "refused_redemptions.redemption_id": {"$ne": payload.entry_id},
                },
                self._refuse(current, event, reason) if reason else self._apply(current, event),
            )
            if saved is not None:
                self.reservations.events_written()
                log.info(
                    "points redemption " + ("refused" if reason else "applied"),
                    reservation_id=current["_id"],
                    redemption_id=payload.entry_id,
                    reason=reason,
                )
                return "refused" if reason else "applied"
        raise RuntimeError(f"reservation {payload.reservation_id!r} kept changing; retried")

    def _apply(self, current: dict[str, Any], event: PointsRedeemed) -> dict[str, Any]:
        payload = event.payload
        night = payload.night.isoformat() if payload.night else None
        value = (
            first_room_share(current["nightly_rates"][night], current)
            if payload.redeemed_for == "night" and night
            else Decimal(payload.voucher_value or 0)
        )
        record = {
            "redemption_id": payload.entry_id,
            "redeemed_for": payload.redeemed_for,
            "night": night,
            "points": -payload.points,
            "value": str(value),
            "at": self.reservations.clock(),
        }
        applied = RedemptionApplied.new(
            RedemptionAppliedPayload(
                reservation_id=current["_id"],
                guest_id=current["guest_id"],
                redemption_id=payload.entry_id,
                redeemed_for=payload.redeemed_for or "voucher",
                night=payload.night,
                points=-payload.points,
                value=value,
                currency=current["currency"],
            ),
            producer=PRODUCER,
            **event.caused(),
        )
        allowance = points_allowance(current) + value
        return {
            "$push": {"redemptions": record, **outbox_push([outbox_entry(applied)])},
            "$set": {"points_allowance": str(allowance)},
            "$inc": {"version": 1},
        }

    def _refuse(
        self, current: dict[str, Any], event: PointsRedeemed, reason: str
    ) -> dict[str, Any]:
        payload = event.payload
        refused = RedemptionRefused.new(
            RedemptionRefusedPayload(
                reservation_id=current["_id"],
                guest_id=payload.guest_id,
                redemption_id=payload.entry_id,
                points=-payload.points,
                reason=reason,
            ),
            producer=PRODUCER,
            **event.caused(),
        )
        record = {"redemption_id": payload.entry_id, "reason": reason}
        return {"$push": {"refused_redemptions": record, **outbox_push([outbox_entry(refused)])}}


def _decided(reservation: dict[str, Any], redemption_id: str) -> bool:
    return any(
        r["redemption_id"] == redemption_id
        for r in [*reservation.get("redemptions", []), *reservation.get("refused_redemptions", [])]
    )
