"""Routes for the surveys: the list, the guest's form (as JSON, or as a page for a
browser) and answers, and the survey designs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from shared.paging import Listing, Page

from .domain import ResponseCreate, SurveyDesignCreate, SurveyPublic, SurveyStatus
from .guest_pages import submit_survey, survey_page, wants_html
from .public import HTML_PAGE_TOO, SurveyAnswered, SurveyDesignPublic, SurveyForm
from .service import FeedbackService

MAX_PAGE = 200


def surveys_router(service: FeedbackService) -> APIRouter:
    router = APIRouter()

    @router.get("/surveys")
    async def list_surveys(
        stay_id: str | None = None,
        status: SurveyStatus | None = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
        offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    ) -> Page[SurveyPublic]:
        total, surveys = await service.surveys(
            stay_id=stay_id, status=status, limit=limit, offset=offset
        )
        items = [
            SurveyPublic.model_validate(
                {
                    "survey_id": survey["_id"],
                    **{k: survey.get(k) for k in SurveyPublic.model_fields if k != "survey_id"},
                }
            )
            for survey in surveys
        ]
        return Page.of(total, limit, offset, items)

    @router.get("/surveys/{survey_id}", response_model=SurveyForm, responses=HTML_PAGE_TOO)
    async def survey_form(survey_id: str, token: str, request: Request) -> SurveyForm | Response:
        """The guest's link: the questions, in the guest's language (token-authorised).
        A browser (Accept: text/html) gets the form as a page (guest_pages.py)."""
        if wants_html(request):
            return await survey_page(service, request, survey_id, token)
        return SurveyForm.model_validate(await service.survey_form(survey_id, token))

    @router.post("/surveys/{survey_id}/form", include_in_schema=False)
    async def survey_form_answers(survey_id: str, request: Request) -> Response:
        """The page's form posts here (url-encoded); the JSON route below is for apps."""
        return await submit_survey(service, request, survey_id)

    @router.post("/surveys/{survey_id}/responses", status_code=201)
    async def respond(survey_id: str, response: ResponseCreate) -> SurveyAnswered:
        """The guest answers, once, with the token from their link."""
        return SurveyAnswered.model_validate(await service.respond(survey_id, response))

    @router.post("/survey-designs", status_code=201)
    async def add_design(design: SurveyDesignCreate) -> SurveyDesignPublic:
        return SurveyDesignPublic.of(await service.add_design(design))

    @router.get("/survey-designs")
    async def list_designs() -> Listing[SurveyDesignPublic]:
        return Listing.of([SurveyDesignPublic.of(d) for d in await service.designs()])

    return router
