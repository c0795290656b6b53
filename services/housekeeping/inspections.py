"""Supervisors inspecting: a task or a room's latest finished cleaning. Passed, the room is
inspected; failed, it is dirty again and the task reopens; issues found go to
maintenance."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.logging import get_logger

from . import domain
from .domain import CLEANING_KINDS, BadTransition, Inspection, Task, TaskStatus
from .task_context import TaskConflict
from .task_effects import TaskEffects

log = get_logger(__name__)


class Inspections(TaskEffects):
    async def inspect(
        self,
        task_id: str,
        *,
        inspector: str,
        passed: bool,
        notes: str | None,
        failed_items: list[str],
        maintenance: list[dict[str, Any]],
    ) -> Task:
        task = await self.task(task_id)
        now = self.clock()
        try:
            verdict = domain.inspect(task, passed, now)
        except BadTransition as error:
            raise TaskConflict(str(error)) from None
        finished_at = task.finished_at or now  # a done task has finished_at (domain.finish)
        record = Inspection(
            inspector=inspector,
            passed=passed,
            notes=notes,
            failed_items=failed_items,
            at=now,
            seconds_after_finish=int((now - finished_at).total_seconds()),
        )
        effects = self._effects(
            task,
            now,
            room_rule=("inspection_passed" if passed else "inspection_failed")
            if task.kind in CLEANING_KINDS
            else None,
            inspector=inspector,
            maintenance=maintenance,
        )
        inspected = await self._save(
            task, domain.moved(verdict, effects_due=effects), {"inspections": record.model_dump()}
        )
        await self.apply_effects(inspected)
        log.info("task inspected", task_id=task_id, passed=passed, inspector=inspector)
        return inspected

    async def inspect_room(self, room_number: str, **verdict: Any) -> Task:
        await self.rooms.room(room_number)
        waiting = await self.repository.tasks_matching(
            {
                "room_number": room_number,
                "status": TaskStatus.DONE.value,
                "kind": {"$in": [kind.value for kind in CLEANING_KINDS]},
            }
        )
        if not waiting:
            raise TaskConflict(
                f"nobody has cleaned room {room_number}: no finished cleaning waits for inspection"
            )
        latest = max(waiting, key=lambda task: task.finished_at or datetime.min)
        return await self.inspect(latest.id, **verdict)
