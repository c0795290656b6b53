"""Maintenance: the requests (maintenance_requests.py) and a room's out-of-order periods
(room_periods.py), which start and end by themselves (period_transitions.py), behind one
object for the routes, the workers and the task use cases. Each group of use cases is its
own module (issue 17), on what they share (maintenance_context.py)."""

from __future__ import annotations

from .maintenance_requests import MaintenanceRequests, category_from_text
from .room_periods import RoomPeriods

__all__ = ["MaintenanceService", "category_from_text"]  # the desk's words, as before


class MaintenanceService(MaintenanceRequests, RoomPeriods):
    """The maintenance use cases behind one object: one repository, room keeper and clock
    (MaintenanceContext) serve them all."""
