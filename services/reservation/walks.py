"""Walked guests (issue 18, seed 002 10.3): the desk had no room for a booked guest and
walked them to a partner hotel. The booking is closed as `walked`: its nights go back on
sale, no no-show fee is charged (the hotel failed, not the guest) and whatever the guest
paid is refunded through the usual refund worker (`refund_due`, refunds.py).

The desk's `arrival.walked` is applied once: the close is guarded by the booking's status
and version, and a copy arriving after it finds the booking already walked.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from shared.events import ArrivalWalked, ReservationWalked, ReservationWalkedPayload
from shared.logging import get_logger

from .domain import ReservationStatus
from .reservation_documents import reservation_from_document
from .service import PRODUCER, ReservationService

log = get_logger(__name__)


class WalkedGuests:
    def __init__(self, reservations: ReservationService) -> None:
        self.reservations = reservations

    async def follow(self, event: ArrivalWalked) -> dict[str, Any] | None:
        payload = event.payload
        current = await self.reservations.get_reservation(payload.reservation_id)
        if current["status"] == ReservationStatus.WALKED:
            return current  # a redelivery: already followed
        if current["status"] != ReservationStatus.CONFIRMED:
            # cancelled (or closed) before the desk's walk arrived: nothing left to release
            log.warning(
                "walk for a booking that is not confirmed",
                reservation_id=payload.reservation_id,
                status=current["status"],
            )
            return None
        refund = Decimal(current.get("deposit_paid", "0"))
        walked = ReservationWalked.new(
            ReservationWalkedPayload(
                reservation_id=current["_id"],
                guest_id=current["guest_id"],
                partner_hotel=payload.partner_hotel,
                refund_amount=refund,
                currency=current["currency"],
            ),
            producer=PRODUCER,
            **event.caused(),
        )
        return await self.reservations.close(
            reservation_from_document(current),
            ReservationStatus.WALKED,
            walked,
            "walk",
            {
                "fee": "0.00",
                "refund": str(refund),
                "partner_hotel": payload.partner_hotel,
                "nights": payload.nights,
                "walked_at": payload.walked_at.isoformat(),
            },
        )
