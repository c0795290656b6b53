"""What a task action does to the room, the stock and maintenance: saved with the task's
move as due effects, then applied, each guarded by its cause, so a crash in between
leaves them due and applying them again changes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from .domain import (
    RoomChange,
    RoomStatus,
    Task,
    cleanliness,
    status_after_cleaning,
    status_after_inspection,
)
from .rooms import from_request, to_status
from .task_context import TaskContext


class TaskEffects(TaskContext):
    @staticmethod
    def _effects(
        task: Task,
        now: datetime,
        *,
        room_rule: str | None,
        restock: bool = False,
        inspector: str | None = None,
        maintenance: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """Saved with the task's move, so a crash before they are applied leaves them due:
        `apply_due_effects` finishes them. Each is guarded by the cause (the task's id and
        new revision), so applying them twice changes nothing."""
        return {
            "cause": f"task|{task.id}|{task.revision + 1}",
            "since": now,
            "room_rule": room_rule,
            "restock": restock,
            "inspector": inspector,
            "maintenance": maintenance or [],
        }

    async def apply_effects(self, task: Task) -> None:
        effects = task.effects_due
        if not effects:
            return
        cause, origin = effects["cause"], from_request(task.property_id)
        if effects["room_rule"]:
            await self.rooms.change(
                task.room_number,
                cause,
                _room_rule(effects["room_rule"], effects["inspector"]),
                origin,
            )
        if effects["restock"]:
            await self.stock.consume(task.restock, cause)
        for number, issue in enumerate(effects["maintenance"]):
            await self.maintenance.request(
                request_id=f"{cause}|{number}".replace("task|", "inspection|", 1),
                room_number=task.room_number,
                source="inspection",
                reported_by=effects["inspector"],
                origin=origin,
                **issue,
            )
        await self.repository.clear_effects(task.id, cause)

    async def apply_due_effects(self, older_than_seconds: float = 30) -> int:
        """Effects a crash left behind (a request is normally done with them at once)."""
        cutoff = self.clock() - timedelta(seconds=older_than_seconds)
        due = await self.repository.tasks_matching({"effects_due.since": {"$lte": cutoff}})
        for task in due:
            await self.apply_effects(task)
        return len(due)


def _room_rule(name: str, inspector: str | None):
    if name == "cleaned":
        return to_status(status_after_cleaning, "cleaning finished")
    passed = name == "inspection_passed"

    def after_inspection(room: dict[str, Any]) -> RoomChange | None:
        current = RoomStatus(room["status"])
        # Only a room still as the attendant left it takes the supervisor's verdict.
        if passed and cleanliness(current) != "clean":
            return None
        return RoomChange(
            status_after_inspection(current, passed),
            f"inspection {'passed' if passed else 'failed'} by {inspector}",
        )

    return after_inspection
