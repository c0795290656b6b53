"""Closing a reservation: cancelled or marked a no-show, its fee and refund recorded with
the event, then its nights given back."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from shared.errors import Conflict
from shared.events import (
    Event,
    ReservationCancelled,
    ReservationCancelledPayload,
    ReservationNoShow,
    ReservationNoShowPayload,
)
from shared.logging import get_logger
from shared.outbox import outbox_entry

from .domain import ReservationStatus
from .inventory_holds import InventoryHolds
from .policies import cancellation_terms, no_show_may_be_marked, no_show_terms
from .reservation_context import AlsoPublish, outbox_push

log = get_logger(__name__)


class Closings(InventoryHolds):
    async def cancel_reservation(
        self,
        reservation_id: str,
        reason: str | None = None,
        *,
        also_publish: AlsoPublish | None = None,
    ) -> dict[str, Any]:
        current = await self._confirmed(reservation_id)
        fee, refund = cancellation_terms(current, self.clock())
        event = ReservationCancelled.new(
            ReservationCancelledPayload(
                reservation_id=reservation_id,
                guest_id=current["guest_id"],
                old_status=current["status"],
                cancellation_fee=fee,
                refund_amount=refund,
                reason=reason,
                currency=current["currency"],
            ),
            **self.event_origin(),
        )
        return await self.close(
            current,
            ReservationStatus.CANCELLED,
            event,
            "cancellation",
            {"fee": str(fee), "refund": str(refund), "reason": reason},
            also_publish,
        )

    async def mark_no_show(
        self, reservation_id: str, *, day_closed: date | None = None
    ) -> dict[str, Any]:
        """By hand once the arrival day has ended at the hotel, or when the night audit
        closed the arrival's business day (`day_closed`)."""
        current = await self._confirmed(reservation_id)
        arrival = date.fromisoformat(current["arrival"])
        if not (
            day_closed is not None
            and arrival <= day_closed
            or no_show_may_be_marked(arrival, self.clock())
        ):
            raise Conflict("a no-show is marked after the arrival day has ended")
        fee, refund = no_show_terms(current)
        event = ReservationNoShow.new(
            ReservationNoShowPayload(
                reservation_id=reservation_id,
                guest_id=current["guest_id"],
                no_show_fee=fee,
                currency=current["currency"],
            ),
            **self.event_origin(),
        )
        return await self.close(
            current,
            ReservationStatus.NO_SHOW,
            event,
            "no_show",
            {"fee": str(fee), "refund": str(refund)},
        )

    async def close(
        self,
        current: dict[str, Any],
        status: ReservationStatus,
        event: Event[Any],
        field: str,
        record: dict[str, Any],
        also_publish: AlsoPublish | None = None,
    ) -> dict[str, Any]:
        """Cancelled or no-show: fee and refund recorded with the event, then the nights
        go back."""
        closed = await self.repository.update_reservation(
            {
                "_id": current["_id"],
                "version": current["version"],
                "status": ReservationStatus.CONFIRMED,
                "amendment": None,
            },
            {
                "$set": {
                    "status": status,
                    field: {**record, "at": self.clock().isoformat()},
                    "version": current["version"] + 1,
                    "inventory_settled": False,
                    "settled_by": self.owner,
                    "updated_at": self.clock(),
                    # issue 18: the refund is paid by services/reservation/refunds.py,
                    # asked for here in the same write so no crash loses it
                    **({"refund_due": True} if Decimal(record["refund"]) > 0 else {}),
                },
                "$push": outbox_push(
                    [
                        outbox_entry(event),
                        *(also_publish({**current, "status": status}) if also_publish else []),
                    ]
                ),
            },
        )
        if closed is None:
            raise Conflict("the reservation changed meanwhile; load it and try again")
        closed = await self._settle_inventory(closed)
        self.events_written()
        log.info(
            "reservation closed",
            reservation_id=current["_id"],
            status=status.value,
            fee=record["fee"],
            refund=record["refund"],
        )
        return closed
