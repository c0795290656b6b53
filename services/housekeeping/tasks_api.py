"""Routes for the tasks: the list and one task, attendants starting, pausing and finishing,
the supervisor's inspection, and the departure room check."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from shared.auth import CurrentPrincipal
from shared.events import ItemCharge
from shared.paging import Page

from .api_common import MAX_PAGE, verdict_of
from .domain import TaskKind, TaskPublic, TaskStatus
from .public import RoomCheckPublic
from .schemas import ChargeIn, InspectionCreate, RoomCheckCreate, TaskFinish, TaskStart
from .tasks import TaskService


def tasks_router(tasks: TaskService) -> APIRouter:
    router = APIRouter()
    _reading_routes(router, tasks)
    _attendant_routes(router, tasks)
    _supervisor_routes(router, tasks)
    return router


def _reading_routes(router: APIRouter, tasks: TaskService) -> None:
    @router.get("/tasks")
    async def list_tasks(
        stay_id: str | None = None,
        status: TaskStatus | None = None,
        kind: TaskKind | None = None,
        room_number: str | None = None,
        day: date | None = None,
        assigned_to: str | None = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
        offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    ) -> Page[TaskPublic]:
        total, found = await tasks.tasks(
            stay_id=stay_id,
            status=status,
            kind=kind,
            room_number=room_number,
            day=day.isoformat() if day else None,
            assigned_to=assigned_to,
            limit=limit,
            offset=offset,
        )
        return Page.of(total, limit, offset, [TaskPublic.of(task) for task in found])

    @router.get("/tasks/{task_id}", response_model=TaskPublic)
    async def get_task(task_id: str) -> TaskPublic:
        return TaskPublic.of(await tasks.task(task_id))


def _attendant_routes(router: APIRouter, tasks: TaskService) -> None:
    @router.post("/tasks/{task_id}/start", response_model=TaskPublic)
    async def start_task(task_id: str, start: TaskStart) -> TaskPublic:
        """Starts an open task, or resumes a paused one."""
        return TaskPublic.of(await tasks.start(task_id, start.attendant))

    @router.post("/tasks/{task_id}/pause", response_model=TaskPublic)
    async def pause_task(task_id: str) -> TaskPublic:
        return TaskPublic.of(await tasks.pause(task_id))

    @router.post("/tasks/{task_id}/finish", response_model=TaskPublic)
    async def finish_task(task_id: str, finish: TaskFinish) -> TaskPublic:
        """Every checklist item must be done; a cleaning leaves the room clean."""
        return TaskPublic.of(await tasks.finish(task_id, finish.completed_items))


def _supervisor_routes(router: APIRouter, tasks: TaskService) -> None:
    """The inspection and the departure room check, each by the signed-in credential."""

    @router.post("/tasks/{task_id}/inspection", response_model=TaskPublic)
    async def inspect_task(
        task_id: str, inspection: InspectionCreate, principal: CurrentPrincipal
    ) -> TaskPublic:
        """Passed: the room is inspected. Failed: the room is dirty and the task reopens.
        The inspector is the signed-in credential, whatever the body says."""
        acting = inspection.model_copy(update={"inspector": principal.key_id})
        return TaskPublic.of(await tasks.inspect(task_id, **verdict_of(acting)))

    @router.post("/tasks/{task_id}/room-check", status_code=201)
    async def room_check(
        task_id: str, check: RoomCheckCreate, principal: CurrentPrincipal
    ) -> RoomCheckPublic:
        """The departure room check: damages, missing items, minibar, sent to the folio
        as room.item_check_reported (once per stay). Checked by the signed-in credential."""
        return RoomCheckPublic.of(
            await tasks.report_room_check(
                task_id,
                damages=_charges(check.damages),
                missing_items=_charges(check.missing_items),
                minibar=_charges(check.minibar),
                checked_by=principal.key_id,
                currency=check.currency,
            )
        )


def _charges(charges: list[ChargeIn]) -> list[ItemCharge]:
    return [ItemCharge(**charge.model_dump()) for charge in charges]
