"""The guest's do-not-disturb sign: on a room with a guest only, and while it is out,
today's stay-over service that has not started is skipped."""

from __future__ import annotations

import uuid
from typing import Any

from shared.errors import Conflict

from .domain import RoomChange, RoomStatus, TaskKind, TaskStatus
from .rooms import from_request
from .task_context import TaskContext


class DoNotDisturbSign(TaskContext):
    async def set_do_not_disturb(self, room_number: str, on: bool) -> dict[str, Any]:
        room = await self.rooms.room(room_number)
        if on and not room.get("occupant"):
            raise Conflict(f"room {room_number} has no guest: do-not-disturb is the guest's sign")

        def sign(room: dict[str, Any]) -> RoomChange:
            return RoomChange(
                RoomStatus(room["status"]),
                "do not disturb" if on else "do not disturb removed",
                do_not_disturb=on,
            )

        await self.rooms.change(
            room_number, f"dnd|{uuid.uuid4()}", sign, from_request(room["property_id"])
        )
        if on:
            # The sign is out: today's service that has not started is skipped.
            today = (await self.business_dates.today()).isoformat()
            await self.repository.set_open_tasks_fields(
                {"room_number": room_number, "kind": TaskKind.STAYOVER_SERVICE.value, "day": today},
                {"status": TaskStatus.CANCELLED.value, "cancel_reason": "do not disturb"},
            )
        return await self.rooms.room(room_number)
