"""The morning plan: each occupied room's night slept in and its stay-over service by the
guest's habits, priorities, and assignments balanced over the attendants; and the
stay-over an extension decided after the plan owes today."""

from __future__ import annotations

from datetime import date
from typing import Any

from shared.errors import NotFound
from shared.events import StayExtended
from shared.logging import get_logger

from .domain import (
    RoomStatus,
    TaskKind,
    TaskStatus,
    occupancy,
    status_after_night,
    stayover_task_id,
)
from .planning import Habits, balance, effort_of, priority_for, stayover_for
from .rooms import from_request, to_status
from .task_context import TaskContext

log = get_logger(__name__)

ACTIVE = [TaskStatus.OPEN.value, TaskStatus.IN_PROGRESS.value, TaskStatus.PAUSED.value]


class DailyPlan(TaskContext):
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


def _why_no_service(room: dict[str, Any], habits: Habits) -> str:
    if room.get("do_not_disturb"):
        return "do_not_disturb"
    if habits.no_service:
        return "no_service_requested"
    return "no_stayover_today"
