"""Housekeeping's MongoDB access: rooms, tasks, guests' habits, maintenance, periods, stock.

One part per concern (issue 17), on what they share (store_context.py: the collections,
their indexes, the rooms and stock set up): rooms (room_store.py), tasks and the task
document (task_store.py), guests' habits (guest_habit_store.py), maintenance requests and
out-of-order periods (maintenance_store.py), amenity stock (stock_store.py), and room
checks and daily plans (work_record_store.py).
"""

from __future__ import annotations

from .guest_habit_store import GuestHabitStore
from .maintenance_store import MaintenanceStore
from .room_store import RoomStore, room_fields
from .stock_store import StockStore
from .store_context import NO_OUTBOX
from .task_store import (
    TASK_FIELDS,
    TASK_FREE_TEXT,
    TaskStore,
    task_changes,
    task_from_document,
    task_to_document,
)
from .work_record_store import WorkRecordStore

__all__ = [
    "NO_OUTBOX",
    "OUTBOX_COLLECTIONS",
    "TASK_FIELDS",
    "TASK_FREE_TEXT",
    "HousekeepingRepository",
    "room_fields",
    "task_changes",
    "task_from_document",
    "task_to_document",
]

# The aggregates that carry events in an `outbox` array.
OUTBOX_COLLECTIONS = ("rooms", "tasks", "maintenance", "room_checks", "room_periods")


class HousekeepingRepository(
    RoomStore, TaskStore, GuestHabitStore, MaintenanceStore, StockStore, WorkRecordStore
):
    """Housekeeping's MongoDB access behind one object: one database and property
    (StoreContext) serve every part."""
