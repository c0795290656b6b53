"""The daily pass over every guest: year-end requalification and downgrade, expiry after
inactivity, segment and lifecycle refresh, greetings and win-back offers.

Restart-safe without state of its own: every effect is keyed (a roll-over happens once
per year because the counters carry their year, an expiry once per quiet period, a
greeting once per guest and occasion), so a pass that dies half-way is simply run again.
"""

from __future__ import annotations

from shared.logging import get_logger
from shared.worker import PollingWorker

from .repository import LoyaltyRepository
from .service import LoyaltyService

log = get_logger(__name__)


class DailyPass(PollingWorker):
    name = "loyalty-daily-pass"

    def __init__(
        self,
        service: LoyaltyService,
        repository: LoyaltyRepository,
        *,
        poll_seconds: float,
        batch_size: int,
    ) -> None:
        super().__init__(poll_seconds)
        self.service = service
        self.repository = repository
        self.batch_size = batch_size

    async def run_pass(self) -> int:
        """One pass over all guests; returns how many it visited."""
        await self.service.store.repair_merges()
        visited, after = 0, None
        while True:
            batch = await self.repository.guests_for_jobs(after, self.batch_size)
            if not batch:
                return visited
            for guest in batch:
                await self.service.daily_pass(guest["_id"])
            visited += len(batch)
            after = batch[-1]["_id"]

    async def work_once(self) -> int:
        visited = await self.run_pass()
        log.info("daily pass done", guests=visited)
        return 0  # sleep until the next poll: the pass covered everyone
