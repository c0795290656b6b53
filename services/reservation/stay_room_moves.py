"""A guest moved to another room: from the move's first night the stay holds the new
room's type, and its booking gives the booked type back."""

from __future__ import annotations

from shared.events import StayRoomMoved
from shared.logging import get_logger

from .stay_context import StayContext, booking_of

log = get_logger(__name__)


class StayRoomMoves(StayContext):
    async def room_moved(self, event: StayRoomMoved) -> None:
        """The guest went to another room: from the move's first night the stay holds the
        new room's type and its booking gives the booked type back. A move within the
        booked type changes nothing; copies in any order end in the last move's type."""
        move = event.payload
        if (
            not move.nights
            or move.to_room_type is None
            or move.room_type is None
            or move.reservation_id is None
            or move.arrival is None
            or move.departure is None
        ):
            return  # a copy from a desk before moves carried room types: nothing to move
        await self._record_stay(
            event.property_id,
            move.stay_id,
            move.reservation_id,
            move.room_type,
            move.arrival,
            move.departure,
        )
        first = min(move.nights)
        stays_booked_type = move.from_room_type == move.to_room_type == move.room_type
        await self._change_type(
            move.stay_id, move.move_number, first, move.to_room_type, handed=not stays_booked_type
        )
        await self._hold_stay_nights(move.stay_id)
        if not stays_booked_type:
            await self._hand_over(booking_of(move.reservation_id), move.stay_id, first)
        log.info(
            "stay's room type followed",
            stay_id=move.stay_id,
            from_room_type=move.from_room_type,
            to_room_type=move.to_room_type,
            from_night=first.isoformat(),
        )
