"""Room allocation and assignment: the rules (allocation.py) choose, the room nights are
claimed, a room of another type is given only if no booking is promised it
(promises.py); assignment ahead of arrival and the guest's room notice."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from shared.errors import Conflict, NotFound
from shared.events import RoomAssigned, RoomAssignedPayload
from shared.logging import get_logger
from shared.outbox import push_outbox

from . import allocation
from .allocation import Choice, Needs, Rule, choose_room, needs_from_requests
from .desk_context import DeskContext, NoRoomFree
from .domain import AssignmentNotice, new_stay_id
from .promises import give_unpromised
from .records import origin, room_of, stay_nights

log = get_logger(__name__)


class RoomAssignment(DeskContext):
    async def needs_for(
        self, room_type: str, nights: int, requests: list[str], profile: dict[str, Any] | None
    ) -> Needs:
        """The booking's requests, the desk's, and the preferences the guest is known for."""
        preferences = (profile or {}).get("preferences") or {}
        known = [
            f"{key}:{value}" if key in ("floor", "bed", "orientation") else value
            for key, values in preferences.items()
            if key != "fixed_room"
            for value in values
        ]
        fixed = (preferences.get("fixed_room") or [None])[0]
        return needs_from_requests(
            room_type,
            nights,
            [*known, *requests],
            vip=bool((profile or {}).get("vip")),
            fixed_room=fixed,
        )

    async def allocate(
        self, needs: Needs, nights: list[date], stay_id: str, *, besides: str | None = None
    ) -> Choice:
        """Chooses by the rules and claims every night of the room; a room another desk
        claimed meanwhile is set aside and the rules choose again. `besides`: a room not
        to choose although the stay holds it (the one a move leaves)."""
        # Only the booked type's rooms: rule 1 keeps no other, and reading every room of
        # the property was most of a check-in's time (py-spy, make bench --profile).
        rooms = [room_of(doc) for doc in await self.repository.rooms_of_type(needs.room_type)]
        taken = await self.repository.taken_rooms(
            nights, except_stay=stay_id, among=[room.number for room in rooms]
        )
        if besides is not None:
            taken.add(besides)
        while True:
            choice = choose_room(needs, rooms, taken)
            if choice.room is None:
                raise NoRoomFree(choice.explanation, rule=choice.rule)
            if await self.repository.claim_room_nights(choice.room.number, nights, stay_id):
                return choice
            taken.add(choice.room.number)

    async def claim_chosen_room(self, room_number: str, nights: list[date], stay_id: str) -> Choice:
        """A manual override: any ready room the desk names, if it is free."""
        doc = await self.repository.room(room_number)
        if doc is None:
            raise NotFound(f"room {room_number!r} is not a room of this property")
        room = room_of(doc)
        if not room.ready:
            raise Conflict(
                f"room {room_number} is {room.status}: only clean or inspected "
                "rooms are given to guests",
                rule=Rule.READY_ROOMS_ONLY,
            )
        if not await self.repository.claim_room_nights(room_number, nights, stay_id):
            raise NoRoomFree(f"room {room_number} is taken on a night of the stay")
        return Choice(
            room, Rule.MANUAL_OVERRIDE, f"room {room_number} chosen by the desk (manual_override)"
        )

    async def claim_named_room(
        self,
        room_number: str,
        expected_type: str,
        nights: list[date],
        stay_id: str,
        today: date,
        *,
        what: str,
    ) -> Choice:
        """A room the desk names. Of the type the guest came for, the booking's own
        promise (or the walk-in's guard) already counts it; of ANOTHER type it is one
        room fewer of that type, so it is given only if no booking of that type is
        promised it (promises.py), as a move or an upgrade into that type is."""
        doc = await self.repository.room(room_number)
        if doc is None or doc["room_type"] == expected_type:
            return await self.claim_chosen_room(room_number, nights, stay_id)

        async def give_back(taken: Choice) -> None:
            await self.repository.release_room_nights(stay_id, taken.room_number, nights=nights)

        return await give_unpromised(
            self.repository,
            doc["room_type"],
            nights,
            today,
            what=f"{what} into room {room_number}",
            take=lambda: self.claim_chosen_room(room_number, nights, stay_id),
            give_back=give_back,
            except_stay=stay_id,
        )

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


def _nights(record: dict[str, Any]) -> int:
    return len(stay_nights(record))
