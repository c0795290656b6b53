"""Routes for what the guest in house asks for: requests (for housekeeping) and
complaints (for guest relations)."""

from __future__ import annotations

from fastapi import APIRouter, status

from shared.auth import CurrentPrincipal

from .api_common import IdempotencyKey
from .domain import ComplaintCreate, GuestRequestCreate
from .public import ComplaintLine, RequestLine, StayRequests
from .service import FrontDeskService


def stay_requests_router(service: FrontDeskService) -> APIRouter:
    router = APIRouter()

    @router.post("/stays/{stay_id}/requests", status_code=status.HTTP_201_CREATED)
    async def guest_request(
        stay_id: str,
        request: GuestRequestCreate,
        principal: CurrentPrincipal,
        idempotency_key: IdempotencyKey = None,
    ) -> RequestLine:
        """For housekeeping; the desk agent who took it (the signed-in credential) owns it."""
        acting = request.model_copy(update={"taken_by": principal.key_id})
        return RequestLine.model_validate(
            await service.raise_request(stay_id, acting, idempotency_key)
        )

    @router.get("/stays/{stay_id}/requests")
    async def guest_requests(stay_id: str) -> StayRequests:
        """The stay's requests (open or done: housekeeping's finished task closes them) and
        what the guest was told."""
        stay = await service.get_stay(stay_id)
        return StayRequests(
            stay_id=stay_id,
            items=stay.get("requests", []),
            guest_notices=stay.get("guest_notices", []),
        )

    @router.post("/stays/{stay_id}/complaints", status_code=status.HTTP_201_CREATED)
    async def complaint(
        stay_id: str,
        request: ComplaintCreate,
        principal: CurrentPrincipal,
        idempotency_key: IdempotencyKey = None,
    ) -> ComplaintLine:
        """For guest relations; the desk agent who took it (the signed-in credential) is
        the first responder."""
        acting = request.model_copy(update={"taken_by": principal.key_id})
        return ComplaintLine.model_validate(
            await service.raise_complaint(stay_id, acting, idempotency_key)
        )

    return router
