"""Front desk routes: thin, the use cases do the work."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from .domain import CheckIn, Settlement, StayPublic
from .service import FrontDeskService


def to_public(stay: dict[str, Any]) -> StayPublic:
    return StayPublic(stay_id=stay["_id"], **{
        key: stay[key] for key in StayPublic.model_fields if key != "stay_id"})


def frontdesk_router(service: FrontDeskService) -> APIRouter:
    router = APIRouter(tags=["front desk"])

    @router.get("/arrivals")
    async def arrivals(day: Annotated[date, Query(alias="date")]) -> dict[str, Any]:
        items = await service.arrivals_on(day)
        return {"date": day, "total": len(items), "items": [
            {"reservation_id": a["_id"], "confirmation_number": a["confirmation_number"],
             "guest_id": a["guest_id"], "guest_name": a["guest_name"],
             "room_type": a["room_type"], "departure": a["departure"]} for a in items]}

    @router.post("/stays", status_code=status.HTTP_201_CREATED, response_model=StayPublic)
    async def check_in(request: CheckIn) -> StayPublic:
        return to_public(await service.check_in(request.reservation_id))

    @router.get("/stays/{stay_id}", response_model=StayPublic)
    async def get_stay(stay_id: str) -> StayPublic:
        return to_public(await service.get_stay(stay_id))

    @router.post("/stays/{stay_id}/checkout", response_model=Settlement)
    async def check_out(stay_id: str) -> Settlement:
        stay = await service.check_out(stay_id)
        return Settlement.model_validate(stay["settlement"])

    return router
