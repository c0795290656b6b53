"""Reservation routes: thin, the use cases do the work."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from .domain import ReservationCreate, ReservationPublic
from .service import ReservationService


def to_public(document: dict[str, Any]) -> ReservationPublic:
    return ReservationPublic(id=document["_id"], **{
        key: document[key] for key in ReservationPublic.model_fields if key != "id"})


def reservation_router(service: ReservationService) -> APIRouter:
    router = APIRouter(tags=["reservations"])

    @router.post("/reservations", status_code=status.HTTP_201_CREATED,
                 response_model=ReservationPublic)
    async def create_reservation(request: ReservationCreate) -> ReservationPublic:
        return to_public(await service.create_reservation(request))

    @router.get("/reservations/{reservation_id}", response_model=ReservationPublic)
    async def get_reservation(reservation_id: str) -> ReservationPublic:
        return to_public(await service.get_reservation(reservation_id))

    @router.get("/availability")
    async def availability(arrival: Annotated[date, Query()],
                           departure: Annotated[date, Query()]) -> dict[str, Any]:
        """Rooms left per room type for every night from arrival to departure."""
        return {"arrival": arrival, "departure": departure,
                "room_types": await service.availability(arrival, departure)}

    return router
