"""The service's background loops: block release and the abandoned-booking janitor.
Both keep their state in MongoDB (block status, reservation markers), so a restarted
process simply finds the work again."""

from __future__ import annotations

from datetime import timedelta

from shared.worker import PollingWorker

from .blocks import BlockService
from .service import ReservationService


class BlockReleaser(PollingWorker):
    """Releases blocks whose release date has come. Its state is the blocks' status in
    MongoDB, so a restart simply finds the due blocks again."""

    name = "block-releaser"

    def __init__(self, blocks: BlockService, poll_seconds: float) -> None:
        super().__init__(poll_seconds)
        self.blocks = blocks

    async def work_once(self) -> int:
        return await self.blocks.release_due()


class AbandonedBookingJanitor(PollingWorker):
    """Finds bookings a dead process left half-done (pending, mid-amendment, nights not
    yet given back) after `stale_minutes` and puts them right."""

    name = "booking-janitor"

    def __init__(
        self, reservations: ReservationService, poll_seconds: float, stale_minutes: float
    ) -> None:
        super().__init__(poll_seconds)
        self.reservations = reservations
        self.stale_minutes = stale_minutes

    async def work_once(self) -> int:
        older_than = self.reservations.clock() - timedelta(minutes=self.stale_minutes)
        stale = await self.reservations.repository.needing_repair(older_than, 50)
        for reservation in stale:
            await self.reservations.repair(reservation)
        return len(stale)
