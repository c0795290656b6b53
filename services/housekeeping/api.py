"""Housekeeping routes: thin, the use cases do the work."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from .domain import RoomPublic, TaskPublic, TaskStatus
from .service import HousekeepingService

MAX_PAGE = 200


def housekeeping_router(service: HousekeepingService) -> APIRouter:
    router = APIRouter(tags=["housekeeping"])

    @router.get("/rooms/{room_number}", response_model=RoomPublic)
    async def get_room(room_number: str) -> RoomPublic:
        room = await service.room(room_number)
        return RoomPublic(room_number=room["number"], room_type=room["room_type"],
                          floor=room["floor"], status=room["status"])

    @router.get("/tasks")
    async def list_tasks(stay_id: str | None = None, status: TaskStatus | None = None,
                         limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
                         offset: Annotated[int, Query(ge=0)] = 0) -> dict[str, Any]:
        total, tasks = await service.tasks(stay_id=stay_id, status=status, limit=limit,
                                           offset=offset)
        return {"total": total, "limit": limit, "offset": offset, "items": [
            TaskPublic(task_id=task["_id"], **{k: task[k] for k in TaskPublic.model_fields
                                                if k != "task_id"}) for task in tasks]}

    return router
