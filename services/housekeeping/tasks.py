"""The working day: the morning plan, attendants working tasks, supervisors inspecting.

Finishing a cleaning task leaves the room clean; passing inspection leaves it inspected; a
failed inspection makes it dirty again and reopens the task. Each room change is guarded
by the task action that caused it (`task|<id>|<revision>`), so it happens once.

Each group of use cases is its own module (issue 17): what a task action does to the
room, stock and maintenance (task_effects.py), attendants' work (task_work.py),
inspection (inspections.py), the departure room check (room_checks.py), the morning
plan (daily_plan.py) and the do-not-disturb sign (do_not_disturb.py), on what they
share (task_context.py).
"""

from __future__ import annotations

from .daily_plan import ACTIVE, DailyPlan
from .do_not_disturb import DoNotDisturbSign
from .inspections import Inspections
from .room_checks import RoomChecks
from .task_context import TaskConflict, UnknownTask
from .task_work import TaskWork

__all__ = ["ACTIVE", "TaskConflict", "TaskService", "UnknownTask"]


class TaskService(TaskWork, Inspections, RoomChecks, DailyPlan, DoNotDisturbSign):
    """The task use cases behind one object, for the routes, consumers, workers and pages:
    one repository, room keeper, clock and set of attendants (TaskContext) serve them all."""
