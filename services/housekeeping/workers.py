"""Housekeeping's background loops: the daily plan and the out-of-order periods that
come due. Each polls a use case (tasks.py, maintenance.py) whose state is all in the
database, so a restarted process simply finds the work again."""

from __future__ import annotations

from datetime import datetime, time

from shared.clock import Clock, PropertyClock
from shared.worker import PollingWorker

from .maintenance import MaintenanceService
from .tasks import TaskService


class DailyPlanWorker(PollingWorker):
    """Generates the plan of the hotel's business date once it is `plan_at` on that day in
    the hotel's time zone. The business date is the one the night audit rolled to
    (business_day.closed, shared/business_date.py), not the server's UTC date: at 17:00
    UTC it is already tomorrow in Shanghai, and the plan is for the day the audit opened.

    Restart-safe: whether a day is planned is in the database (the plans collection), and
    the plan itself is idempotent; the clock is injected so tests choose the morning.
    """

    name = "daily-plan"

    def __init__(
        self,
        tasks: TaskService,
        *,
        clock: Clock,
        plan_at: time,
        timezone: str,
        poll_seconds: float,
    ) -> None:
        super().__init__(poll_seconds)
        self.tasks = tasks
        self.clock = PropertyClock(clock, timezone)
        self.plan_at = plan_at

    async def work_once(self) -> int:
        await self.tasks.apply_due_effects()
        day = await self.tasks.business_dates.today()
        if self.clock.now_local() < datetime.combine(day, self.plan_at, tzinfo=self.clock.tz):
            return 0
        if await self.tasks.repository.plan(day.isoformat()) is None:
            await self.tasks.plan_day(day)
        return 0


class RoomPeriodWorker(PollingWorker):
    """Polls for due out-of-order transitions; all state is in the database."""

    name = "room-periods"

    def __init__(self, maintenance: MaintenanceService, poll_seconds: float) -> None:
        super().__init__(poll_seconds)
        self.maintenance = maintenance

    async def work_once(self) -> int:
        await self.maintenance.apply_due_periods()
        return 0  # nothing waits behind a pass: the next is due by the clock, not by backlog
