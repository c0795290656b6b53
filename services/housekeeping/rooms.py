"""Every room status change goes through here, so every one is published.

Front desk allocates rooms only from `room.status_changed`, so a change that is not
published is a room sold dirty. The change and its event are one document write; the
cause (an event id, a task action, a period transition) guards it, so a redelivery or a
retried pass changes nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from shared.errors import NotFound
from shared.events import Event, RoomStatusChanged, RoomStatusChangedPayload
from shared.logging import current_correlation_id, get_logger
from shared.outbox import push_outbox

from .domain import RoomChange, RoomStatus
from .repository import HousekeepingRepository

log = get_logger(__name__)
PRODUCER = "housekeeping"
STATUS_RETRIES = 10


class UnknownRoom(NotFound):
    title = "Unknown room"


def caused_by(event: Event[Any]) -> dict[str, Any]:
    """Envelope fields of an event that follows from a consumed event."""
    return {"producer": PRODUCER, **event.caused()}


def from_request(property_id: str) -> dict[str, Any]:
    """Envelope fields of an event that follows from an HTTP request or a scheduler pass."""
    return {
        "producer": PRODUCER,
        "property_id": property_id,
        "correlation_id": current_correlation_id(),
    }


RoomRule = Callable[[dict[str, Any]], RoomChange | None]


class RoomKeeper:
    def __init__(
        self, repository: HousekeepingRepository, *, events_written: Callable[[], None]
    ) -> None:
        self.repository = repository
        self.events_written = events_written

    async def room(self, room_number: str) -> dict[str, Any]:
        room = await self.repository.room(room_number)
        if room is None:
            raise UnknownRoom(f"room {room_number!r} is not a room of this property")
        return room

    async def change(
        self, room_number: str, guard_id: str, rule: RoomRule, origin: dict[str, Any]
    ) -> RoomStatusChanged | None:
        """Applies `rule` to the room as it is now, once per `guard_id`; publishes the
        change when status or do-not-disturb moved. Returns the event, if any."""
        for _ in range(STATUS_RETRIES):
            room = await self.room(room_number)
            if guard_id in room.get("applied_events", []):
                return None  # a redelivery or a retried pass: already done
            change = rule(room)
            old = RoomStatus(room["status"])
            old_dnd = bool(room.get("do_not_disturb"))
            if change is None:
                if await self.repository.change_room(room, guard_id, None, None):
                    return None
                continue
            new_dnd = old_dnd if change.do_not_disturb is None else change.do_not_disturb
            event = None
            if change.status != old or new_dnd != old_dnd:
                event = RoomStatusChanged.new(
                    RoomStatusChangedPayload(
                        room_number=room_number,
                        old_status=old,
                        new_status=change.status,
                        reason=change.reason,
                        room_type=room["room_type"],
                        do_not_disturb=new_dnd,
                    ),
                    **origin,
                )
            if await self.repository.change_room(
                room,
                guard_id,
                replace(change, do_not_disturb=new_dnd),
                push_outbox(event) if event else None,
            ):
                if event:
                    self.events_written()
                    log.info(
                        "room status changed",
                        room_number=room_number,
                        old=old,
                        new=change.status,
                        do_not_disturb=new_dnd,
                        reason=change.reason,
                    )
                return event
            # Another change won the race: read again and apply the rule to what is there now.
        raise RuntimeError(f"room {room_number} kept changing under us; try again")


def to_status(rule: Callable[[RoomStatus], RoomStatus], reason: str) -> RoomRule:
    """A rule that only moves the status."""

    def apply(room: dict[str, Any]) -> RoomChange:
        return RoomChange(rule(RoomStatus(room["status"])), reason)

    return apply
