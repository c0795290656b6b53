"""Routes for maintenance: a room's out-of-order (or out-of-service) periods, changed or
cancelled, and the maintenance requests with their status."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from shared.auth import CurrentPrincipal

from .maintenance import MaintenanceService
from .public import MaintenancePublic, PeriodPublic
from .rooms import from_request
from .schemas import MaintenanceCreate, MaintenanceUpdate, PeriodCreate, PeriodEndChange


def periods_router(maintenance: MaintenanceService) -> APIRouter:
    router = APIRouter()

    @router.post("/rooms/{room_number}/out-of-order-periods", status_code=201)
    async def add_period(room_number: str, period: PeriodCreate) -> PeriodPublic:
        """A period the room is out of order (or out of service); the status changes by
        itself at the start and back at the end."""
        return PeriodPublic.of(
            await maintenance.add_period(
                room_number,
                kind=period.kind,
                start=period.start,
                end=period.end,
                reason=period.reason,
                return_status=period.return_status,
                request_id=period.request_id,
            )
        )

    @router.get("/rooms/{room_number}/out-of-order-periods")
    async def list_periods(room_number: str) -> list[PeriodPublic]:
        return [PeriodPublic.of(p) for p in await maintenance.periods_of(room_number)]

    @router.patch("/out-of-order-periods/{period_id}")
    async def change_period_end(period_id: str, change: PeriodEndChange) -> PeriodPublic:
        """End a period early (no end, or an end now or past: the room comes back at once)
        or extend it (a later end)."""
        return PeriodPublic.of(await maintenance.change_period_end(period_id, change.end))

    @router.post("/out-of-order-periods/{period_id}/cancel")
    async def cancel_period(period_id: str) -> PeriodPublic:
        return PeriodPublic.of(await maintenance.cancel_period(period_id))

    return router


def maintenance_router(maintenance: MaintenanceService) -> APIRouter:
    router = APIRouter()

    @router.post("/maintenance-requests", status_code=201)
    async def request_maintenance(
        request: MaintenanceCreate, principal: CurrentPrincipal
    ) -> MaintenancePublic:
        """Reported by the signed-in credential, whatever the body says."""
        created, _ = await maintenance.request(
            request_id=str(uuid.uuid4()),
            origin=from_request(maintenance.repository.property_id),
            **{**request.model_dump(), "reported_by": principal.key_id},
        )
        return MaintenancePublic.of(created)

    @router.get("/maintenance-requests")
    async def list_maintenance(
        status: str | None = None,
        room_number: str | None = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
        offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    ) -> list[MaintenancePublic]:
        """Oldest first, a page at a time (`limit`, `offset`)."""
        found = await maintenance.list(status, room_number, limit, offset)
        return [MaintenancePublic.of(request) for request in found]

    @router.get("/maintenance-requests/{request_id}")
    async def get_maintenance(request_id: str) -> MaintenancePublic:
        return MaintenancePublic.of(await maintenance.get(request_id))

    @router.patch("/maintenance-requests/{request_id}")
    async def move_maintenance(request_id: str, update: MaintenanceUpdate) -> MaintenancePublic:
        return MaintenancePublic.of(await maintenance.move(request_id, update.status))

    return router
