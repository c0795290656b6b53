"""Room allocation: the rules (allocation.py) choose, the room nights are claimed, a room
of another type is given only if no booking is promised it (promises.py). Assignment
ahead of arrival is arrival_assignment.py, the guest's room notice room_notices.py."""

from __future__ import annotations

from datetime import date
from typing import Any

from shared.errors import Conflict, NotFound

from .allocation import Choice, Needs, Rule, choose_room, needs_from_requests
from .desk_context import DeskContext, NoRoomFree
from .promises import give_unpromised
from .records import room_of


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
        rooms = await self.repository.rooms_of_type(needs.room_type)
        numbers = [room.number for room in rooms]
        fresh = False  # the held rooms from this process's cache first (held_nights.py)
        taken = await self.repository.taken_rooms(nights, except_stay=stay_id, among=numbers)
        while True:
            if besides is not None:
                taken.add(besides)
            choice = choose_room(needs, rooms, taken)
            if choice.room is None:
                if fresh:
                    raise NoRoomFree(choice.explanation, rule=choice.rule)
                # Never refused on the cache's word: a release whose count a crash lost
                # can leave a free room shown held there. The store's own answer decides.
                fresh = True
                taken = await self.repository.taken_rooms(
                    nights, except_stay=stay_id, among=numbers, fresh=True
                )
                continue
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
