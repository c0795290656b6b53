"""Routes for registration beyond the check-in (issue 18): companions, corrections during
the stay, and the document and deposit-receipt check at check-out."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from .domain import RegistrationCreate
from .registration_desk import DepartureCheck, RegistrationDesk, RegistrationUpdate


def registration_router(desk: RegistrationDesk) -> APIRouter:
    router = APIRouter(tags=["registration"])

    @router.post("/stays/{stay_id}/companions", status_code=status.HTTP_201_CREATED)
    async def add_companion(stay_id: str, companion: RegistrationCreate) -> dict[str, Any]:
        """A companion's registration with their own document, checked like the guest's;
        the number is kept encrypted and shown masked. The same document again is the
        same companion."""
        return await desk.add_companion(stay_id, companion)

    @router.get("/stays/{stay_id}/companions")
    async def companions(stay_id: str) -> dict[str, Any]:
        return {"stay_id": stay_id, "items": await desk.companions(stay_id)}

    @router.patch("/stays/{stay_id}/registration")
    async def update_registration(stay_id: str, update: RegistrationUpdate) -> dict[str, Any]:
        """Corrects the guest's name or contact during the stay; `reason` is required and
        kept with the fields changed (never the values)."""
        return await desk.update_details(stay_id, update)

    @router.post("/stays/{stay_id}/departure-check")
    async def departure_check(stay_id: str, shown: DepartureCheck) -> dict[str, Any]:
        """The document and deposit receipt the guest shows at check-out, compared with the
        registration and the deposit taken; 422 says which did not match."""
        return await desk.departure_check(stay_id, shown)

    return router
