"""Routes for the departure: the check-out, and the guest's request to leave that waits
for housekeeping's room check."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, status

from .departure import DepartureDesk
from .domain import CheckOut, CheckOutRequest, Settlement
from .folio_service import FolioService
from .public import CheckOutAsked
from .registration_desk import RegistrationDesk


def departure_router(
    folio_desk: FolioService,
    departure_desk: DepartureDesk | None = None,
    registrations: RegistrationDesk | None = None,
) -> APIRouter:
    router = APIRouter()

    @router.post("/stays/{stay_id}/checkout", response_model=Settlement)
    async def check_out(
        stay_id: str, request: Annotated[CheckOut | None, Body()] = None
    ) -> Settlement:
        """Safe to retry: a repeat answers with the settlement the first call made."""
        if registrations is not None:  # issue 18: the document and deposit receipt first
            await registrations.ensure_checked(stay_id)
        stay = await folio_desk.check_out(stay_id, request)
        return Settlement.model_validate(stay["settlement"])

    if departure_desk is not None:

        @router.post("/stays/{stay_id}/checkout-request", status_code=status.HTTP_202_ACCEPTED)
        async def request_check_out(
            stay_id: str, request: Annotated[CheckOutRequest | None, Body()] = None
        ) -> CheckOutAsked:
            """The guest asks to leave: housekeeping checks the room; the folio is settled
            when the check arrives or after ROOM_CHECK_WAIT_SECONDS (GET the stay's folio
            or settlement to see it). Asking twice asks once."""
            stay = await departure_desk.request_checkout(stay_id, request)
            return CheckOutAsked(
                stay_id=stay_id,
                status=stay["status"],
                checkout_request=stay.get("checkout_request"),
                settlement=stay.get("settlement"),
            )

    return router
