"""Loyalty routes: thin, the use cases do the work."""

from __future__ import annotations

from fastapi import APIRouter

from .domain import PointsPublic
from .service import LoyaltyService


def loyalty_router(service: LoyaltyService) -> APIRouter:
    router = APIRouter(tags=["loyalty"])

    @router.get("/guests/{guest_id}/points", response_model=PointsPublic)
    async def points(guest_id: str) -> PointsPublic:
        """The guest's balance and every ledger entry behind it."""
        return PointsPublic.model_validate(await service.points_of(guest_id))

    return router
