"""What loyalty decides about a guest, followed on the bookings: a merge of duplicate
guests and an erasure."""

from __future__ import annotations

from shared.events import GuestAnonymized, GuestMerged
from shared.logging import get_logger

from .reservation_context import ReservationContext

log = get_logger(__name__)


class GuestRecords(ReservationContext):
    async def follow_merge(self, event: GuestMerged) -> None:
        """Loyalty merged duplicate guests: the bookings follow the surviving id."""
        moved = await self.repository.follow_merge(
            list(event.payload.merged_guest_ids), event.payload.surviving_guest_id
        )
        log.info("guest merge followed", reservations=moved)

    async def anonymize_guest(self, event: GuestAnonymized) -> None:
        """Erasure: names and contact go, amounts and dates stay. Repeating it is harmless."""
        guest_ids = [event.payload.guest_id, *event.payload.also_known_as]
        erased = await self.repository.anonymize_guests(guest_ids, self.clock())
        log.info("guest erased from reservations", reservations=erased)
