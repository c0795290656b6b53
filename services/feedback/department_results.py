"""Survey results sent to the departments concerned (seed 002 11.2(4): "将调查结果反馈给
相关部门"; 001 四).

Every answered questionnaire (after the stay or during it) is split by the department of
each question; each department's part leaves as one `survey.results_shared` event,
written with the answer itself (same document write, the outbox), so no answer is shared
twice or lost. The department reads the same results over HTTP with its own key
(`GET /department-results/{department}`). Scores and topics only: the guest's own words
stay in feedback (the event says a comment was left; guest relations reads it on the case).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from shared.errors import Unprocessable
from shared.events import SurveyResultsShared, SurveyResultsSharedPayload

from .domain import QuestionType, Slug, low_scoring_topics
from .public import DepartmentResults
from .repository import FeedbackRepository

PRODUCER = "feedback"
MAX_DAYS = 92
MAX_ITEMS = 500


def shares_of(
    answers: list[dict[str, Any]],
    *,
    survey_id: str,
    kind: Literal["post_stay", "in_stay"],
    stay_id: str,
    room_number: str | None,
    answered_at: datetime,
    guest_id: str | None = None,
) -> list[SurveyResultsSharedPayload]:
    """One share per department that has a scored answer; 'overall' goes to nobody in
    particular (it is in guest relations' own report)."""
    by_department: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for answer in answers:
        by_department[answer["department"]].append(answer)
    comment_left = any(a["type"] == QuestionType.TEXT and a["value"] for a in answers)
    return [
        SurveyResultsSharedPayload(
            survey_id=survey_id,
            kind=kind,
            department=department,
            stay_id=stay_id,
            guest_id=guest_id,
            room_number=room_number,
            scores={a["question_id"]: a["value"] for a in part if a["type"] != QuestionType.TEXT},
            low_topics=low_scoring_topics(part),
            comment_left=comment_left,
            answered_at=answered_at,
        )
        for department, part in sorted(by_department.items())
        if department != "overall" and any(a["type"] != QuestionType.TEXT for a in part)
    ]


def share_events(
    shares: list[SurveyResultsSharedPayload], *, property_id: str, correlation_id: str | None
) -> list[SurveyResultsShared]:
    return [
        SurveyResultsShared.new(
            share, producer=PRODUCER, property_id=property_id, correlation_id=correlation_id
        )
        for share in shares
    ]


def survey_share_events(
    survey: dict[str, Any],
    answers: list[dict[str, Any]],
    *,
    kind: Literal["post_stay", "in_stay"],
    room_number: str | None,
    answered_at: datetime,
) -> list[SurveyResultsShared]:
    """The events of an answered survey: each department's part, for that department,
    written with the answer (post-stay and in-stay questionnaires alike)."""
    return share_events(
        shares_of(
            answers,
            survey_id=survey["_id"],
            kind=kind,
            stay_id=survey["stay_id"],
            guest_id=survey.get("guest_id"),
            room_number=room_number,
            answered_at=answered_at,
        ),
        property_id=survey["property_id"],
        correlation_id=survey.get("correlation_id"),
    )


# Departments with a key of their own read their results with it (access.py names these
# paths): the gate judges a route by its template, so each has a route of its own.
OWN_ROUTES = ("housekeeping", "front_office", "reservations")


def department_results_router(repository: FeedbackRepository, clock: Any) -> APIRouter:
    """`GET /department-results/{department}`: the results of that department, newest
    first; housekeeping, the front office and reservations read theirs with their own key."""
    router = APIRouter(tags=["feedback"])

    async def results(
        department: str, since: datetime | None, until: datetime | None, limit: int
    ) -> DepartmentResults:
        return await department_results(repository, clock, department, since, until, limit)

    def own_route(department: str) -> Any:
        async def department_results(
            since: datetime | None = None,
            until: datetime | None = None,
            limit: Annotated[int, Query(ge=1, le=MAX_ITEMS)] = 100,
        ) -> DepartmentResults:
            return await results(department, since, until, limit)

        department_results.__name__ = f"department_results_{department}"
        return department_results

    for department in OWN_ROUTES:
        router.add_api_route(
            f"/department-results/{department}", own_route(department), methods=["GET"]
        )

    @router.get("/department-results/{department}")
    async def any_department_results(
        department: Slug,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: Annotated[int, Query(ge=1, le=MAX_ITEMS)] = 100,
    ) -> DepartmentResults:
        """Any department's results (food and beverage, ...): guest relations' view."""
        return await results(department, since, until, limit)

    return router


async def department_results(
    repository: FeedbackRepository,
    clock: Any,
    department: str,
    since: datetime | None,
    until: datetime | None,
    limit: int,
) -> DepartmentResults:
    """The department's shares of the surveys answered from `since` to `until` (the last
    30 days by default), newest first."""
    until = until or clock() + timedelta(seconds=1)
    since = since or until - timedelta(days=30)
    if until - since > timedelta(days=MAX_DAYS):
        raise Unprocessable(f"department results cover at most {MAX_DAYS} days")
    items = await _shares(repository, department, since, until, limit)
    items.sort(key=lambda item: item.answered_at, reverse=True)
    items = items[:limit]
    return DepartmentResults(
        department=department,
        since=since,
        until=until,
        answers=len(items),
        with_low_scores=len([item for item in items if item.low_topics]),
        items=items,
    )


async def _shares(
    repository: FeedbackRepository, department: str, since: datetime, until: datetime, limit: int
) -> list[SurveyResultsSharedPayload]:
    """The department's share of each post-stay and in-stay survey answered in the span
    (at most `limit` surveys of each kind, the newest)."""
    items: list[SurveyResultsSharedPayload] = []
    kinds: tuple[tuple[Any, Literal["post_stay", "in_stay"]], ...] = (
        (repository.surveys, "post_stay"),
        (repository.in_stay_surveys, "in_stay"),
    )
    for collection, kind in kinds:
        answered = await (
            collection.find({"answered_at": {"$gte": since, "$lt": until}}, {"outbox": 0})
            .sort("answered_at", -1)
            .to_list(limit)
        )
        for survey in answered:
            for share in shares_of(
                survey["response"]["answers"],
                survey_id=survey["_id"],
                kind=kind,
                stay_id=survey["stay_id"],
                guest_id=survey.get("guest_id"),
                room_number=survey.get("room_number"),
                answered_at=survey["answered_at"],
            ):
                if share.department == department:
                    items.append(share)
    return items
