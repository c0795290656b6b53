"""The working day: the morning plan, attendants working tasks, supervisors inspecting.

Finishing a cleaning task leaves the room clean; passing inspection leaves it inspected; a
failed inspection makes it dirty again and reopens the task. Each room change is guarded
by the task action that caused it (`task|<id>|<revision>`), so it happens once.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from shared.clock import Clock
from shared.errors import Conflict, NotFound, Unprocessable
from shared.events import (
    HkTaskCompleted,
    HkTaskCompletedPayload,
    ItemCharge,
    RoomItemCheckReported,
    RoomItemCheckReportedPayload,
    StayExtended,
)
from shared.logging import get_logger
from shared.outbox import push_outbox, with_outbox

from . import domain
from .amenities import StockKeeper
from .domain import (
    CLEANING_KINDS,
    BadTransition,
    IncompleteChecklist,
    Inspection,
    RoomChange,
    RoomStatus,
    Task,
    TaskKind,
    TaskStatus,
    cleanliness,
    occupancy,
    room_check_id,
    status_after_cleaning,
    status_after_inspection,
    status_after_night,
    stayover_task_id,
)
from .maintenance import MaintenanceService
from .planning import Habits, balance, effort_of, priority_for, stayover_for
from .repository import HousekeepingRepository
from .rooms import RoomKeeper, from_request, to_status
from .service import HousekeepingService

log = get_logger(__name__)

ACTIVE = [TaskStatus.OPEN.value, TaskStatus.IN_PROGRESS.value, TaskStatus.PAUSED.value]


class UnknownTask(NotFound):
    title = "Unknown task"


class TaskConflict(Conflict):
    title = "Task cannot do that now"


class TaskService:
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

    # --- attendants -------------------------------------------------------------------

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

    # --- supervisors ------------------------------------------------------------------

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

    # --- what a task action does to the room, the stock and maintenance ---------------

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

    # --- departure room check -----------------------------------------------------------

    async def report_room_check(
        self,
        task_id: str,
        *,
        damages: list[ItemCharge],
        missing_items: list[ItemCharge],
        minibar: list[ItemCharge],
        checked_by: str,
        currency: str,
    ) -> dict[str, Any]:
        task = await self.task(task_id)
        stay_id = task.stay_id
        if task.kind != TaskKind.DEPARTURE_CLEANING or not stay_id:
            raise TaskConflict(
                f"task {task_id} is not a departure: the room check belongs to a departure cleaning"
            )
        check_id = room_check_id(stay_id, task.room_number)
        event = RoomItemCheckReported.new(
            RoomItemCheckReportedPayload(
                check_id=check_id,
                stay_id=stay_id,
                room_number=task.room_number,
                damages=damages,
                missing_items=missing_items,
                minibar=minibar,
                currency=currency,
            ),
            **from_request(task.property_id),
        )
        check = {
            "_id": check_id,
            "property_id": task.property_id,
            "task_id": task_id,
            "stay_id": stay_id,
            "room_number": task.room_number,
            "checked_by": checked_by,
            "checked_at": self.clock(),
            "currency": currency,
            **{
                name: [_storable(charge) for charge in charges]
                for name, charges in (
                    ("damages", damages),
                    ("missing_items", missing_items),
                    ("minibar", minibar),
                )
            },
        }
        if not await self.repository.add_room_check_once(with_outbox(check, event)):
            raise TaskConflict(
                f"the room check of room {task.room_number} for stay {stay_id} is already reported"
            )
        self.events_written()
        total = sum(
            charge.amount * charge.quantity for charge in (*damages, *missing_items, *minibar)
        )
        log.info(
            "room check reported",
            check_id=check_id,
            room_number=task.room_number,
            charges=str(total),
        )
        return check

    # --- the morning plan ---------------------------------------------------------------

    async def plan_day(self, day: date, attendants: list[str] | None = None) -> dict[str, Any]:
        """Generates the day's stay-over tasks, priorities and assignments. Idempotent: a
        re-run creates nothing twice and never moves work already assigned."""
        attendants = attendants or self.attendants
        day_iso = day.isoformat()
        created, skipped = [], {}
        for room in await self.repository.all_rooms():
            outcome = await self._plan_room(room, day)
            if outcome is None:
                continue
            task_id, why_not = outcome
            if task_id:
                created.append(task_id)
            elif why_not:
                skipped[room["number"]] = why_not
        assigned = await self._prioritise_and_assign(day_iso, attendants)
        plan = {
            "generated_at": self.clock(),
            "attendants": attendants,
            "stayovers_created": created,
            "skipped": skipped,
        }
        await self.repository.save_plan(day_iso, plan)
        log.info(
            "daily plan generated",
            day=day_iso,
            stayovers=len(created),
            assigned=sum(len(v) for v in assigned.values()),
        )
        return {
            "day": day_iso,
            **plan,
            "assigned": assigned,
            "workload_minutes": await self._workload(day_iso, attendants),
        }

    async def _plan_room(
        self, room: dict[str, Any], day: date
    ) -> tuple[str | None, str | None] | None:
        """The day's part of the plan for one room: the night slept in, and the stay-over
        if the occupant gets one. None for a room nobody occupies; else (the task created,
        or None if it existed already or none is due; why none is due)."""
        occupant = room.get("occupant")
        if not occupant or occupancy(RoomStatus(room["status"])) != "occupied":
            return None
        day_iso = day.isoformat()
        origin = from_request(room["property_id"])
        await self.rooms.change(
            room["number"],
            f"night|{occupant['stay_id']}|{day_iso}",
            to_status(status_after_night, "a night slept in"),
            origin,
        )
        habits = await self._habits(occupant.get("guest_id"))
        service = stayover_for(
            day,
            date.fromisoformat(occupant["arrival"]),
            date.fromisoformat(occupant["departure"]),
            do_not_disturb=bool(room.get("do_not_disturb")),
            habits=habits,
            default_linen_every=self.default_linen_every,
        )
        if service is None:
            return None, _why_no_service(room, habits)
        task_id = stayover_task_id(room["number"], day_iso)
        created = await self.housekeeping.create_task(
            task_id,
            TaskKind.STAYOVER_SERVICE,
            room,
            day=day,
            cause=None,
            origin=origin,
            stay_id=occupant["stay_id"],
            guest_id=occupant.get("guest_id"),
            vip=bool(occupant.get("vip")),
            change_linen=service.change_linen,
            extra={"night": service.night, "scheduled_time": service.scheduled_time},
        )
        return (task_id if created else None), None

    async def on_stay_extended(self, event: StayExtended) -> None:
        """The stay leaves later: the plan serves its added nights. When today's plan was
        made before the extension (the guest was to leave today), the room gets today's
        stay-over now; later days' plans see the new departure."""
        room = await self.housekeeping.on_extended(event)
        if room is None:
            return
        today = await self.business_dates.today()
        if await self.repository.plan(today.isoformat()) is None:
            return  # the morning plan has not run: it will see the new departure
        outcome = await self._plan_room(room, today)
        if outcome and outcome[0]:
            await self._prioritise_and_assign(today.isoformat(), self.attendants)
            log.info("stay-over added to today's plan", task_id=outcome[0])

    async def _prioritise_and_assign(
        self, day_iso: str, attendants: list[str]
    ) -> dict[str, list[str]]:
        arrivals = await self.repository.tasks_matching(
            {
                "kind": TaskKind.ARRIVAL_PREPARATION.value,
                "day": day_iso,
                "status": {"$ne": TaskStatus.CANCELLED.value},
            }
        )
        arrival_rooms = {task.room_number for task in arrivals}
        vip_arrival_rooms = {task.room_number for task in arrivals if task.vip}
        waiting = await self.repository.tasks_matching(
            {"status": TaskStatus.OPEN.value, "assigned_to": None, "day": {"$lte": day_iso}}
        )
        for task in waiting:
            due = task.room_number in arrival_rooms and task.kind in (
                TaskKind.DEPARTURE_CLEANING,
                TaskKind.ARRIVAL_PREPARATION,
            )
            task.priority = priority_for(
                task.kind,
                arrival_due=due,
                vip=task.vip or task.room_number in vip_arrival_rooms,
                urgent=task.kind == TaskKind.URGENT_CLEANING,
            )
        load = await self._workload(day_iso, attendants)
        assigned: dict[str, list[str]] = {name: [] for name in attendants}
        priorities = {task.id: task.priority or 9 for task in waiting}
        for task_id, attendant in balance(waiting, attendants, load).items():
            if await self.repository.assign_task(task_id, attendant, priorities[task_id]):
                assigned[attendant].append(task_id)
        return assigned

    async def _workload(self, day_iso: str, attendants: list[str]) -> dict[str, int]:
        tasks = await self.repository.tasks_matching(
            {
                "assigned_to": {"$in": attendants},
                "status": {"$in": ACTIVE},
                "day": {"$lte": day_iso},
            }
        )
        load = {name: 0 for name in attendants}
        for task in tasks:
            if task.assigned_to in load:  # the query asked for these attendants only
                load[task.assigned_to] += effort_of(task)
        return load

    async def _habits(self, guest_id: str | None) -> Habits:
        guest = await self.repository.guest(guest_id) if guest_id else None
        if not guest:
            return Habits()
        return Habits(
            guest.get("no_service", False),
            guest.get("preferred_time"),
            guest.get("linen_every_nights"),
        )

    async def plan(self, day: date) -> dict[str, Any]:
        plan = await self.repository.plan(day.isoformat())
        if plan is None:
            raise NotFound(f"no plan generated for {day.isoformat()} yet")
        return plan

    # --- do not disturb -----------------------------------------------------------------

    async def set_do_not_disturb(self, room_number: str, on: bool) -> dict[str, Any]:
        room = await self.rooms.room(room_number)
        if on and not room.get("occupant"):
            raise Conflict(f"room {room_number} has no guest: do-not-disturb is the guest's sign")

        def sign(room: dict[str, Any]) -> RoomChange:
            return RoomChange(
                RoomStatus(room["status"]),
                "do not disturb" if on else "do not disturb removed",
                do_not_disturb=on,
            )

        await self.rooms.change(
            room_number, f"dnd|{uuid.uuid4()}", sign, from_request(room["property_id"])
        )
        if on:
            # The sign is out: today's service that has not started is skipped.
            today = (await self.business_dates.today()).isoformat()
            await self.repository.set_open_tasks_fields(
                {"room_number": room_number, "kind": TaskKind.STAYOVER_SERVICE.value, "day": today},
                {"status": TaskStatus.CANCELLED.value, "cancel_reason": "do not disturb"},
            )
        return await self.rooms.room(room_number)

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


def _why_no_service(room: dict[str, Any], habits: Habits) -> str:
    if room.get("do_not_disturb"):
        return "do_not_disturb"
    if habits.no_service:
        return "no_service_requested"
    return "no_stayover_today"


def _storable(charge: ItemCharge) -> dict[str, Any]:
    """Money as strings: exact in both stores, no float ever."""
    return {
        "description": charge.description,
        "quantity": charge.quantity,
        "amount": str(Decimal(charge.amount)),
    }
