"""What every event-driven housekeeping use case stands on: the repository, the room
keeper, maintenance, the clock and the business date, the wake-up of the relay, and the
one way a task is created (once per cause, its `_id` the cause). The use cases
(stay_events.py, arrival_preparation.py, guest_requests.py, guest_habits.py) subclass
it; service.py puts them together."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from shared.business_date import BusinessDates
from shared.clock import Clock, PropertyClock
from shared.events import Event, HkTaskCreated, HkTaskCreatedPayload
from shared.logging import get_logger

from .domain import Task, TaskKind, TaskStatus
from .maintenance import MaintenanceService
from .planning import checklist_for, priority_for, standard_amenities
from .repository import HousekeepingRepository
from .rooms import RoomKeeper, caused_by

log = get_logger(__name__)


class HousekeepingContext:
    def __init__(
        self,
        repository: HousekeepingRepository,
        rooms: RoomKeeper,
        maintenance: MaintenanceService,
        *,
        clock: Clock,
        events_written: Callable[[], None],
        business_dates: BusinessDates | None = None,
    ) -> None:
        self.repository = repository
        self.rooms = rooms
        self.maintenance = maintenance
        self.clock = clock
        self.events_written = events_written
        # The day a task is for is the hotel's business date, never the event's UTC date.
        self.business_dates = business_dates or BusinessDates(
            None, repository.property_id, PropertyClock(clock)
        )

    async def create_task(
        self,
        task_id: str,
        kind: TaskKind,
        room: dict[str, Any],
        *,
        day: date,
        cause: Event[Any] | None,
        origin: dict[str, Any] | None = None,
        stay_id: str | None = None,
        guest_id: str | None = None,
        vip: bool = False,
        urgent: bool = False,
        change_linen: bool = False,
        extra: dict[str, Any] | None = None,
    ) -> bool:
        """Creates the task once (its id is its cause) with its hk.task.created event."""
        priority = priority_for(kind, vip=vip, urgent=urgent)
        # Every field written, as before the aggregate was typed: the stored shape is kept.
        fields: dict[str, Any] = dict(
            id=task_id,
            property_id=self.repository.property_id,
            kind=kind,
            room_number=room["number"],
            room_type=room["room_type"],
            floor=room["floor"],
            stay_id=stay_id,
            guest_id=guest_id,
            day=day.isoformat(),
            status=TaskStatus.OPEN,
            priority=priority,
            vip=vip,
            assigned_to=None,
            change_linen=change_linen,
            checklist=checklist_for(kind, change_linen),
            restock=standard_amenities(room["room_type"]) if kind in RESTOCKED_KINDS else {},
            guest_amenities=[],
            scheduled_time=None,
            work_seconds=0,
            working_since=None,
            started_at=None,
            finished_at=None,
            inspections=[],
            revision=0,
            created_at=self.clock(),
            source_event_id=str(cause.event_id) if cause else None,
        )
        task = Task.model_validate({**fields, **(extra or {})})  # extra as before: it wins
        payload = HkTaskCreatedPayload(
            task_id=task_id,
            kind=kind.value,
            room_number=room["number"],
            stay_id=stay_id,
            priority=priority,
        )
        event = HkTaskCreated.new(payload, **(caused_by(cause) if cause else origin or {}))
        created = await self.repository.add_task_once(task, event)
        if created:
            self.events_written()
            log.info("task created", task_id=task_id, kind=kind.value, room_number=room["number"])
        return created


# Tasks that leave the room's amenities restocked when finished.
RESTOCKED_KINDS = (
    TaskKind.DEPARTURE_CLEANING,
    TaskKind.STAYOVER_SERVICE,
    TaskKind.ARRIVAL_PREPARATION,
)
