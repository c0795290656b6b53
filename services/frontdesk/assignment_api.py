"""Routes for room allocation: the day's arrivals pre-assigned, one arrival assigned, and
the notice of the assignment."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Body, status

from .api_common import assignment_result
from .domain import AssignmentNotice, PreAssign, RoomAssign
from .public import AssignmentResult, PreAssignment
from .service import FrontDeskService


def assignment_router(service: FrontDeskService) -> APIRouter:
    router = APIRouter()

    @router.post("/arrivals/pre-assignment")
    async def pre_assign(request: Annotated[PreAssign | None, Body()] = None) -> PreAssignment:
        """Rooms for a day's arrivals (tomorrow by default), VIPs and long stays first."""
        day = (
            request.arrival_date
            if request and request.arrival_date
            else await service.today() + timedelta(days=1)
        )
        results = await service.pre_assign(day)
        return PreAssignment(
            date=day,
            assigned=sum(1 for r in results if r["room_number"]),
            items=[assignment_result(r) for r in results],
        )

    @router.post("/arrivals/{reservation_id}/assignment", status_code=status.HTTP_201_CREATED)
    async def assign(
        reservation_id: str, request: Annotated[RoomAssign | None, Body()] = None
    ) -> AssignmentResult:
        result = await service.assign(reservation_id, request.room_number if request else None)
        return assignment_result(result)

    @router.get("/arrivals/{reservation_id}/notice", response_model=AssignmentNotice)
    async def assignment_notice(reservation_id: str) -> AssignmentNotice:
        return await service.assignment_notice(reservation_id)

    return router
