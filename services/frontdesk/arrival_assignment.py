"""Rooms assigned ahead of arrival: the day's expected arrivals in turn (VIPs and long
stays first) or one booking, a room the desk names or the rules choose, held by the
stay-to-be's room nights; reservation is told, and sends the guest the room notice."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from shared.errors import Conflict
from shared.events import RoomAssigned, RoomAssignedPayload
from shared.logging import get_logger
from shared.outbox import push_outbox

from . import allocation
from .allocation import Needs
from .desk_context import NoRoomFree
from .domain import new_stay_id
from .records import origin, stay_nights
from .room_assignment import RoomAssignment

log = get_logger(__name__)


class ArrivalAssignment(RoomAssignment):
    async def pre_assign(self, day: date | None = None) -> list[dict[str, Any]]:
        """Rooms for the day's expected arrivals (tomorrow by default): VIPs and long
        stays first, so they get the better rooms."""
        day = day or await self.today() + timedelta(days=1)
        waiting = [
            a
            for a in await self.repository.arrivals_on(day, status="expected")
            if not a.get("assignment")
        ]
        planned = []
        for arrival in waiting:
            profile = await self.repository.guest(arrival["guest_id"])
            needs = await self.needs_for(
                arrival["room_type"], _nights(arrival), arrival.get("special_requests", []), profile
            )
            planned.append((allocation.arrival_order(needs), arrival["_id"], arrival, needs))
        results = []
        for _, _, arrival, needs in sorted(planned, key=lambda item: item[:2]):
            try:
                results.append(await self._assign(arrival, needs, None))
            except NoRoomFree as refused:
                results.append(
                    {
                        "reservation_id": arrival["_id"],
                        "room_number": None,
                        "rule": refused.extensions.get("rule"),
                        "explanation": refused.detail,
                    }
                )
        return results

    async def assign(self, reservation_id: str, room_number: str | None) -> dict[str, Any]:
        arrival = await self._expected_arrival(reservation_id)
        if arrival.get("assignment"):
            raise Conflict(
                f"reservation {reservation_id!r} already has room "
                f"{arrival['assignment']['room_number']}"
            )
        profile = await self.repository.guest(arrival["guest_id"])
        needs = await self.needs_for(
            arrival["room_type"], _nights(arrival), arrival.get("special_requests", []), profile
        )
        return await self._assign(arrival, needs, room_number)

    async def _assign(
        self, arrival: dict[str, Any], needs: Needs, room_number: str | None
    ) -> dict[str, Any]:
        stay_id = new_stay_id()  # the stay-to-be holds the room nights
        nights = stay_nights(arrival)
        choice = (
            await self.claim_named_room(
                room_number,
                arrival["room_type"],
                nights,
                stay_id,
                await self.today(),
                what="the assignment",
            )
            if room_number
            else await self.allocate(needs, nights, stay_id)
        )
        assignment = {
            "room_number": choice.room_number,
            "rule": choice.rule,
            "explanation": choice.explanation,
            "stay_id": stay_id,
        }
        event = RoomAssigned.new(
            RoomAssignedPayload(
                reservation_id=arrival["_id"],
                guest_id=arrival["guest_id"],
                room_number=choice.chosen.number,
                room_type=choice.chosen.room_type,
                arrival=arrival["arrival"],
                departure=arrival["departure"],
                rule=choice.rule,
                vip=needs.vip,
                special_requests=arrival.get("special_requests", []),
                ahead_of_arrival=True,  # reservation sends the guest the notice (issue 18)
                booked_room_type=arrival["room_type"],
                stay_to_be_id=stay_id,
                booking_as_of=arrival["event_at"],
            ),
            **origin(arrival),
        )
        if not await self.repository.set_assignment(arrival["_id"], assignment, push_outbox(event)):
            await self.repository.release_room_nights(stay_id)
            raise Conflict(f"reservation {arrival['_id']!r} was assigned or changed meanwhile")
        self.events_written()
        log.info(
            "room assigned",
            reservation_id=arrival["_id"],
            room_number=choice.room_number,
            rule=choice.rule,
        )
        return {"reservation_id": arrival["_id"], **assignment}


def _nights(record: dict[str, Any]) -> int:
    return len(stay_nights(record))
