"""Housekeeping routes: thin, the use cases do the work.

No route creates a departure, stay-over or arrival task: those come from events and the
morning plan. Attendants and supervisors move tasks; the desk's requests come as events.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query

from shared.auth import CurrentPrincipal
from shared.events import ItemCharge
from shared.paging import Page

from .amenities import StockKeeper
from .domain import RoomPublic, TaskKind, TaskPublic, TaskStatus
from .maintenance import MaintenanceService
from .public import (
    AttendantsReport,
    MaintenancePublic,
    PeriodPublic,
    PlanGenerated,
    PlanPublic,
    RoomCheckPublic,
    RoomsReport,
    StockItemPublic,
    TimesReport,
)
from .reports import Reports
from .rooms import RoomKeeper, from_request
from .schemas import (
    ChargeIn,
    DoNotDisturb,
    InspectionCreate,
    MaintenanceCreate,
    MaintenanceUpdate,
    PeriodCreate,
    PeriodEndChange,
    PlanCreate,
    RoomCheckCreate,
    StockReceipt,
    StockUpdate,
    TaskFinish,
    TaskStart,
)
from .tasks import TaskService

MAX_PAGE = 200


def room_public(room: dict[str, Any]) -> RoomPublic:
    return RoomPublic(
        room_number=room["number"],
        room_type=room["room_type"],
        floor=room["floor"],
        status=room["status"],
        do_not_disturb=bool(room.get("do_not_disturb")),
    )


def housekeeping_router(
    rooms: RoomKeeper,
    tasks: TaskService,
    maintenance: MaintenanceService,
    stock: StockKeeper,
    reports: Reports,
) -> APIRouter:
    router = APIRouter(tags=["housekeeping"])

    # --- rooms ---------------------------------------------------------------------

    @router.get("/rooms", response_model=list[RoomPublic])
    async def list_rooms() -> list[RoomPublic]:
        """Every room of the property with its status (the room board)."""
        return [room_public(room) for room in await rooms.repository.all_rooms()]

    @router.get("/rooms/{room_number}", response_model=RoomPublic)
    async def get_room(room_number: str) -> RoomPublic:
        return room_public(await rooms.room(room_number))

    @router.put("/rooms/{room_number}/do-not-disturb", response_model=RoomPublic)
    async def do_not_disturb(room_number: str, sign: DoNotDisturb) -> RoomPublic:
        """The guest's sign on the door: no stay-over service while it is out."""
        return room_public(await tasks.set_do_not_disturb(room_number, sign.on))

    @router.post("/rooms/{room_number}/inspection", response_model=TaskPublic)
    async def inspect_room(room_number: str, inspection: InspectionCreate) -> TaskPublic:
        """Inspects the room's latest finished cleaning."""
        return TaskPublic.of(await tasks.inspect_room(room_number, **_verdict(inspection)))

    @router.post("/rooms/{room_number}/out-of-order-periods", status_code=201)
    async def add_period(room_number: str, period: PeriodCreate) -> PeriodPublic:
        """A period the room is out of order (or out of service); the status changes by
        itself at the start and back at the end."""
        return PeriodPublic.of(
            await maintenance.add_period(
                room_number,
                kind=period.kind,
                start=period.start,
                end=period.end,
                reason=period.reason,
                return_status=period.return_status,
                request_id=period.request_id,
            )
        )

    @router.get("/rooms/{room_number}/out-of-order-periods")
    async def list_periods(room_number: str) -> list[PeriodPublic]:
        return [PeriodPublic.of(p) for p in await maintenance.periods_of(room_number)]

    @router.patch("/out-of-order-periods/{period_id}")
    async def change_period_end(period_id: str, change: PeriodEndChange) -> PeriodPublic:
        """End a period early (no end, or an end now or past: the room comes back at once)
        or extend it (a later end)."""
        return PeriodPublic.of(await maintenance.change_period_end(period_id, change.end))

    @router.post("/out-of-order-periods/{period_id}/cancel")
    async def cancel_period(period_id: str) -> PeriodPublic:
        return PeriodPublic.of(await maintenance.cancel_period(period_id))

    # --- tasks ---------------------------------------------------------------------

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

    @router.post("/tasks/{task_id}/inspection", response_model=TaskPublic)
    async def inspect_task(
        task_id: str, inspection: InspectionCreate, principal: CurrentPrincipal
    ) -> TaskPublic:
        """Passed: the room is inspected. Failed: the room is dirty and the task reopens.
        The inspector is the signed-in credential, whatever the body says."""
        acting = inspection.model_copy(update={"inspector": principal.key_id})
        return TaskPublic.of(await tasks.inspect(task_id, **_verdict(acting)))

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

    # --- the daily plan --------------------------------------------------------------

    @router.post("/plans/{day}")
    async def generate_plan(day: date, request: PlanCreate | None = None) -> PlanGenerated:
        """Generates the day's stay-over tasks, priorities and assignments; idempotent."""
        return PlanGenerated.of(await tasks.plan_day(day, request.attendants if request else None))

    @router.get("/plans/{day}")
    async def get_plan(day: date) -> PlanPublic:
        return PlanPublic.of(await tasks.plan(day))

    # --- maintenance -----------------------------------------------------------------

    @router.post("/maintenance-requests", status_code=201)
    async def request_maintenance(
        request: MaintenanceCreate, principal: CurrentPrincipal
    ) -> MaintenancePublic:
        """Reported by the signed-in credential, whatever the body says."""
        created, _ = await maintenance.request(
            request_id=str(uuid.uuid4()),
            origin=from_request(maintenance.repository.property_id),
            **{**request.model_dump(), "reported_by": principal.key_id},
        )
        return MaintenancePublic.of(created)

    @router.get("/maintenance-requests")
    async def list_maintenance(
        status: str | None = None,
        room_number: str | None = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
        offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    ) -> list[MaintenancePublic]:
        """Oldest first, a page at a time (`limit`, `offset`)."""
        found = await maintenance.list(status, room_number, limit, offset)
        return [MaintenancePublic.of(request) for request in found]

    @router.get("/maintenance-requests/{request_id}")
    async def get_maintenance(request_id: str) -> MaintenancePublic:
        return MaintenancePublic.of(await maintenance.get(request_id))

    @router.patch("/maintenance-requests/{request_id}")
    async def move_maintenance(request_id: str, update: MaintenanceUpdate) -> MaintenancePublic:
        return MaintenancePublic.of(await maintenance.move(request_id, update.status))

    # --- amenities -------------------------------------------------------------------

    @router.get("/amenities/standard/{room_type}")
    async def standard_list(room_type: str) -> dict[str, int]:
        return stock.standard_list(room_type)

    @router.get("/amenities/stock")
    async def stock_levels() -> list[StockItemPublic]:
        return [StockItemPublic.of(item) for item in await stock.items()]

    @router.get("/amenities/alerts")
    async def stock_alerts() -> list[StockItemPublic]:
        """Items below their reorder point."""
        return [StockItemPublic.of(item) for item in await stock.alerts()]

    @router.put("/amenities/stock/{item}")
    async def configure_item(item: str, update: StockUpdate) -> StockItemPublic:
        fields = update.model_dump(exclude_none=True)
        return StockItemPublic.of(await stock.configure(item, fields))

    @router.post("/amenities/stock/{item}/receipts")
    async def receive_item(item: str, receipt: StockReceipt) -> StockItemPublic:
        return StockItemPublic.of(await stock.receive(item, receipt.quantity))

    # --- reports ---------------------------------------------------------------------

    @router.get("/reports/rooms")
    async def rooms_report() -> RoomsReport:
        return RoomsReport.model_validate(await reports.rooms_by_status())

    @router.get("/reports/attendants")
    async def attendants_report(day: date | None = None) -> AttendantsReport:
        found = await reports.work_by_attendant(day.isoformat() if day else None)
        return AttendantsReport.model_validate(found)

    @router.get("/reports/times")
    async def times_report(day: date | None = None) -> TimesReport:
        return TimesReport.model_validate(await reports.times(day.isoformat() if day else None))

    return router


def _charges(charges: list[ChargeIn]) -> list[ItemCharge]:
    return [ItemCharge(**charge.model_dump()) for charge in charges]


def _verdict(inspection: InspectionCreate) -> dict[str, Any]:
    return {
        "inspector": inspection.inspector,
        "passed": inspection.passed,
        "notes": inspection.notes,
        "failed_items": inspection.failed_items,
        "maintenance": [issue.model_dump() for issue in inspection.maintenance],
    }
