"""Routes for the satisfaction report: as JSON, and as a CSV file."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Response

from shared.downloads import CSV, CsvResponse, file_answer

from .analysis import report_csv
from .public import SatisfactionReport
from .service import FeedbackService


def satisfaction_router(service: FeedbackService) -> APIRouter:
    router = APIRouter()

    @router.get("/reports/satisfaction")
    async def satisfaction(
        since: datetime | None = None, until: datetime | None = None, department: str | None = None
    ) -> SatisfactionReport:
        """NPS, CSAT per question and department, ISO-week trends, lowest topics."""
        report = await service.report(since=since, until=until, department=department)
        return SatisfactionReport.model_validate(report)

    @router.get(
        "/reports/satisfaction.csv",
        response_class=CsvResponse,
        responses=file_answer(
            CSV, description="one row per scope: overall, each department, question and ISO week"
        ),
    )
    async def satisfaction_csv(
        since: datetime | None = None, until: datetime | None = None, department: str | None = None
    ) -> Response:
        report = await service.report(since=since, until=until, department=department)
        return CsvResponse(
            report_csv(report),
            headers={"content-disposition": 'attachment; filename="satisfaction.csv"'},
        )

    return router
