"""Routes for check-in and the stay: checking in (from a booking or walking in), the stay,
its registration card with the audited reveal and the audit log of reveals, and the
stay's changes (a room move, an extension, a shortening)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from shared.audit import AuditLog, AuditLogAnswer, RevealRequest, reveal_for
from shared.masking import contact_fields_present

from .api_common import IdempotencyKey, to_public
from .domain import (
    CheckIn,
    RegistrationView,
    RoomMove,
    StayExtend,
    StayPublic,
    StayShorten,
    WalkIn,
)
from .service import FrontDeskService
from .shortening import shorten_stay

# Who may see a guest's ID number in clear (each time on record, with the reason).
reveal_registration = reveal_for("frontdesk", "manager")
MAX_AUDIT_PAGE = 500


def stay_router(service: FrontDeskService, audit: AuditLog) -> APIRouter:
    router = APIRouter()
    _check_in_routes(router, service)
    _registration_routes(router, service, audit)
    _stay_change_routes(router, service)
    return router


def _check_in_routes(router: APIRouter, service: FrontDeskService) -> None:
    """Checking in from a booking or walking in, and the stay."""

    @router.post("/stays", status_code=status.HTTP_201_CREATED, response_model=StayPublic)
    async def check_in(request: CheckIn) -> StayPublic:
        """Safe to retry: a repeat answers with the stay the first call made."""
        stay = await service.check_in(request)
        return to_public(stay).model_copy(update={"notice": await service.notice_for_stay(stay)})

    @router.post("/walk-ins", status_code=status.HTTP_201_CREATED, response_model=StayPublic)
    async def walk_in(request: WalkIn, idempotency_key: IdempotencyKey = None) -> StayPublic:
        stay = await service.walk_in(request, idempotency_key)
        return to_public(stay).model_copy(update={"notice": await service.notice_for_stay(stay)})

    @router.get("/stays/{stay_id}", response_model=StayPublic)
    async def get_stay(stay_id: str) -> StayPublic:
        return to_public(await service.get_stay(stay_id))


def _registration_routes(router: APIRouter, service: FrontDeskService, audit: AuditLog) -> None:
    """The registration card with the audited reveal, and the audit log of reveals."""

    @router.get("/stays/{stay_id}/registration", response_model=RegistrationView)
    async def registration(
        stay_id: str, reveal: RevealRequest | None = Depends(reveal_registration)
    ) -> RegistrationView:
        """The registration card, the ID number, e-mail and phone masked. `?reveal=true`
        with the reason in `X-Reveal-Reason` shows them in clear (front desk, manager),
        recorded in the audit log (who, what, when, why) before it leaves."""
        stay = await service.registered_stay(stay_id)
        card = to_public(stay).registration
        assert card is not None  # registered_stay refuses a stay without a registration
        number = card.document_number_masked
        if reveal is not None:
            await audit.record_reveal(
                reveal,
                subject_type="stay",
                subject_id=stay_id,
                fields=["document_number", *contact_fields_present(stay["registration"])],
            )
            number = service.document_number(stay)
            card = card.model_copy(
                update={k: stay["registration"].get(k) for k in ("email", "phone")}
            )
        return RegistrationView(
            **card.model_dump(),
            stay_id=stay_id,
            document_number=number,
            revealed=reveal is not None,
        )

    @router.get("/audit-log")
    async def audit_log(
        subject_id: Annotated[str | None, Query(max_length=100)] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_AUDIT_PAGE)] = 100,
    ) -> AuditLogAnswer:
        """Who revealed which personal data, when and why (for the manager)."""
        return AuditLogAnswer.of(await audit.records(subject_id, limit), limit)


def _stay_change_routes(router: APIRouter, service: FrontDeskService) -> None:
    """A room move, an extension, a shortening."""

    @router.post("/stays/{stay_id}/move", response_model=StayPublic)
    async def move_room(stay_id: str, request: RoomMove) -> StayPublic:
        return to_public(await service.move_room(stay_id, request))

    @router.post("/stays/{stay_id}/extension", response_model=StayPublic)
    async def extend(stay_id: str, request: StayExtend) -> StayPublic:
        return to_public(await service.extend(stay_id, request))

    @router.post("/stays/{stay_id}/shortening", response_model=StayPublic)
    async def shorten(stay_id: str, request: StayShorten) -> StayPublic:
        """The guest in house leaves earlier (before check-out): the nights from the new
        departure are given back. 409 when the new departure is today or before (those
        nights have begun: leaving today is a check-out); 422 when it is not earlier."""
        return to_public(await shorten_stay(service, stay_id, request))
