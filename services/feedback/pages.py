"""Guest relations' screens (/app/feedback): the open cases with owner and deadline,
overdue first; NPS and CSAT week by week as charts drawn in the browser from this
service's own satisfaction report. All through this service's API (shared/pages)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, Response

from shared.pages import StaffPages, StaffSession

TEMPLATES = Path(__file__).parent / "templates"
HOME = "/app/feedback"
OPEN = ("open", "escalated")


def _due(case: dict[str, Any]) -> datetime:
    due = datetime.fromisoformat(case["due_at"])
    return due if due.tzinfo else due.replace(tzinfo=UTC)


def cases_in_order(cases: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    """Overdue first (the longest overdue at the top), then by deadline."""
    for case in cases:
        case["overdue"] = _due(case) < now
    return sorted(cases, key=lambda case: (not case["overdue"], _due(case)))


def chart_series(weeks: list[dict[str, Any]], figure: str, label: str) -> str:
    """The JSON a chart draws: weeks with a figure, on its scale (-100..100 or 0..100)."""
    points = [[week["week"], week[figure]] for week in weeks if week.get(figure) is not None]
    low = -100 if figure == "nps" else 0
    # "<" escaped: the JSON sits in a <script> block of the page
    return json.dumps({"label": label, "min": low, "max": 100, "points": points}).replace(
        "<", "\\u003c"
    )


def feedback_pages(runtime: Any) -> APIRouter:
    pages = StaffPages(
        runtime,
        service="feedback",
        title="Guest relations",
        scopes=("feedback",),
        templates=TEMPLATES,
        nav=[(HOME, "Cases"), (f"{HOME}/satisfaction", "Satisfaction")],
    )

    @pages.page("/feedback")
    async def cases(request: Request, session: StaffSession) -> Response:
        found: list[dict[str, Any]] = []
        for status in OPEN:
            found += (
                await pages.fetch(request, session, "/cases", {"status": status, "limit": 200})
            )["items"]
        ordered = cases_in_order(found, datetime.now(UTC))
        return pages.render(
            request,
            session,
            "feedback/cases.html",
            cases=ordered,
            overdue=sum(case["overdue"] for case in ordered),
        )

    @pages.action("/feedback/cases/{case_id}/resolve")
    async def resolve(request: Request, session: StaffSession, form: dict[str, str]) -> Response:
        case_id = request.path_params["case_id"]
        answer = await pages.api(
            request,
            session,
            "POST",
            f"/cases/{case_id}/resolve",
            json={
                "resolution": form.get("resolution", ""),
                "resolved_by": session.principal.key_id,
            },
        )
        if not answer.ok:
            return pages.error(request, session, answer.status, answer.detail)
        return pages.done(HOME, f"Case {case_id} resolved")

    @pages.page("/feedback/satisfaction")
    async def satisfaction(request: Request, session: StaffSession) -> Response:
        report = await pages.fetch(request, session, "/reports/satisfaction")
        return pages.render(
            request,
            session,
            "feedback/satisfaction.html",
            report=report,
            nps_series=chart_series(report["weeks"], "nps", "NPS by week"),
            csat_series=chart_series(report["weeks"], "csat", "CSAT % by week"),
        )

    return pages.router
