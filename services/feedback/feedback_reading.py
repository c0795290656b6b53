"""Reading: the surveys, and the satisfaction report over a bounded window."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from shared.errors import Unprocessable

from .analysis import satisfaction_report
from .feedback_context import FeedbackContext

REPORT_MAX_DAYS = 366  # a satisfaction report spans at most a year of answers


class FeedbackReading(FeedbackContext):
    async def surveys(
        self, *, stay_id: str | None, status: str | None, limit: int, offset: int
    ) -> tuple[int, list[dict[str, Any]]]:
        filters = {key: value for key, value in (("stay_id", stay_id), ("status", status)) if value}
        return await self.repository.find_surveys(filters, limit, offset)

    async def report(
        self, *, since: datetime | None, until: datetime | None, department: str | None
    ) -> dict[str, Any]:
        """Over a bounded window (at most REPORT_MAX_DAYS; by default the last 90 days up
        to now), so one request never loads every answered survey there is."""
        until = until or self.clock() + timedelta(seconds=1)
        since = since or until - timedelta(days=90)
        if until - since > timedelta(days=REPORT_MAX_DAYS):
            raise Unprocessable(f"a report covers at most {REPORT_MAX_DAYS} days")
        received: dict[str, Any] = {"$gte": since, "$lt": until}
        filters = {"property_id": self.settings.property_id, "answered_at": received}
        responses = [
            {
                "received_at": survey["answered_at"],
                "business_date": survey["response"].get("business_date"),
                "answers": [
                    a
                    for a in survey["response"]["answers"]
                    if department is None or a["department"] == department
                ],
            }
            for survey in await self.repository.responses(filters)
        ]
        return {
            "property_id": self.settings.property_id,
            "since": since,
            "until": until,
            "department": department,
            **satisfaction_report(responses),
        }
