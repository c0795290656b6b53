"""Routes for front-office operations (issue 18): the guest's opinion at check-out,
walking a guest to a partner hotel, the communication log and shift handover, and the
front-office metrics. Whoever writes is the credential that called, not a field."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, status

from shared.auth import CurrentPrincipal
from shared.paging import Listing

from .front_office import FrontOffice, HandoverCreate, LogEntryCreate, OpinionCreate, WalkCreate
from .public import FrontOfficeMetrics, Handover, LogEntry, OpinionRecord, WalkRecord, Walks


def front_office_router(office: FrontOffice) -> APIRouter:
    router = APIRouter(tags=["front office"])
    _guest_routes(router, office)
    _shift_log_routes(router, office)
    _metrics_routes(router, office)
    return router


def _guest_routes(router: APIRouter, office: FrontOffice) -> None:
    """The guest's opinion at check-out, and walking a guest to a partner hotel."""

    @router.post("/stays/{stay_id}/opinion", status_code=status.HTTP_201_CREATED)
    async def opinion(
        stay_id: str, request: OpinionCreate, principal: CurrentPrincipal
    ) -> OpinionRecord:
        """The guest's opinion asked at check-out, once per stay; a score of 2 or less is
        passed to guest relations as a complaint, owned by whoever signed in to ask."""
        acting = request.model_copy(update={"taken_by": principal.key_id})
        return OpinionRecord.model_validate(await office.record_opinion(stay_id, acting))

    @router.post("/arrivals/{reservation_id}/walk", status_code=status.HTTP_201_CREATED)
    async def walk(
        reservation_id: str, request: WalkCreate, principal: CurrentPrincipal
    ) -> WalkRecord:
        """No room for a booked guest: the guest is taken to a partner hotel at the hotel's
        cost; the partner, the cost and the reason are kept."""
        return WalkRecord.model_validate(
            await office.walk(reservation_id, request, principal.key_id)
        )

    @router.get("/walks")
    async def walks(
        first: Annotated[date, Query(alias="from")], last: Annotated[date, Query(alias="to")]
    ) -> Walks:
        return Walks.model_validate(await office.walks_between(first, last))


def _shift_log_routes(router: APIRouter, office: FrontOffice) -> None:
    """The communication log and the shift handover."""

    @router.post("/logbook", status_code=status.HTTP_201_CREATED)
    async def write(entry: LogEntryCreate, principal: CurrentPrincipal) -> LogEntry:
        return LogEntry.model_validate(await office.write(entry, principal.key_id))

    @router.get("/logbook")
    async def entries(
        open_only: Annotated[bool, Query(alias="open")] = False,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> Listing[LogEntry]:
        """Newest first; `open=true`: the follow-ups not done yet."""
        found = await office.entries(open_only, limit)
        return Listing.of([LogEntry.model_validate(entry) for entry in found])

    @router.post("/logbook/{entry_id}/done")
    async def done(entry_id: str, principal: CurrentPrincipal) -> LogEntry:
        return LogEntry.model_validate(await office.mark_done(entry_id, principal.key_id))

    @router.post("/shift-handovers", status_code=status.HTTP_201_CREATED)
    async def hand_over(request: HandoverCreate, principal: CurrentPrincipal) -> Handover:
        """The open follow-ups and the day's counts, for the next shift."""
        return Handover.model_validate(await office.hand_over(request, principal.key_id))

    @router.get("/shift-handovers/latest")
    async def latest() -> Handover:
        return Handover.model_validate(await office.latest_handover())

    @router.post("/shift-handovers/{handover_id}/acknowledge")
    async def acknowledge(handover_id: str, principal: CurrentPrincipal) -> Handover:
        return Handover.model_validate(await office.acknowledge(handover_id, principal.key_id))


def _metrics_routes(router: APIRouter, office: FrontOffice) -> None:
    @router.get("/front-office/metrics")
    async def metrics(
        first: Annotated[date, Query(alias="from")], last: Annotated[date, Query(alias="to")]
    ) -> FrontOfficeMetrics:
        """Check-ins, check-outs, busiest hours, check-out waiting, errors, complaints by
        category, opinions and walks over the days from..to at the hotel."""
        return FrontOfficeMetrics.model_validate(await office.metrics(first, last))
