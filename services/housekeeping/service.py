"""Housekeeping use cases: tasks and room status follow the guests, from events only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from shared.events import (Event, HkTaskCreated, HkTaskCreatedPayload, RoomStatusChanged,
                           RoomStatusChangedPayload, StayCheckedIn, StayCheckedOut)
from shared.logging import get_logger
from shared.outbox import push_outbox, with_outbox
from shared.problems import NotFound

from .domain import (RoomStatus, TaskKind, TaskStatus, departure_task_id,
                     status_after_check_in, status_after_check_out)
from .repository import HousekeepingRepository

log = get_logger(__name__)
PRODUCER = "housekeeping"
STATUS_RETRIES = 10


class UnknownRoom(NotFound):
    title = "Unknown room"


class HousekeepingService:
    def __init__(self, repository: HousekeepingRepository, *,
                 events_written: Callable[[], None]) -> None:
        self.repository = repository
        self.events_written = events_written

    async def on_check_in(self, event: StayCheckedIn) -> None:
        await self._change_room_status(event, event.payload.room_number, status_after_check_in,
                                       reason="guest checked in")

    async def on_check_out(self, event: StayCheckedOut) -> None:
        stay = event.payload
        task_id = departure_task_id(stay.stay_id)
        created = await self.repository.add_task_once(with_outbox({
            "_id": task_id,
            "property_id": event.property_id,
            "kind": TaskKind.DEPARTURE_CLEANING.value,
            "room_number": stay.room_number,
            "stay_id": stay.stay_id,
            "status": TaskStatus.OPEN.value,
            "created_at": datetime.now(UTC),
            "source_event_id": str(event.event_id),
        }, HkTaskCreated.new(HkTaskCreatedPayload(
            task_id=task_id, kind=TaskKind.DEPARTURE_CLEANING.value,
            room_number=stay.room_number, stay_id=stay.stay_id,
        ), producer=PRODUCER, **event.caused())))
        if created:
            self.events_written()
            log.info("departure cleaning task created", task_id=task_id, room_number=stay.room_number)
        await self._change_room_status(event, stay.room_number, status_after_check_out,
                                       reason="guest checked out")

    async def _change_room_status(self, event: Event[Any], room_number: str,
                                  rule: Callable[[RoomStatus], RoomStatus], *, reason: str) -> None:
        event_id = str(event.event_id)
        for _ in range(STATUS_RETRIES):
            room = await self.repository.room(room_number)
            if room is None:
                raise UnknownRoom(f"room {room_number!r} is not a room of this property")
            if event_id in room.get("applied_events", []):
                return  # a redelivery: the change is already made
            old = RoomStatus(room["status"])
            new = rule(old)
            if new == old:
                await self.repository.mark_event_applied(room_number, event_id)
                return
            change = RoomStatusChanged.new(RoomStatusChangedPayload(
                room_number=room_number, old_status=old, new_status=new, reason=reason,
            ), producer=PRODUCER, **event.caused())
            if await self.repository.set_room_status(room_number, old, new, event_id,
                                                     push_outbox(change)):
                self.events_written()
                log.info("room status changed", room_number=room_number, old=old, new=new)
                return
            # Another change won the race: read again and apply the rule to what is there now.
        raise RuntimeError(f"room {room_number} kept changing under us; the event will be retried")

    async def room(self, room_number: str) -> dict[str, Any]:
        room = await self.repository.room(room_number)
        if room is None:
            raise UnknownRoom(f"room {room_number!r} is not a room of this property")
        return room

    async def tasks(self, *, stay_id: str | None, status: str | None, limit: int,
                    offset: int) -> tuple[int, list[dict[str, Any]]]:
        filters = {key: value for key, value in (("stay_id", stay_id), ("status", status)) if value}
        return await self.repository.find_tasks(filters, limit, offset)

