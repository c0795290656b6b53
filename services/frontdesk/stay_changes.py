"""Changes to a stay in house: a move to another room and an extension. (A shortening is
shortening.py, the check-out folio_service.py.)"""

from __future__ import annotations

from datetime import date
from typing import Any

from shared.errors import Conflict, Unprocessable
from shared.events import StayExtended, StayExtendedPayload
from shared.logging import get_logger
from shared.outbox import push_outbox

from .allocation import Choice
from .departure_change import DepartureChange
from .desk_context import NoRoomFree
from .domain import RoomMove, StayExtend, nights_between
from .promises import give_unpromised
from .records import origin, stay_nights
from .room_assignment import RoomAssignment
from .room_move import RoomMoveWrite
from .stay_store import stay_from_document

log = get_logger(__name__)


class StayChanges(RoomAssignment):
    async def occupied_room_type(self, stay: dict[str, Any]) -> str:
        """The type of the room the guest is in (the booked type is what is charged): a
        stay from before this was recorded reads its room's."""
        if stay.get("occupied_room_type"):
            return str(stay["occupied_room_type"])
        room = await self.repository.room(stay["room_number"])
        return str(room["room_type"]) if room else str(stay["room_type"])

    async def move_room(self, stay_id: str, request: RoomMove) -> dict[str, Any]:
        stay = await self._in_house(stay_id)
        old_room = stay["room_number"]
        old_type = await self.occupied_room_type(stay)
        from_night = max(await self.today(), date.fromisoformat(stay["arrival"]))
        nights = [n for n in stay_nights(stay) if n >= from_night]
        if not nights:
            raise Conflict(f"stay {stay_id!r} has no night left to move")
        if request.to_room == old_room:
            raise Conflict(f"the guest is already in room {old_room}")
        if request.to_room:
            choice = await self._claim_room_to_move_to(request.to_room, old_type, nights, stay_id)
        else:
            profile = await self.repository.guest(stay["guest_id"])
            needs = await self.needs_for(old_type, len(nights), [], profile)
            choice = await self.allocate(needs, nights, stay_id, besides=old_room)
        move = RoomMoveWrite(
            stay, choice, old_type, nights, from_night, request.reason, self.clock()
        )
        read = stay_from_document(stay)
        moved = await self.repository.move_stay(
            read, move.moved(read), move.guard(), move.appended()
        )
        if moved is None:
            await self.repository.release_room_nights(stay_id, move.new_room, from_night)
            raise Conflict(f"stay {stay_id!r} changed meanwhile; try again")
        await self.repository.release_room_nights(stay_id, old_room, from_night)
        self.events_written()
        log.info("room moved", stay_id=stay_id, from_room=old_room, to_room=move.new_room)
        return moved

    async def _claim_room_to_move_to(
        self, to_room: str, old_type: str, nights: list[date], stay_id: str
    ) -> Choice:
        """The room the desk names; of another type than the guest is in, it is one fewer
        of that type for the bookings, so given only if none is promised it."""
        target = await self.repository.room(to_room)
        if not target or target["room_type"] == old_type:
            return await self.claim_chosen_room(to_room, nights, stay_id)

        async def give_back(taken: Choice) -> None:
            await self.repository.release_room_nights(stay_id, taken.room_number, nights=nights)

        return await give_unpromised(
            self.repository,
            target["room_type"],
            nights,
            await self.today(),
            what="the move",
            take=lambda: self.claim_chosen_room(to_room, nights, stay_id),
            give_back=give_back,
        )

    async def extend(self, stay_id: str, request: StayExtend) -> dict[str, Any]:
        stay = await self._in_house(stay_id)
        old_departure = date.fromisoformat(stay["departure"])
        if request.departure <= old_departure:
            raise Unprocessable("an extension moves the departure later")
        if (request.departure - old_departure).days > 90:
            raise Unprocessable("an extension adds at most 90 nights")
        extra = nights_between(old_departure, request.departure)

        async def take() -> None:
            if not await self.repository.claim_room_nights(stay["room_number"], extra, stay_id):
                raise NoRoomFree(
                    f"room {stay['room_number']} is taken during the extension; "
                    "move the guest or shorten it"
                )

        async def give_back(_: None) -> None:
            await self.repository.release_room_nights(stay_id, stay["room_number"], nights=extra)

        await give_unpromised(
            self.repository,
            await self.occupied_room_type(stay),  # the room kept is of the type in use
            extra,
            await self.today(),
            what="the extension",
            take=take,
            give_back=give_back,
            except_stay=stay_id,
        )
        # the booked type's rate: an upgraded guest is charged as booked
        rate = str(self.setup.known_room_type(stay["room_type"]).nightly_rate)
        rates = {n.isoformat(): rate for n in extra}
        change = DepartureChange(stay, request.departure)
        # Reservation holds the extra nights, housekeeping plans service on them.
        event = StayExtended.new(StayExtendedPayload(**change.payload_fields()), **origin(stay))
        extended = await self.repository.update_stay(
            stay_id,
            change.guard(room_number=stay["room_number"]),
            {
                "$set": {
                    **change.new_departure(),
                    **{f"nightly_rates.{night}": value for night, value in rates.items()},
                },
                "$push": push_outbox(event),
            },
        )
        if extended is None:
            await self.repository.release_room_nights(stay_id, stay["room_number"], old_departure)
            raise Conflict(f"stay {stay_id!r} changed meanwhile; try again")
        self.events_written()
        log.info("stay extended", stay_id=stay_id, nights=len(extra))
        return extended
