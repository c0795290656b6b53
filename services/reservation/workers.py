"""The service's background loops that poll a use case: block release, the
abandoned-booking janitor and the release of tentative bookings past their deadline
(tentative.py). Each keeps its state in MongoDB (block status, reservation markers,
deadlines), so a restarted process simply finds the work again. The letter writer and
the refund payer stay beside the work they do (letters.py, refunds.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from shared.worker import PollingWorker

from .blocks import BlockService
from .service import ReservationService
from .tentative import TentativeBookings


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
    yet given back) and puts them right: as soon as the process that owns the work has
    lost its lease (shared/process_lease.py), and whatever the owner after
    `stale_minutes` (work that names no owner, a process starved past its lease)."""

    name = "booking-janitor"

    def __init__(
        self, reservations: ReservationService, poll_seconds: float, stale_minutes: float
    ) -> None:
        super().__init__(poll_seconds)
        self.reservations = reservations
        self.stale_minutes = stale_minutes
        self.settle_seconds = min(2.0, stale_minutes * 60)

    async def work_once(self) -> int:
        now = self.reservations.clock()
        # Work younger than this is almost surely still running: not worth a look.
        candidates = await self.reservations.repository.needing_repair(
            now - timedelta(seconds=self.settle_seconds), 50
        )
        stale_before = now - timedelta(minutes=self.stale_minutes)
        repaired = 0
        for reservation in candidates:
            if _started(reservation) < stale_before or await self.reservations.owner_died(
                _owner(reservation)
            ):
                await self.reservations.repair(reservation)
                repaired += 1
        return repaired


def _owner(reservation: dict[str, Any]) -> str | None:
    """The process doing the half-done step: booking, amending, or giving nights back."""
    if reservation["status"] == "pending":
        return reservation.get("owner")
    if reservation.get("amendment"):
        return reservation["amendment"].get("owner")
    return reservation.get("settled_by")


def _started(reservation: dict[str, Any]) -> datetime:
    if reservation["status"] == "pending":
        started = reservation["created_at"]
    elif reservation.get("amendment"):
        started = reservation["amendment"]["started_at"]
    else:
        started = reservation["updated_at"]
    # A store may give datetimes back naive; they were written in UTC.
    return started if started.tzinfo else started.replace(tzinfo=UTC)


class TentativeReleaser(PollingWorker):
    name = "tentative-releaser"

    def __init__(self, tentative: TentativeBookings, poll_seconds: float) -> None:
        super().__init__(poll_seconds)
        self.tentative = tentative

    async def work_once(self) -> int:
        return await self.tentative.release_overdue(self.tentative.clock())
