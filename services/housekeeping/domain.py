"""Housekeeping: room status, tasks and their life cycle. No I/O here.

Planning rules (stay-over, priority, workload) live in planning.py; the shapes the API
accepts and returns in schemas.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class RoomStatus(StrEnum):
    VACANT_DIRTY = "vacant_dirty"
    VACANT_CLEAN = "vacant_clean"
    VACANT_INSPECTED = "vacant_inspected"
    OCCUPIED_DIRTY = "occupied_dirty"
    OCCUPIED_CLEAN = "occupied_clean"
    OCCUPIED_INSPECTED = "occupied_inspected"
    OUT_OF_ORDER = "out_of_order"
    OUT_OF_SERVICE = "out_of_service"


UNAVAILABLE = (RoomStatus.OUT_OF_ORDER, RoomStatus.OUT_OF_SERVICE)


class TaskKind(StrEnum):
    DEPARTURE_CLEANING = "departure_cleaning"
    STAYOVER_SERVICE = "stayover_service"
    ARRIVAL_PREPARATION = "arrival_preparation"
    URGENT_CLEANING = "urgent_cleaning"
    CLEANING_REQUEST = "cleaning_request"
    TURNDOWN = "turndown"
    AMENITY_DELIVERY = "amenity_delivery"
    # a guest scored housekeeping low: the room is looked at again (issue 18)
    FEEDBACK_FOLLOW_UP = "feedback_follow_up"


# Finishing one of these leaves the room clean; the others do not touch its status.
CLEANING_KINDS = frozenset(
    {
        TaskKind.DEPARTURE_CLEANING,
        TaskKind.STAYOVER_SERVICE,
        TaskKind.ARRIVAL_PREPARATION,
        TaskKind.URGENT_CLEANING,
        TaskKind.CLEANING_REQUEST,
    }
)


class TaskStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    PAUSED = "paused"
    DONE = "done"  # finished by the attendant, waiting for inspection
    INSPECTED = "inspected"  # passed inspection
    CANCELLED = "cancelled"


class BadTransition(Exception):
    """A task or room cannot go where it was asked to; the service maps it to 409."""


# --- room status ------------------------------------------------------------------


def occupancy(status: RoomStatus) -> str | None:
    if status in UNAVAILABLE:
        return None
    return status.split("_", 1)[0]


def cleanliness(status: RoomStatus) -> str | None:
    if status in UNAVAILABLE:
        return None
    return status.split("_", 1)[1]


def with_cleanliness(status: RoomStatus, new: str) -> RoomStatus:
    """Same occupancy, another cleanliness; out-of-order rooms stay as they are."""
    if status in UNAVAILABLE:
        return status
    return RoomStatus(f"{occupancy(status)}_{new}")


def status_after_check_in(current: RoomStatus) -> RoomStatus:
    """The room is now occupied; its cleanliness does not change by a guest arriving."""
    if current.startswith("vacant_"):
        return RoomStatus("occupied_" + current.removeprefix("vacant_"))
    return current


def status_after_check_out(current: RoomStatus) -> RoomStatus:
    """A departed guest leaves the room vacant and dirty, whatever it was."""
    if current in UNAVAILABLE:
        return current
    return RoomStatus.VACANT_DIRTY


def status_after_night(current: RoomStatus) -> RoomStatus:
    """A night slept in makes an occupied room dirty: the morning plan applies it."""
    if occupancy(current) == "occupied":
        return RoomStatus.OCCUPIED_DIRTY
    return current


def status_after_cleaning(current: RoomStatus) -> RoomStatus:
    if cleanliness(current) == "dirty":
        return with_cleanliness(current, "clean")
    return current


def status_after_inspection(current: RoomStatus, passed: bool) -> RoomStatus:
    if current in UNAVAILABLE:
        return current
    return with_cleanliness(current, "inspected" if passed else "dirty")


def status_after_period_ends(
    current: RoomStatus, return_status: RoomStatus, occupied: bool
) -> RoomStatus:
    """An out-of-order period ends: the room goes back to the cleanliness it had (or the one
    asked for), occupied if a guest still has it."""
    if current not in UNAVAILABLE:
        return current
    return RoomStatus(
        f"{'occupied' if occupied else 'vacant'}_{cleanliness(return_status) or 'dirty'}"
    )


# --- a room's change: what a rule decides, the repository writes ---------------------


@dataclass(frozen=True)
class PeriodStart:
    """An out-of-order or out-of-service period takes the room: which period, and the
    status the room had before it (what it goes back to unless the period says)."""

    period_id: str
    status_before: RoomStatus


@dataclass(frozen=True)
class RoomChange:
    """What a room rule decides: the new status and why, and what moves with it. Anything
    left at its default stays as the room has it."""

    status: RoomStatus
    reason: str
    do_not_disturb: bool | None = None  # None: leave it as it is
    # who is in the room now (a check-in, a move, a new departure), as the room keeps it
    occupant: dict[str, Any] | None = None
    vacated: bool = False  # the guest has gone: the room has no occupant
    period_started: PeriodStart | None = None
    period_ended: bool = False  # the room's period is over: no period holds it

    def __post_init__(self) -> None:
        if self.occupant is not None and self.vacated:
            raise ValueError("a room change either seats an occupant or vacates the room")
        if self.period_started is not None and self.period_ended:
            raise ValueError("a room change either starts a period or ends one")


# --- task ids: the natural key of each task is its cause ---------------------------


def departure_task_id(stay_id: str) -> str:
    """One departure cleaning per stay: the stay names the task."""
    return f"departure|{stay_id}"


def move_out_task_id(stay_id: str, from_room: str) -> str:
    return f"move-out|{stay_id}|{from_room}"


def stayover_task_id(room_number: str, day: str) -> str:
    return f"stayover|{room_number}|{day}"


def arrival_task_id(reservation_id: str, room_number: str) -> str:
    return f"arrival|{reservation_id}|{room_number}"


def request_task_id(request_id: str) -> str:
    return f"request|{request_id}"


def feedback_task_id(survey_id: str) -> str:
    """One follow-up per answered questionnaire: its housekeeping part names the task."""
    return f"feedback|{survey_id}"


def room_check_id(stay_id: str, room_number: str) -> str:
    """One item check per stay and room left (a room move leaves a room too)."""
    return f"check|{stay_id}|{room_number}"


# --- the task aggregate -------------------------------------------------------------


class Inspection(BaseModel):
    """A supervisor's verdict on a finished cleaning."""

    model_config = ConfigDict(extra="forbid")

    inspector: str
    passed: bool
    notes: str | None = None  # optional: TaskPublic.of drops None values, nested ones too
    failed_items: list[str]
    at: datetime
    seconds_after_finish: int


