"""Feedback routes: thin, the use cases do the work. One router per group, put together
here in the order the routes have always been served (the OpenAPI document's order): the
surveys and their designs (surveys_api.py), the satisfaction report
(satisfaction_api.py) and the cases (cases_api.py)."""

from __future__ import annotations

from fastapi import APIRouter

from .cases_api import cases_router
from .satisfaction_api import satisfaction_router
from .service import FeedbackService
from .surveys_api import surveys_router

__all__ = ["feedback_router"]


def feedback_router(service: FeedbackService, goodwill_manager_threshold: int = 1000) -> APIRouter:
    router = APIRouter(tags=["feedback"])
    for group in (
        surveys_router(service),
        satisfaction_router(service),
        cases_router(service, goodwill_manager_threshold),
    ):
        router.include_router(group)
    return router
