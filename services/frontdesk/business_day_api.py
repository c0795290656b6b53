"""Routes for the business day: the hotel's date and the night audit that closes it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body

from .business_day import BusinessDay
from .domain import NightAudit
from .public import BusinessDate, NightAuditRun


def business_day_router(business_day: BusinessDay) -> APIRouter:
    router = APIRouter()

    @router.get("/business-date")
    async def get_business_date() -> BusinessDate:
        """The hotel's business date: the day the night audit has not closed yet."""
        return BusinessDate(business_date=await business_day.today())

    @router.post("/night-audit")
    async def night_audit(request: Annotated[NightAudit | None, Body()] = None) -> NightAuditRun:
        """Closes the business date (or re-audits a closed night): posts the night's room
        charges, rolls the date and publishes business_day.closed (no-shows follow)."""
        closed = await business_day.close(request.night if request else None)
        return NightAuditRun.model_validate(closed)

    return router
