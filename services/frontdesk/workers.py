"""The desk's background loops that poll a use case (the janitor of interrupted night
releases stays beside its recovery, night_release.py).

The night audit: once the property's clock is past the audit hour, the business date that
just ended is closed (business_day.py): its room nights are posted and the date rolls.
Restart-safe: the open business date is in MongoDB, and each stay's room charge is keyed
by its night, so a pass repeated after a crash posts nothing twice.

The room-check wait: a departure waiting on its room check is settled without it once
the wait is over (departure.py)."""

from __future__ import annotations

from shared.worker import PollingWorker

from .business_day import BusinessDay
from .departure import DepartureDesk


class NightAuditWorker(PollingWorker):
    name = "night-audit"

    def __init__(self, business_day: BusinessDay, *, poll_seconds: float) -> None:
        super().__init__(poll_seconds)
        self.business_day = business_day

    async def work_once(self) -> int:
        await self.business_day.close_due()
        return 0  # done for this night: wait for the next poll


class RoomCheckWaitWorker(PollingWorker):
    name = "room-check-wait"

    def __init__(self, departures: DepartureDesk, *, poll_seconds: float) -> None:
        super().__init__(poll_seconds)
        self.departures = departures

    async def work_once(self) -> int:
        await self.departures.settle_overdue()
        return 0  # nothing more to do until the next poll
