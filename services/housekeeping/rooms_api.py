"""Routes for the room board: every room and one room with its status, the guest's
do-not-disturb sign, and the inspection of a room's latest finished cleaning."""

from __future__ import annotations

from fastapi import APIRouter

from .api_common import room_public, verdict_of
from .domain import RoomPublic, TaskPublic
from .rooms import RoomKeeper
from .schemas import DoNotDisturb, InspectionCreate
from .tasks import TaskService


def rooms_router(rooms: RoomKeeper, tasks: TaskService) -> APIRouter:
    router = APIRouter()

    @router.get("/rooms", response_model=list[RoomPublic])
    async def list_rooms() -> list[RoomPublic]:
        """Every room of the property with its status (the room board)."""
        return [room_public(room) for room in await rooms.repository.all_rooms()]

    @router.get("/rooms/{room_number}", response_model=RoomPublic)
    async def get_room(room_number: str) -> RoomPublic:
        return room_public(await rooms.room(room_number))

    @router.put("/rooms/{room_number}/do-not-disturb", response_model=RoomPublic)
    async def do_not_disturb(room_number: str, sign: DoNotDisturb) -> RoomPublic:
        """The guest's sign on the door: no stay-over service while it is out."""
        return room_public(await tasks.set_do_not_disturb(room_number, sign.on))

    @router.post("/rooms/{room_number}/inspection", response_model=TaskPublic)
    async def inspect_room(room_number: str, inspection: InspectionCreate) -> TaskPublic:
        """Inspects the room's latest finished cleaning."""
        return TaskPublic.of(await tasks.inspect_room(room_number, **verdict_of(inspection)))

    return router
