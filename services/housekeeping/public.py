"""What housekeeping's routes answer with, beyond rooms and tasks (domain.py): periods,
maintenance requests, room checks, stock, the daily plan and the reports."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from shared.events import MaintenancePriority
from shared.public import PublicDocument

from .domain import RoomStatus


class PeriodPublic(PublicDocument):
    """An out-of-order or out-of-service period of a room."""

    id: str
    room_number: str
    room_type: str | None = None
    kind: str
    start: datetime
    end: datetime
    reason: str
    request_id: str | None = None
    state: str  # scheduled, active, ended, cancelled
    return_status: RoomStatus | None = None
    status_before: RoomStatus | None = None
    created_at: datetime
    started_at: datetime | None = None
    ended_at: datetime | None = None
    end_changed_at: datetime | None = None
    original_end: datetime | None = None
    revision: int = 0


class MaintenancePublic(PublicDocument):
    id: str
    room_number: str
    category: str
    priority: MaintenancePriority
    description: str | None  # erased with the guest who asked
    reported_by: str
    source: str
    guest_id: str | None = None
    status: str
    reported_at: datetime
    resolved_at: datetime | None = None


class ChargePublic(BaseModel):
    description: str
    quantity: int
    amount: str  # money as a string, exact


class RoomCheckPublic(PublicDocument):
    id: str
    task_id: str
    stay_id: str
    room_number: str
    checked_by: str
    checked_at: datetime
    currency: str
    damages: list[ChargePublic]
    missing_items: list[ChargePublic]
    minibar: list[ChargePublic]


class StockItemPublic(PublicDocument):
    item: str
    on_hand: int
    reorder_point: int
    shortfall: int = 0  # units asked for while the store room had none


class PlanPublic(PublicDocument):
    """The stored plan of a day; generating it answers with the assignments too."""

    day: str
    generated_at: datetime
    attendants: list[str]
    stayovers_created: list[str]
    skipped: dict[str, str]  # room number: why no stay-over service is due


class PlanGenerated(PlanPublic):
    assigned: dict[str, list[str]]  # attendant: the task ids given them
    workload_minutes: dict[str, int]


class RoomsReport(BaseModel):
    total: int
    by_status: dict[str, int]
    do_not_disturb: list[str]


class AttendantWork(BaseModel):
    tasks: int
    work_seconds: int


class AttendantsReport(BaseModel):
    day: str | None
    attendants: dict[str, AttendantWork]


class TimesReport(BaseModel):
    day: str | None
    average_cleaning_seconds: dict[str, int]
    cleanings: dict[str, int]
    average_inspection_seconds: int | None
    inspections: int
