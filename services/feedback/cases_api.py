"""Routes for the cases: opened by staff, listed, noted and resolved, each by the
signed-in credential, whatever the body says."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query

from shared.auth import CurrentPrincipal
from shared.paging import Page
from shared.problems import Problem

from .domain import Case, CaseCreate, CaseNoteCreate, CasePublic, CaseResolve, CaseStatus
from .service import FeedbackService
from .surveys_api import MAX_PAGE


def case_public(case: Case) -> CasePublic:
    return CasePublic.of(case)


class ManagerNeeded(Problem):
    status = 403
    title = "Forbidden"


def cases_router(service: FeedbackService, goodwill_manager_threshold: int) -> APIRouter:
    router = APIRouter()
    _opening_and_reading(router, service)
    _working(router, service, goodwill_manager_threshold)
    return router


def _opening_and_reading(router: APIRouter, service: FeedbackService) -> None:
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


def _working(router: APIRouter, service: FeedbackService, goodwill_manager_threshold: int) -> None:
    """Notes and the resolution, each by who is signed in."""

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
