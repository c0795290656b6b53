"""A walk-in: a guest without a booking given a room for tonight on, never one promised
to a booking (promises.py); one stay per Idempotency-Key."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from shared.errors import Unprocessable
from shared.events import Event, RoomAssigned, RoomAssignedPayload
from shared.logging import get_logger
from shared.outbox import with_outbox
from shared.property_setup import RoomTypeSetup

from .allocation import Choice, needs_from_requests
from .desk_context import is_duplicate_key, keyed_id
from .domain import WalkIn, nights_between
from .guest_capture import walk_in_profile_event
from .promises import give_unpromised
from .records import origin, reservation_ref
from .room_assignment import RoomAssignment
from .stay_opening import StayOpening

log = get_logger(__name__)


class WalkIns(RoomAssignment, StayOpening):
    async def walk_in(self, request: WalkIn, idempotency_key: str | None = None) -> dict[str, Any]:
        stay_id = keyed_id(f"walk-in|{self.repository.property_id}", idempotency_key)
        if idempotency_key and (repeated := await self.repository.stay(stay_id)):
            return repeated  # the same walk-in sent again: one stay
        room_type = self.setup.room_type(request.room_type)
        if room_type is None:
            raise Unprocessable(f"{request.room_type!r} is not a room type of this property")
        today = await self.today()
        if request.departure <= today:
            raise Unprocessable("the departure must be after today")
        if (request.departure - today).days > 90:
            raise Unprocessable("a walk-in stays at most 90 nights")
        self._check_registration(request.registration, request.departure, today)
        nights = nights_between(today, request.departure)
        choice = await self._room_for_walk_in(request, room_type.code, nights, stay_id, today)
        stay, events = self._walk_in_stay(stay_id, request, room_type, nights, today, choice)
        try:
            await self.repository.insert_stay(with_outbox(stay, *events))
        except Exception as error:
            # only this call's room: a twin request with the same key may hold another
            await self.repository.release_room_nights(stay_id, choice.room_number)
            if is_duplicate_key(error):
                return await self.get_stay(stay_id)
            raise
        self.events_written()
        log.info("walk-in checked in", stay_id=stay_id, room_number=stay["room_number"])
        return stay

    async def _room_for_walk_in(
        self, request: WalkIn, asked_type: str, nights: list[date], stay_id: str, today: date
    ) -> Choice:
        """The room the desk names or the rules choose, never one promised to a booking."""

        async def take() -> Choice:
            if request.room_number:
                return await self.claim_chosen_room(request.room_number, nights, stay_id)
            requests = list(request.requests) + (["family"] if request.children else [])
            return await self.allocate(
                needs_from_requests(asked_type, len(nights), requests), nights, stay_id
            )

        async def give_back(taken: Choice) -> None:
            await self.repository.release_room_nights(stay_id, taken.room_number)

        # the guard counts the type of the room taken: a named room of another type than
        # asked for is one fewer of ITS type (counting the asked type let a walk-in take a
        # suite promised to a booking by naming it)
        named = await self.repository.room(request.room_number) if request.room_number else None
        return await give_unpromised(
            self.repository,
            named["room_type"] if named else asked_type,
            nights,
            today,
            what="a walk-in",
            take=take,
            give_back=give_back,
        )

    def _walk_in_stay(
        self,
        stay_id: str,
        request: WalkIn,
        room_type: RoomTypeSetup,
        nights: list[date],
        today: date,
        choice: Choice,
    ) -> tuple[dict[str, Any], list[Event[Any]]]:
        """The stay, charged the asked type's rack rate, and its events, written with it in
        one insert (the outbox); the guest gets a profile from the registration."""
        arrival = {
            "guest_id": f"walkin-{uuid.uuid4()}",
            "guest_name": None,
            "room_type": room_type.code,
            "arrival": today.isoformat(),
            "departure": request.departure.isoformat(),
            "nightly_rates": {n.isoformat(): str(room_type.nightly_rate) for n in nights},
            "currency": self.setup.currency,
            "property_id": self.repository.property_id,
        }
        assignment = {
            "room_number": choice.room_number,
            "rule": choice.rule,
            "explanation": choice.explanation,
        }
        stay = self._new_stay(
            stay_id, arrival, assignment, request.registration, None, request.agent
        )
        stay["walk_in"] = True
        stay["occupied_room_type"] = choice.chosen.room_type
        events: list[Event[Any]] = [
            RoomAssigned.new(
                RoomAssignedPayload(
                    reservation_id=reservation_ref(stay),
                    guest_id=stay["guest_id"],
                    room_number=stay["room_number"],
                    room_type=stay["room_type"],
                    arrival=stay["arrival"],
                    departure=stay["departure"],
                    rule=choice.rule,
                    stay_id=stay_id,
                ),
                **origin(stay),
            )
        ]
        events += self._check_in_events(stay, request.deposit)
        events.append(walk_in_profile_event(stay, request.registration))
        return stay, events
