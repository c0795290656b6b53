"""Routes for the points ledger: the balance with its entries, redemptions, reversals."""

from __future__ import annotations

from fastapi import APIRouter, status

from .domain import LedgerEntryPublic, PointsPublic, RedemptionCreate, ReversalCreate
from .service import LoyaltyService


def ledger_router(service: LoyaltyService) -> APIRouter:
    router = APIRouter()

    @router.get("/guests/{guest_id}/points", response_model=PointsPublic)
    async def points(guest_id: str) -> PointsPublic:
        """The guest's balance and every ledger entry behind it (merged ids resolve to
        the surviving profile)."""
        return PointsPublic.model_validate(await service.points_of(guest_id))

    @router.post(
        "/guests/{guest_id}/redemptions",
        status_code=status.HTTP_201_CREATED,
        response_model=LedgerEntryPublic,
    )
    async def redeem(guest_id: str, request: RedemptionCreate) -> LedgerEntryPublic:
        """Points for a night or a voucher; refused (409) beyond the balance. The same
        request_id redeems once."""
        return LedgerEntryPublic.model_validate(await service.redeem(guest_id, request))

    @router.post(
        "/guests/{guest_id}/reversals",
        status_code=status.HTTP_201_CREATED,
        response_model=LedgerEntryPublic,
    )
    async def reverse(guest_id: str, request: ReversalCreate) -> LedgerEntryPublic:
        """Takes back an earning (a refund, a mistake) by a new entry; once per entry."""
        return LedgerEntryPublic.model_validate(await service.reverse(guest_id, request))

    return router
