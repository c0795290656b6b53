"""Attendants working tasks: start (or resume), pause, and finish with the checklist done,
which leaves a cleaned room clean and restocks what the room used."""

from __future__ import annotations

from shared.errors import Unprocessable
from shared.events import HkTaskCompleted, HkTaskCompletedPayload
from shared.logging import get_logger
from shared.outbox import push_outbox

from . import domain
from .domain import CLEANING_KINDS, BadTransition, IncompleteChecklist, Task
from .rooms import from_request
from .task_context import TaskConflict
from .task_effects import TaskEffects

log = get_logger(__name__)


class TaskWork(TaskEffects):
    async def start(self, task_id: str, attendant: str) -> Task:
        task = await self.task(task_id)
        return await self._move(task, lambda: domain.start(task, attendant, self.clock()))

    async def pause(self, task_id: str) -> Task:
        task = await self.task(task_id)
        return await self._move(task, lambda: domain.pause(task, self.clock()))

    async def finish(self, task_id: str, completed_items: list[str]) -> Task:
        task = await self.task(task_id)
        now = self.clock()
        try:
            done = domain.finish(task, completed_items, now)
        except IncompleteChecklist as error:
            raise Unprocessable(str(error), missing=error.missing) from None
        except BadTransition as error:
            raise TaskConflict(str(error)) from None
        event = HkTaskCompleted.new(
            HkTaskCompletedPayload(
                task_id=task.id,
                kind=task.kind.value,
                room_number=task.room_number,
                stay_id=task.stay_id,
                attendant=task.attendant,
                duration_seconds=done.work_seconds,
                request_id=task.request_id,
            ),
            **from_request(task.property_id),
        )
        effects = self._effects(
            task,
            now,
            room_rule="cleaned" if task.kind in CLEANING_KINDS else None,
            restock=True,
        )
        finished = await self._save(
            task, domain.moved(done, effects_due=effects), push_outbox(event)
        )
        self.events_written()
        await self.apply_effects(finished)
        log.info(
            "task finished",
            task_id=task_id,
            attendant=task.attendant,
            work_seconds=finished.work_seconds,
        )
        return finished
