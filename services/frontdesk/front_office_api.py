"""Routes for front-office operations (issue 18): the guest's opinion at check-out,
walking a guest to a partner hotel, the communication log and shift handover, and the
front-office metrics. Whoever writes is the credential that called, not a field."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from shared.auth import CurrentPrincipal

from .front_office import FrontOffice, HandoverCreate, LogEntryCreate, OpinionCreate, WalkCreate


def front_office_router(office: FrontOffice) -> APIRouter:
    router = APIRouter(tags=["front office"])

    @router.post("/stays/{stay_id}/opinion", status_code=status.HTTP_201_CREATED)
    async def opinion(
        stay_id: str, request: OpinionCreate, principal: CurrentPrincipal
    ) -> dict[str, Any]:
        """The guest's opinion asked at check-out, once per stay; a score of 2 or less is
        passed to guest relations as a complaint, owned by whoever signed in to ask."""
        acting = request.model_copy(update={"taken_by": principal.key_id})
        return await office.record_opinion(stay_id, acting)

    @router.post("/arrivals/{reservation_id}/walk", status_code=status.HTTP_201_CREATED)
    async def walk(
        reservation_id: str, request: WalkCreate, principal: CurrentPrincipal
    ) -> dict[str, Any]:
        """No room for a booked guest: the guest is taken to a partner hotel at the hotel's
        cost; the partner, the cost and the reason are kept."""
        return await office.walk(reservation_id, request, principal.key_id)

    @router.get("/walks")
    async def walks(
        first: Annotated[date, Query(alias="from")], last: Annotated[date, Query(alias="to")]
    ) -> dict[str, Any]:
        return await office.walks_between(first, last)

    @router.post("/logbook", status_code=status.HTTP_201_CREATED)
    async def write(entry: LogEntryCreate, principal: CurrentPrincipal) -> dict[str, Any]:
        return await office.write(entry, principal.key_id)

    @router.get("/logbook")
    async def entries(
        open_only: Annotated[bool, Query(alias="open")] = False,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> dict[str, Any]:
        """Newest first; `open=true`: the follow-ups not done yet."""
        return {"items": await office.entries(open_only, limit)}

    @router.post("/logbook/{entry_id}/done")
    async def done(entry_id: str, principal: CurrentPrincipal) -> dict[str, Any]:
        return await office.mark_done(entry_id, principal.key_id)

    @router.post("/shift-handovers", status_code=status.HTTP_201_CREATED)
    async def hand_over(request: HandoverCreate, principal: CurrentPrincipal) -> dict[str, Any]:
        """The open follow-ups and the day's counts, for the next shift."""
        return await office.hand_over(request, principal.key_id)

    @router.get("/shift-handovers/latest")
    async def latest() -> dict[str, Any]:
        return await office.latest_handover()

    @router.post("/shift-handovers/{handover_id}/acknowledge")
    async def acknowledge(handover_id: str, principal: CurrentPrincipal) -> dict[str, Any]:
        return await office.acknowledge(handover_id, principal.key_id)

    @router.get("/front-office/metrics")
    async def metrics(
        first: Annotated[date, Query(alias="from")], last: Annotated[date, Query(alias="to")]
    ) -> dict[str, Any]:
        """Check-ins, check-outs, busiest hours, check-out waiting, errors, complaints by
        category, opinions and walks over the days from..to at the hotel."""
        return await office.metrics(first, last)

    return router
