"""Feedback routes: thin, the use cases do the work."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from .domain import SurveyPublic, SurveyStatus
from .service import FeedbackService

MAX_PAGE = 200


def feedback_router(service: FeedbackService) -> APIRouter:
    router = APIRouter(tags=["feedback"])

    @router.get("/surveys")
    async def list_surveys(stay_id: str | None = None, status: SurveyStatus | None = None,
                           limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
                           offset: Annotated[int, Query(ge=0)] = 0) -> dict[str, Any]:
        total, surveys = await service.surveys(stay_id=stay_id, status=status, limit=limit,
                                               offset=offset)
        return {"total": total, "limit": limit, "offset": offset, "items": [
            SurveyPublic(survey_id=survey["_id"], **{
                k: survey.get(k) for k in SurveyPublic.model_fields if k != "survey_id"})
            for survey in surveys]}

    return router
