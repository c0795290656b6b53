"""Feedback routes: thin, the use cases do the work."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response

from shared.auth import CurrentPrincipal
from shared.downloads import CSV, CsvResponse, file_answer
from shared.paging import Listing, Page
from shared.problems import Problem

from .analysis import report_csv
from .domain import (
    Case,
    CaseCreate,
    CaseNoteCreate,
    CasePublic,
    CaseResolve,
    CaseStatus,
    ResponseCreate,
    SurveyDesignCreate,
    SurveyPublic,
    SurveyStatus,
)
from .guest_pages import submit_survey, survey_page, wants_html
from .public import (
    HTML_PAGE_TOO,
    SatisfactionReport,
    SurveyAnswered,
    SurveyDesignPublic,
    SurveyForm,
)
from .service import FeedbackService

MAX_PAGE = 200


def case_public(case: Case) -> CasePublic:
    return CasePublic.of(case)


class ManagerNeeded(Problem):
    status = 403
    title = "Forbidden"


def feedback_router(service: FeedbackService, goodwill_manager_threshold: int = 1000) -> APIRouter:
    router = APIRouter(tags=["feedback"])

    # --- surveys -----------------------------------------------------------------

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

    # --- reports -----------------------------------------------------------------

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

    # --- cases -------------------------------------------------------------------

    @router.post("/cases", status_code=201, response_model=CasePublic)
    async def open_case(
        case: CaseCreate,
        principal: CurrentPrincipal,
        idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
    ) -> CasePublic:
        """Owned by whoever opened it: the signed-in credential, not a name in the body."""
        acting = case.model_copy(update={"taken_by": principal.key_id})
        return case_public(await service.open_case(acting, idempotency_key))

    @router.get("/cases")
    async def list_cases(
        status: CaseStatus | None = None,
        guest_id: str | None = None,
        stay_id: str | None = None,
        owner: str | None = None,
        survey_id: str | None = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
        offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    ) -> Page[CasePublic]:
        total, cases = await service.cases(
            {
                "status": status,
                "guest_id": guest_id,
                "stay_id": stay_id,
                "owner": owner,
                "survey_id": survey_id,
            },
            limit,
            offset,
        )
        return Page.of(total, limit, offset, [case_public(case) for case in cases])

    @router.get("/cases/{case_id}", response_model=CasePublic)
    async def get_case(case_id: str) -> CasePublic:
        return case_public(await service.case(case_id))

    @router.post("/cases/{case_id}/notes", status_code=201, response_model=CasePublic)
    async def add_note(
        case_id: str, note: CaseNoteCreate, principal: CurrentPrincipal
    ) -> CasePublic:
        # the author is who is signed in, not a name typed in the body
        return case_public(
            await service.add_note(case_id, note.model_copy(update={"author": principal.key_id}))
        )

    @router.post("/cases/{case_id}/resolve", response_model=CasePublic)
    async def resolve(
        case_id: str, resolution: CaseResolve, principal: CurrentPrincipal
    ) -> CasePublic:
        """Goodwill above the threshold needs a manager's credential; who resolved is
        the credential's key id, whatever the body says."""
        if (resolution.goodwill_points or 0) > goodwill_manager_threshold and not principal.has_any(
            {"manager"}
        ):
            raise ManagerNeeded(
                f"goodwill above {goodwill_manager_threshold} points needs a manager"
            )
        acting = resolution.model_copy(update={"resolved_by": principal.key_id})
        return case_public(await service.resolve(case_id, acting))

    return router
