"""Checking in a booked guest: the pre-assigned room kept or a room allocated, a VIP
offered the next better category, early nights added, every room of a multi-room
booking its own stay. Safe to retry: a repeat gets the stay the first call made."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from shared.errors import Conflict, NotFound
from shared.events import Event, RoomAssigned, RoomAssignedPayload
from shared.logging import get_logger
from shared.outbox import with_outbox

from .allocation import Choice
from .check_in_room import CheckInRooms, RoomTaken
from .desk_context import is_duplicate_key
from .domain import CheckIn
from .early_check_in import MAX_EARLY_NIGHTS, early_nights, with_early_nights
from .folio import room_part
from .guest_feedback import latest_results
from .promises import GiveBusy, refuse_promised
from .records import origin, room_of, stay_nights
from .stay_opening import StayOpening

__all__ = ["MAX_EARLY_NIGHTS", "CheckIns", "room_share"]

log = get_logger(__name__)


class CheckIns(CheckInRooms, StayOpening):
    async def check_in(self, request: CheckIn | str) -> dict[str, Any]:
        """A repeat (a client retrying after a lost answer) gets the stay the first call
        made, as an Idempotency-Key replay would: every check-in is safe to retry."""
        if isinstance(request, str):
            request = CheckIn(reservation_id=request)
        arrival = await self._arrival_to_check_in(request.reservation_id)
        # room_count N: N stays under the booking, one per room, each billed its room
        room_count = arrival.get("room_count", 1)
        room_index = await self.repository.count_stays_for(request.reservation_id)
        if room_index >= room_count:
            return await self._stay_made_before(request.reservation_id, room_count)
        if room_count > 1:
            arrival = {
                **arrival,
                "nightly_rates": room_share(arrival["nightly_rates"], room_count, room_index),
            }
        today = await self._refuse_unless_checkable(arrival, request)
        profile = await self._known_guest(arrival["guest_id"])
        early = early_nights(arrival, request.early_check_in, today)
        promises_seen = await self._count_promises_for_early(arrival["room_type"], early, today)
        if early:
            rack_rate = self.setup.known_room_type(arrival["room_type"]).nightly_rate
            arrival = with_early_nights(arrival, early, rack_rate)
        taken = await self._room_for_check_in(
            arrival, stay_nights(arrival), request, room_index, early, today, profile
        )
        await self._confirm_early_nights(arrival["room_type"], early, promises_seen, taken)
        stay, events = await self._stay_with_events(arrival, request, room_index, profile, taken)
        try:
            await self.repository.insert_stay(with_outbox(stay, *events))
        except Exception as error:
            await taken.give_back(self.repository)
            if is_duplicate_key(error):  # a concurrent copy took this room of the booking
                return await self._stay_of_concurrent_copy(
                    request.reservation_id, room_index, room_count
                )
            raise
        if given_up := taken.given_up_room:
            await self.repository.release_room_nights(taken.stay_id, given_up)
        await self.repository.mark_arrival_checked_in(
            arrival["_id"], taken.stay_id, all_rooms=room_index + 1 == room_count
        )
        self.events_written()
        log.info(
            "guest checked in",
            stay_id=taken.stay_id,
            room_number=stay["room_number"],
            rule=taken.assignment["rule"],
        )
        return stay

    async def _arrival_to_check_in(self, reservation_id: str) -> dict[str, Any]:
        arrival = await self.repository.arrival(reservation_id)
        if arrival is None:
            raise NotFound(
                f"no arrival for reservation {reservation_id!r} "
                "(not booked, or its booking has not reached the desk yet)"
            )
        return arrival

    async def _stay_made_before(self, reservation_id: str, room_count: int) -> dict[str, Any]:
        """Every room of the booking has its stay: a repeat of a one-room check-in whose
        answer was lost gets the stay it made; anything else is refused."""
        if room_count == 1 and (made := await self.repository.stay_for_reservation(reservation_id)):
            return made
        raise Conflict(
            f"reservation {reservation_id!r} is already checked in"
            + (f" (all its {room_count} rooms)" if room_count > 1 else "")
        )

    async def _refuse_unless_checkable(self, arrival: dict[str, Any], request: CheckIn) -> date:
        """The business date, once the booking is expected, not yet departed, and the
        registration (when given) holds a valid document."""
        if arrival["status"] != "expected":
            raise Conflict(f"reservation {request.reservation_id!r} is {arrival['status']}")
        departure = date.fromisoformat(arrival["departure"])
        today = await self.today()
        if departure <= today:
            raise Conflict(
                f"reservation {request.reservation_id!r} departed on "
                f"{departure.isoformat()}; the business date is {today.isoformat()}"
            )
        if request.registration:
            self._check_registration(request.registration, departure, today)
        return today

    async def _count_promises_for_early(
        self, room_type: str, early: list[date], today: date
    ) -> int:
        """The early nights are not booked: refused when they are promised to bookings,
        and the promises counted, to be confirmed once the nights are taken (promises.py)."""
        if not early:
            return 0
        promises_seen = await self.repository.promise_version(room_type)
        await refuse_promised(self.repository, room_type, early, today, what="the early check-in")
        return promises_seen

    async def _confirm_early_nights(
        self, room_type: str, early: list[date], promises_seen: int, taken: RoomTaken
    ) -> None:
        """A room of the type given meanwhile may have made the early nights promised:
        what this check-in took is given back and the desk tries again."""
        if early and not await self.repository.advance_promise_version(room_type, promises_seen):
            await taken.give_back(self.repository)
            raise GiveBusy(f"the early check-in: a {room_type} room was given meanwhile; try again")

    async def _stay_with_events(
        self,
        arrival: dict[str, Any],
        request: CheckIn,
        room_index: int,
        profile: dict[str, Any] | None,
        taken: RoomTaken,
    ) -> tuple[dict[str, Any], list[Event[Any]]]:
        """The stay to write and its events, written with it in one insert (the outbox)."""
        stay = self._new_stay(
            taken.stay_id, arrival, taken.assignment, request.registration, profile, request.agent
        )
        stay["room_index"] = room_index
        # the type of the room given (the booked type is what is charged): an upgrade, or
        # a room the desk named, tells reservation which type the stay holds
        stay["occupied_room_type"] = (
            taken.choice.chosen.room_type
            if taken.choice is not None
            else room_of(await self.repository.room(stay["room_number"])).room_type
        )
        stay["upgrade"] = taken.upgrade
        events: list[Event[Any]] = []
        if taken.choice is not None:
            events.append(room_assigned_at_check_in(arrival, stay, taken.choice))
        events += self._check_in_events(stay, request.deposit)
        return stay, events

    async def _stay_of_concurrent_copy(
        self, reservation_id: str, room_index: int, room_count: int
    ) -> dict[str, Any]:
        """A concurrent copy of this check-in wrote this room's stay first: its stay, the
        same answer as a retry gets; for a multi-room booking, the next room is asked for."""
        made = await self.repository.stay_for_reservation(reservation_id)
        if room_count == 1 and made is not None:
            return made
        raise Conflict(
            f"room {room_index + 1} of reservation "
            f"{reservation_id!r} was checked in meanwhile; "
            "try again for the next"
        ) from None

    async def _known_guest(self, guest_id: str) -> dict[str, Any] | None:
        """The guest's profile, marked `returning` only when the desk has a finished stay
        of theirs: a profile alone (a booking made one) is not a stay."""
        profile = await self.repository.guest(guest_id)
        if profile is None:
            return None
        return {
            **profile,
            "returning": await self.repository.has_stayed(guest_id),
            # how their last questionnaire went (issue 18), for the recognition
            "last_feedback": await latest_results(self.repository.guest_feedback, profile["_id"]),
        }


def room_assigned_at_check_in(
    arrival: dict[str, Any], stay: dict[str, Any], choice: Choice
) -> Event[Any]:
    """A room other than the pre-assigned one: reservation learns which room and type."""
    return RoomAssigned.new(
        RoomAssignedPayload(
            reservation_id=arrival["_id"],
            guest_id=stay["guest_id"],
            room_number=stay["room_number"],
            room_type=stay["occupied_room_type"],
            arrival=stay["arrival"],
            departure=stay["departure"],
            rule=choice.rule,
            stay_id=stay["_id"],
            vip=stay["vip"],
            special_requests=arrival.get("special_requests", []),
        ),
        **origin(stay),
    )


def room_share(nightly_rates: dict[str, str], room_count: int, room_index: int) -> dict[str, str]:
    """One room's part of a booking's nightly rates (which are for all its rooms): equal
    shares to the cent, the last room takes the remaining cents, so the rooms add up."""
    return {
        night: str(room_part(Decimal(rate), room_count, room_index))
        for night, rate in nightly_rates.items()
    }
