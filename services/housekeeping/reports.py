"""Reports for the housekeeping manager: rooms by status, work per attendant, times."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from .domain import TaskStatus
from .repository import HousekeepingRepository

FINISHED = [TaskStatus.DONE.value, TaskStatus.INSPECTED.value]


class Reports:
    def __init__(self, repository: HousekeepingRepository) -> None:
        self.repository = repository

    async def rooms_by_status(self) -> dict[str, Any]:
        rooms = await self.repository.all_rooms()
        return {
            "total": len(rooms),
            "by_status": dict(sorted(Counter(room["status"] for room in rooms).items())),
            "do_not_disturb": sorted(r["number"] for r in rooms if r.get("do_not_disturb")),
        }

    async def work_by_attendant(self, day: str | None) -> dict[str, Any]:
        filters: dict[str, Any] = {"status": {"$in": FINISHED}}
        if day:
            filters["day"] = day
        done: dict[str, dict[str, int]] = defaultdict(lambda: {"tasks": 0, "work_seconds": 0})
        for task in await self.repository.tasks_matching(filters):
            entry = done[task.attendant or "unknown"]
            entry["tasks"] += 1
            entry["work_seconds"] += task.work_seconds
        return {"day": day, "attendants": dict(sorted(done.items()))}

    async def times(self, day: str | None) -> dict[str, Any]:
        """Average cleaning time per task kind (pauses left out) and average time from a
        finished cleaning to its inspection."""
        filters: dict[str, Any] = {"status": {"$in": FINISHED}}
        if day:
            filters["day"] = day
        cleaning: dict[str, list[int]] = defaultdict(list)
        inspection: list[int] = []
        for task in await self.repository.tasks_matching(filters):
            cleaning[task.kind.value].append(task.work_seconds)
        inspected = await self.repository.tasks_matching(
            {"inspections.0": {"$exists": True}, **({"day": day} if day else {})}
        )
        for task in inspected:
            inspection += [record.seconds_after_finish for record in task.inspections]
        return {
            "day": day,
            "average_cleaning_seconds": {
                kind: round(sum(v) / len(v)) for kind, v in sorted(cleaning.items())
            },
            "cleanings": {kind: len(v) for kind, v in sorted(cleaning.items())},
            "average_inspection_seconds": round(sum(inspection) / len(inspection))
            if inspection
            else None,
            "inspections": len(inspection),
        }
