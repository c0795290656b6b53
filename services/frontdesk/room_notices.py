"""The guest's room notice: which room of which type, its floor, bed and view, and the
dates, for an arrival assigned ahead or a stay in house."""

from __future__ import annotations

from typing import Any

from shared.errors import Conflict, NotFound

from .desk_context import DeskContext
from .domain import AssignmentNotice
from .records import room_of


class RoomNotices(DeskContext):
    async def assignment_notice(self, reservation_id: str) -> AssignmentNotice:
        arrival = await self.repository.arrival(reservation_id)
        if arrival is None:
            raise NotFound(f"no arrival for reservation {reservation_id!r}")
        if not arrival.get("assignment"):
            raise Conflict(f"reservation {reservation_id!r} has no room yet")
        return await self._notice(
            arrival["_id"], arrival.get("guest_name"), arrival["assignment"]["room_number"], arrival
        )

    async def _notice(
        self,
        reservation_id: str | None,
        guest_name: str | None,
        room_number: str,
        dates: dict[str, Any],
    ) -> AssignmentNotice:
        room = room_of(await self.repository.room(room_number))
        type_name = self.setup.known_room_type(room.room_type).name
        text = (
            f"Dear {guest_name or 'guest'}, your {type_name} is room {room.number} on "
            f"floor {room.floor}: {room.bed} bed, {room.orientation} view, from "
            f"{dates['arrival']} to {dates['departure']}."
        )
        return AssignmentNotice(
            reservation_id=reservation_id,
            guest_name=guest_name,
            room_type=room.room_type,
            room_type_name=type_name,
            room_number=room.number,
            bed=room.bed,
            floor=room.floor,
            orientation=room.orientation,
            arrival=dates["arrival"],
            departure=dates["departure"],
            text=text,
        )

    async def notice_for_stay(self, stay: dict[str, Any]) -> AssignmentNotice:
        return await self._notice(
            stay.get("reservation_id"), stay.get("guest_name"), stay["room_number"], stay
        )
