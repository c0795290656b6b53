"""Routes for the reports: rooms by status, attendants' work, and times per task."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter

from .public import AttendantsReport, RoomsReport, TimesReport
from .reports import Reports


def reports_router(reports: Reports) -> APIRouter:
    router = APIRouter()

    @router.get("/reports/rooms")
    async def rooms_report() -> RoomsReport:
        return RoomsReport.model_validate(await reports.rooms_by_status())

    @router.get("/reports/attendants")
    async def attendants_report(day: date | None = None) -> AttendantsReport:
        found = await reports.work_by_attendant(day.isoformat() if day else None)
        return AttendantsReport.model_validate(found)

    @router.get("/reports/times")
    async def times_report(day: date | None = None) -> TimesReport:
        return TimesReport.model_validate(await reports.times(day.isoformat() if day else None))

    return router
