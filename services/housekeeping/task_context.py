"""What every housekeeping task use case stands on: the repository, the room keeper, the
event-driven use cases (service.py) and maintenance, the stock, the clock and the business
date, the wake-up of the relay, the morning plan's attendants, the load that refuses a
missing task, the save that refuses a task changed meanwhile, and the problems they raise.
The use cases (task_effects.py, task_work.py, inspections.py, room_checks.py,
daily_plan.py, do_not_disturb.py) subclass it; tasks.py puts them together."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shared.clock import Clock
from shared.errors import Conflict, NotFound

from .amenities import StockKeeper
from .domain import BadTransition, Task
from .maintenance import MaintenanceService
from .repository import HousekeepingRepository
from .rooms import RoomKeeper
from .service import HousekeepingService


class UnknownTask(NotFound):
    title = "Unknown task"


class TaskConflict(Conflict):
    title = "Task cannot do that now"


class TaskContext:
    def __init__(
        self,
        repository: HousekeepingRepository,
        rooms: RoomKeeper,
        housekeeping: HousekeepingService,
        maintenance: MaintenanceService,
        stock: StockKeeper,
        *,
        clock: Clock,
        events_written: Callable[[], None],
        default_linen_every: int,
        attendants: list[str],
    ) -> None:
        self.business_dates = housekeeping.business_dates
        self.repository = repository
        self.rooms = rooms
        self.housekeeping = housekeeping
        self.maintenance = maintenance
        self.stock = stock
        self.clock = clock
        self.events_written = events_written
        self.default_linen_every = default_linen_every
        self.attendants = attendants

    # --- reading ----------------------------------------------------------------------

    async def task(self, task_id: str) -> Task:
        task = await self.repository.task(task_id)
        if task is None:
            raise UnknownTask(f"no task {task_id!r}")
        return task

    async def tasks(self, *, limit: int, offset: int, **filters: Any) -> tuple[int, list[Task]]:
        query = {key: value for key, value in filters.items() if value is not None}
        if "room_number" in query:
            await self.rooms.room(query["room_number"])
        return await self.repository.find_tasks(query, limit, offset)

    # --- plumbing -----------------------------------------------------------------------

    async def _move(self, task: Task, rule: Callable[[], Task]) -> Task:
        try:
            move = rule()
        except BadTransition as error:
            raise TaskConflict(str(error)) from None
        return await self._save(task, move)

    async def _save(self, task: Task, moved: Task, push: dict[str, Any] | None = None) -> Task:
        saved = await self.repository.move_task(task, moved, push)
        if saved is None:
            raise TaskConflict(f"task {task.id} changed meanwhile; read it again")
        return saved
