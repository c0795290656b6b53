"""Routes for the folio: the stay's folio, its charges and payments."""

from __future__ import annotations

from fastapi import APIRouter, status

from .domain import ChargeCreate, PaymentCreate
from .folio_service import FolioService
from .public import ChargeLine, FolioPublic, PaymentLine
from .records import public_payment


def folio_router(folio_desk: FolioService) -> APIRouter:
    router = APIRouter()

    @router.get("/stays/{stay_id}/folio")
    async def folio(stay_id: str) -> FolioPublic:
        return FolioPublic.model_validate(await folio_desk.folio(stay_id))

    @router.post("/stays/{stay_id}/charges", status_code=status.HTTP_201_CREATED)
    async def post_charge(stay_id: str, request: ChargeCreate) -> ChargeLine:
        return ChargeLine.model_validate(await folio_desk.post_charge(stay_id, request))

    @router.post("/stays/{stay_id}/payments", status_code=status.HTTP_201_CREATED)
    async def post_payment(stay_id: str, request: PaymentCreate) -> PaymentLine:
        payment = await folio_desk.post_payment(stay_id, request)
        return PaymentLine.model_validate(public_payment(payment))

    return router
