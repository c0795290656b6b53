"""Housekeeping routes: thin, the use cases do the work. One router per group, put
together here in the order the routes have always been served (the OpenAPI document's
order): the room board (rooms_api.py), out-of-order periods and maintenance requests
(maintenance_api.py), tasks (tasks_api.py), the daily plan (plans_api.py), amenities
(amenities_api.py) and reports (reports_api.py), on what they share (api_common.py).

No route creates a departure, stay-over or arrival task: those come from events and the
morning plan. Attendants and supervisors move tasks; the desk's requests come as events.
"""

from __future__ import annotations

from fastapi import APIRouter

from .amenities import StockKeeper
from .amenities_api import amenities_router
from .maintenance import MaintenanceService
from .maintenance_api import maintenance_router, periods_router
from .plans_api import plans_router
from .reports import Reports
from .reports_api import reports_router
from .rooms import RoomKeeper
from .rooms_api import rooms_router
from .tasks import TaskService
from .tasks_api import tasks_router

__all__ = ["housekeeping_router"]


def housekeeping_router(
    rooms: RoomKeeper,
    tasks: TaskService,
    maintenance: MaintenanceService,
    stock: StockKeeper,
    reports: Reports,
) -> APIRouter:
    router = APIRouter(tags=["housekeeping"])
    for group in (
        rooms_router(rooms, tasks),
        periods_router(maintenance),
        tasks_router(tasks),
        plans_router(tasks),
        maintenance_router(maintenance),
        amenities_router(stock),
        reports_router(reports),
    ):
        router.include_router(group)
    return router
