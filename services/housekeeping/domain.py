"""Housekeeping: room status and cleaning tasks. No I/O here."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel


class RoomStatus(StrEnum):
    VACANT_DIRTY = "vacant_dirty"
    VACANT_CLEAN = "vacant_clean"
    VACANT_INSPECTED = "vacant_inspected"
    OCCUPIED_DIRTY = "occupied_dirty"
    OCCUPIED_CLEAN = "occupied_clean"
    OCCUPIED_INSPECTED = "occupied_inspected"
    OUT_OF_ORDER = "out_of_order"
    OUT_OF_SERVICE = "out_of_service"


class TaskKind(StrEnum):
    DEPARTURE_CLEANING = "departure_cleaning"


class TaskStatus(StrEnum):
    OPEN = "open"


def status_after_check_in(current: RoomStatus) -> RoomStatus:
    """The room is now occupied; its cleanliness does not change by a guest arriving."""
    if current.startswith("vacant_"):
        return RoomStatus("occupied_" + current.removeprefix("vacant_"))
    return current


def status_after_check_out(current: RoomStatus) -> RoomStatus:
    """A departed guest leaves the room vacant and dirty, whatever it was."""
    if current in (RoomStatus.OUT_OF_ORDER, RoomStatus.OUT_OF_SERVICE):
        return current
    return RoomStatus.VACANT_DIRTY


def departure_task_id(stay_id: str) -> str:
    """One departure cleaning per stay: the stay names the task."""
    return f"departure|{stay_id}"


class RoomPublic(BaseModel):
    room_number: str
    room_type: str
    floor: int
    status: RoomStatus


class TaskPublic(BaseModel):
    task_id: str
    kind: TaskKind
    room_number: str
    stay_id: str | None
    status: TaskStatus
