"""Closing a reservation: cancelled, marked a no-show or walked, its fee and refund
recorded with the event (the rule reservation_rules.closed, written by the store's
close), then its nights given back."""

from __future__ import annotations

from datetime import date
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
from .reservation_aggregate import Reservation, StoredRecord
from .reservation_context import AlsoPublish, outbox_push
from .reservation_documents import reservation_from_document, reservation_to_document
from .reservation_rules import ClosingRecord, closed

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
            reservation_from_document(current),
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
            reservation_from_document(current),
            ReservationStatus.NO_SHOW,
            event,
            "no_show",
            {"fee": str(fee), "refund": str(refund)},
        )

    async def close(
        self,
        current: Reservation,
        status: ReservationStatus,
        event: Event[Any],
        field: ClosingRecord,
        record: StoredRecord,
        also_publish: AlsoPublish | None = None,
    ) -> dict[str, Any]:
        """Cancelled, no-show or walked: fee and refund recorded with the event, then the
        nights go back."""
        moved = closed(current, status, field, record, self.clock(), self.owner)
        entries = [outbox_entry(event)]
        if also_publish:
            entries += also_publish({**reservation_to_document(current), "status": status})
        closed_document = await self.repository.close(current, moved, outbox_push(entries))
        if closed_document is None:
            raise Conflict("the reservation changed meanwhile; load it and try again")
        closed_document = await self._settle_inventory(closed_document)
        self.events_written()
        log.info(
            "reservation closed",
            reservation_id=current.id,
            status=status.value,
            fee=record["fee"],
            refund=record["refund"],
        )
        return closed_document
