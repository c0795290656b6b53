"""Tentative bookings (issue 18, seed 002 1.2.2(2)): the guest reconfirms by the deadline
the confirmation letter names, or the booking is cancelled and its nights go back on sale.

Reconfirming is recorded with the letter it asks for (`letters_due`) and
`reservation.reconfirmed` (the desk's arrivals list) in one write, and is safe to repeat:
a booking already reconfirmed answers as it stands.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from shared.errors import Conflict
from shared.events import ReservationReconfirmed, ReservationReconfirmedPayload
from shared.logging import get_logger
from shared.outbox import outbox_entry

from .domain import ReservationStatus
from .reservation_documents import reservation_from_document
from .reservation_rules import reconfirmed
from .service import ReservationService, outbox_push

log = get_logger(__name__)
NOT_RECONFIRMED = "tentative booking not reconfirmed by its deadline"


class TentativeBookings:
    def __init__(self, reservations: ReservationService, events_written: Callable[[], None]):
        self.reservations = reservations
        self.repository = reservations.repository
        self.clock = reservations.clock
        self.events_written = events_written

    async def prepare(self) -> None:
        await self.repository.reservations.create_index(
            [("tentative", 1), ("reconfirm_by", 1)], sparse=True
        )

    async def reconfirm(self, reservation_id: str) -> dict[str, Any]:
        current = await self.reservations.get_reservation(reservation_id)
        if current.get("reconfirmed_at"):
            return current  # a repeat: already reconfirmed
        now = self.clock()
        read = reservation_from_document(current)
        moved = reconfirmed(read, now)
        # The desk's arrivals list shows the booking as firm: the event rides in the write.
        event = ReservationReconfirmed.new(
            ReservationReconfirmedPayload(
                reservation_id=reservation_id,
                guest_id=current["guest_id"],
                arrival=current["arrival"],
                reconfirmed_at=now,
            ),
            **self.reservations.event_origin(),
        )
        saved = await self.repository.reconfirm(read, moved, outbox_push([outbox_entry(event)]))
        if saved is None:  # cancelled or reconfirmed meanwhile: say how it stands
            return await self.reconfirm(reservation_id)
        self.events_written()
        log.info("tentative booking reconfirmed", reservation_id=reservation_id)
        return saved

    async def release_overdue(self, now: datetime, limit: int = 50) -> int:
        """Cancels tentative bookings past their deadline (the policy's terms apply: the
        deadline falls before free cancellation ends, so this is free)."""
        overdue = (
            await self.repository.reservations.find(
                {
                    "tentative": True,
                    "reconfirm_by": {"$lte": now},
                    "status": ReservationStatus.CONFIRMED,
                },
                {"_id": 1},
            )
            .limit(limit)
            .to_list(None)
        )
        released = 0
        for booking in overdue:
            try:
                await self.reservations.cancel_reservation(booking["_id"], NOT_RECONFIRMED)
            except Conflict:  # reconfirmed, cancelled or changed meanwhile: leave it
                continue
            released += 1
            log.info("tentative booking released", reservation_id=booking["_id"])
        return released
