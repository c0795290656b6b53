"""The room follows the stay: a check-in occupies it, a check-out or a move leaves it
dirty with its cleaning task and voids the stay-overs planned, a departure changed moves
the occupant's dates, and the desk's room check request becomes a task."""

from __future__ import annotations

from typing import Any

from shared.events import (
    StayCheckedIn,
    StayCheckedOut,
    StayExtended,
    StayRoomCheckRequested,
    StayRoomMoved,
    StayShortened,
)
from shared.logging import get_logger

from .domain import (
    RoomChange,
    RoomStatus,
    TaskKind,
    TaskStatus,
    departure_task_id,
    move_out_task_id,
    status_after_check_in,
    status_after_check_out,
)
from .housekeeping_context import HousekeepingContext
from .rooms import caused_by

log = get_logger(__name__)


class StayEvents(HousekeepingContext):
    async def on_check_in(self, event: StayCheckedIn) -> None:
        stay = event.payload
        occupant = {
            "stay_id": stay.stay_id,
            "guest_id": stay.guest_id,
            "arrival": stay.arrival.isoformat(),
            # an extension handled before the check-in is kept
            "departure": await self.repository.latest_departure(
                stay.stay_id, stay.departure.isoformat()
            ),
            "vip": stay.vip,
        }

        def check_in(room: dict[str, Any]) -> RoomChange:
            return RoomChange(
                status_after_check_in(RoomStatus(room["status"])),
                "guest checked in",
                occupant=occupant,
                do_not_disturb=False,
            )

        await self.rooms.change(stay.room_number, str(event.event_id), check_in, caused_by(event))

    async def on_check_out(self, event: StayCheckedOut) -> None:
        stay = event.payload
        room = await self.rooms.room(stay.room_number)
        await self.create_task(
            departure_task_id(stay.stay_id),
            TaskKind.DEPARTURE_CLEANING,
            room,
            day=await self.business_dates.today(),
            stay_id=stay.stay_id,
            cause=event,
        )
        await self.rooms.change(
            stay.room_number, str(event.event_id), _vacated("guest checked out"), caused_by(event)
        )
        await self._cancel_stayovers(stay.stay_id, "guest checked out")

    async def on_extended(self, event: StayExtended) -> dict[str, Any] | None:
        """The stay leaves later: the room's occupant carries the new departure, so the
        plan serves the added nights (stayover_for plans none on or after the departure).
        Returns the room while that stay occupies it (the event guards the change: a
        redelivery changes nothing)."""
        stay = event.payload
        room, _ = await self._follow_departure(event, stay.stay_id, stay.room_number)
        return room

    async def on_shortened(self, event: StayShortened) -> None:
        """The guest leaves earlier: the room's occupant carries the new departure, so no
        plan serves the nights given up, and a stay-over already planned on or after it
        is cancelled."""
        stay = event.payload
        _, departure = await self._follow_departure(event, stay.stay_id, stay.room_number)
        cancelled = await self.repository.set_open_tasks_fields(
            {
                "stay_id": stay.stay_id,
                "kind": TaskKind.STAYOVER_SERVICE.value,
                "day": {"$gte": departure},
            },
            {"status": TaskStatus.CANCELLED.value, "cancel_reason": "stay shortened"},
        )
        log.info("stay shortened", stay_id=stay.stay_id, stayovers_cancelled=cancelled)

    async def _follow_departure(
        self, event: StayExtended | StayShortened, stay_id: str, room_number: str
    ) -> tuple[dict[str, Any] | None, str]:
        """The stay's departure as its latest change says, onto its room's occupant;
        the room (while that stay occupies it) and the departure."""
        stay = event.payload
        departure = await self.repository.latest_departure(
            stay_id, stay.departure.isoformat(), stay.revision
        )

        def new_departure(room: dict[str, Any]) -> RoomChange | None:
            occupant = room.get("occupant") or {}
            if occupant.get("stay_id") != stay_id or occupant.get("departure") == departure:
                return None  # not (or no longer) the stay's room, or already known
            return RoomChange(
                RoomStatus(room["status"]),
                f"departure moved to {departure}",
                occupant={**occupant, "departure": departure},
            )

        await self.rooms.change(room_number, str(event.event_id), new_departure, caused_by(event))
        room = await self.rooms.room(room_number)
        occupant = room.get("occupant") or {}
        if occupant.get("stay_id") == stay_id and occupant.get("departure") == departure:
            log.info("departure followed", stay_id=stay_id, departure=departure)
            return room, departure
        return None, departure

    async def on_room_check_requested(self, event: StayRoomCheckRequested) -> None:
        """The guest is leaving: the departure task exists now (the same task check-out
        would create), so the attendant can report the room check before the folio is
        settled; it is marked urgent, the desk is waiting."""
        asked = event.payload
        room = await self.rooms.room(asked.room_number)
        await self.create_task(
            departure_task_id(asked.stay_id),
            TaskKind.DEPARTURE_CLEANING,
            room,
            day=await self.business_dates.today(),
            stay_id=asked.stay_id,
            guest_id=asked.guest_id,
            urgent=True,
            cause=event,
            extra={"room_check_requested": True, "settle_by": asked.settle_by},
        )

    async def on_room_moved(self, event: StayRoomMoved) -> None:
        """The guest, with their stay, goes to the new room; the old one needs cleaning."""
        move = event.payload
        from_room = await self.rooms.room(move.from_room)
        occupant = from_room.get("occupant") or {"stay_id": move.stay_id, "guest_id": move.guest_id}

        def move_in(room: dict[str, Any]) -> RoomChange:
            return RoomChange(
                status_after_check_in(RoomStatus(room["status"])),
                f"guest moved in from {move.from_room}",
                occupant=occupant,
                do_not_disturb=False,
            )

        guard = str(event.event_id)
        await self.rooms.change(move.to_room, guard, move_in, caused_by(event))
        await self.create_task(
            move_out_task_id(move.stay_id, move.from_room),
            TaskKind.DEPARTURE_CLEANING,
            from_room,
            day=await self.business_dates.today(),
            stay_id=move.stay_id,
            cause=event,
        )
        await self.rooms.change(
            move.from_room, guard, _vacated(f"guest moved to {move.to_room}"), caused_by(event)
        )
        await self._cancel_stayovers(move.stay_id, "guest moved", room_number=move.from_room)

    async def _cancel_stayovers(self, stay_id: str, reason: str, **where: str) -> None:
        """A stay-over planned this morning is void once the guest has left the room."""
        await self.repository.set_open_tasks_fields(
            {"stay_id": stay_id, "kind": TaskKind.STAYOVER_SERVICE.value, **where},
            {"status": TaskStatus.CANCELLED.value, "cancel_reason": reason},
        )


def _vacated(reason: str):
    def vacate(room: dict[str, Any]) -> RoomChange:
        return RoomChange(
            status_after_check_out(RoomStatus(room["status"])),
            reason,
            vacated=True,
            do_not_disturb=False,
        )

    return vacate
