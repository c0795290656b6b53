"""Routes for the desk's lists of the day: arrivals, in house, departures."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from shared.paging import DayList

from .api_common import arrival_public, stay_summary
from .public import ArrivalPublic, StaySummary
from .service import FrontDeskService


def desk_lists_router(service: FrontDeskService) -> APIRouter:
    router = APIRouter()

    @router.get("/arrivals")
    async def arrivals(day: Annotated[date, Query(alias="date")]) -> DayList[ArrivalPublic]:
        items = await service.arrivals_on(day)
        return DayList.of(day, [arrival_public(a) for a in items])

    @router.get("/in-house")
    async def in_house(day: Annotated[date, Query(alias="date")]) -> DayList[StaySummary]:
        items = await service.in_house_on(day)
        return DayList.of(day, [stay_summary(s) for s in items])

    @router.get("/departures")
    async def departures(day: Annotated[date, Query(alias="date")]) -> DayList[StaySummary]:
        """Who leaves on the day, with the guest-relations alerts to settle first."""
        items = await service.departures_on(day)
        return DayList.of(day, [stay_summary(s) for s in items])

    return router