class Task(BaseModel):
    """A housekeeping task, as the rules and use cases see it. Its id is its cause
    (`departure|<stay>`...). The repository reads and writes it as the stored document,
    field for field: a field the document does not carry stays unset and is not written.
    An unknown field is an error, not silently kept: every field the code writes is here.
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    id: str = Field(alias="_id")
    property_id: str
    kind: TaskKind
    room_number: str
    room_type: str | None = None
    floor: int | None = None
    stay_id: str | None = None
    guest_id: str | None = None
    reservation_id: str | None = None
    day: str | None = None  # ISO date of the business day it is for
    status: TaskStatus
    priority: int | None = None  # 1 is the most pressing
    vip: bool = False
    assigned_to: str | None = None
    attendant: str | None = None  # who started it last
    change_linen: bool = False
    checklist: list[str] = []
    completed_items: list[str] = []
    restock: dict[str, int] = {}
    guest_amenities: list[str] = []
    booking_requests: list[str] = []  # what the booking asked the room be prepared with
    scheduled_time: str | None = None  # HH:MM, the guest's preferred time
    night: int | None = None  # the stay's night a stay-over serves
    request_id: str | None = None  # the desk's request this task answers
    details: str | None = None  # the request's words (free text, erased with the guest)
    room_check_requested: bool = False  # a check-out asked the departure room check
    settle_by: datetime | None = None
    survey_id: str | None = None  # a feedback follow-up: which questionnaire
    survey_kind: str | None = None
    low_topics: list[str] = []
    scores: dict[str, int | str] = {}
    work_seconds: int = 0  # time worked, pauses left out
    working_since: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    inspected_at: datetime | None = None
    inspections: list[Inspection] = []
    reopened: bool = False  # a failed inspection sent it back
    cancel_reason: str | None = None
    # what the last action does beyond the task, until applied (tasks.py apply_effects)
    effects_due: dict[str, Any] | None = None
    revision: int = 0  # bumped by every move: the compare-and-set of move_task
    created_at: datetime | None = None
    source_event_id: str | None = None


# --- task life cycle ----------------------------------------------------------------
# Each rule answers the task as the action leaves it; the repository writes what changed
# (task_store.task_changes), guarded by the status and revision it was read with.


def moved(task: Task, **changes: Any) -> Task:
    """The task with `changes` applied: those fields set (and so written), the rest as read."""
    return task.model_copy(update=changes)


def start(task: Task, attendant: str, now: datetime) -> Task:
    if task.status not in (TaskStatus.OPEN, TaskStatus.PAUSED):
        raise BadTransition(
            f"task {task.id} is {task.status}: only an open or paused task can be started"
        )
    first_start = {} if task.started_at else {"started_at": now}
    return moved(
        task,
        status=TaskStatus.IN_PROGRESS,
        working_since=now,
        attendant=attendant,
        **first_start,
    )


def pause(task: Task, now: datetime) -> Task:
    if task.status != TaskStatus.IN_PROGRESS:
        raise BadTransition(
            f"task {task.id} is {task.status}: only a task in progress can be paused"
        )
    return moved(
        task,
        status=TaskStatus.PAUSED,
        working_since=None,
        work_seconds=worked_seconds(task, now),
    )


def finish(task: Task, completed_items: list[str], now: datetime) -> Task:
    if task.status in (TaskStatus.DONE, TaskStatus.INSPECTED):
        raise BadTransition(f"task {task.id} is already finished")
    if task.status != TaskStatus.IN_PROGRESS:
        raise BadTransition(f"task {task.id} is {task.status}: start it before finishing it")
    missing = [item for item in task.checklist if item not in completed_items]
    if missing:
        raise IncompleteChecklist(missing)
    return moved(
        task,
        status=TaskStatus.DONE,
        working_since=None,
        finished_at=now,
        work_seconds=worked_seconds(task, now),
        completed_items=list(completed_items),
    )


def inspect(task: Task, passed: bool, now: datetime) -> Task:
    if task.status != TaskStatus.DONE:
        raise BadTransition(
            f"task {task.id} is {task.status}: nobody has finished cleaning "
            f"room {task.room_number}, there is nothing to inspect"
        )
    if passed:
        return moved(task, status=TaskStatus.INSPECTED, inspected_at=now)
    # A failed inspection reopens the task for the attendant, with the time kept.
    return moved(task, status=TaskStatus.OPEN, inspected_at=now, finished_at=None, reopened=True)


class IncompleteChecklist(Exception):
    def __init__(self, missing: list[str]) -> None:
        super().__init__(f"checklist items not done: {', '.join(missing)}")
        self.missing = missing


def worked_seconds(task: Task, now: datetime) -> int:
    """Time spent working, pauses left out."""
    spent = task.work_seconds
    if task.working_since:
        spent += int((now - task.working_since).total_seconds())
    return spent


class RoomPublic(BaseModel):
    room_number: str
    room_type: str
    floor: int
    status: RoomStatus
    do_not_disturb: bool = False


class TaskPublic(BaseModel):
    task_id: str
    kind: TaskKind
    room_number: str
    stay_id: str | None = None
    status: TaskStatus
    day: str | None = None
    priority: int | None = None
    assigned_to: str | None = None
    attendant: str | None = None
    checklist: list[str] = []
    change_linen: bool = False
    night: int | None = None
    scheduled_time: str | None = None
    guest_amenities: list[str] = []
    booking_requests: list[str] = []  # what the booking asked the room be prepared with
    request_id: str | None = None  # the desk's request this task answers
    restock: dict[str, int] = {}
    details: str | None = None
    work_seconds: int = 0
    started_at: datetime | None = None
    finished_at: datetime | None = None
    inspections: list[Inspection] = []
    cancel_reason: str | None = None
    # a feedback follow-up (issue 18): which questionnaire, and the topics scored low
    survey_id: str | None = None
    low_topics: list[str] = []

    @classmethod
    def of(cls, task: Task) -> TaskPublic:
        """What a route shows of the task: its named fields, none of the store's
        bookkeeping (property, revision, effects due)."""
        shown = task.model_dump(include=set(cls.model_fields) - {"task_id"}, exclude_none=True)
        return cls(task_id=task.id, **shown)
