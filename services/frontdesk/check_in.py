"""Checking in a booked guest: the pre-assigned room kept or a room allocated, a VIP
offered the next better category, early nights added, every room of a multi-room
booking its own stay. Safe to retry: a repeat gets the stay the first call made."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from shared.errors import Conflict, NotFound, Unprocessable
from shared.events import Event, RoomAssigned, RoomAssignedPayload
from shared.logging import get_logger
from shared.outbox import with_outbox

from .allocation import Choice, Rule
from .desk_context import NoRoomFree, is_duplicate_key
from .domain import CheckIn, new_stay_id, nights_between
from .folio import room_part
from .guest_feedback import latest_results
from .promises import GiveBusy, give_unpromised, refuse_promised
from .records import origin, room_of, stay_nights
from .room_assignment import RoomAssignment
from .stay_opening import StayOpening
from .upgrades import better_room_type, upgraded

log = get_logger(__name__)


MAX_EARLY_NIGHTS = 2


class CheckIns(RoomAssignment, StayOpening):
    async def check_in(self, request: CheckIn | str) -> dict[str, Any]:
        """A repeat (a client retrying after a lost answer) gets the stay the first call
        made, as an Idempotency-Key replay would: every check-in is safe to retry."""
        if isinstance(request, str):
            request = CheckIn(reservation_id=request)
        arrival = await self.repository.arrival(request.reservation_id)
        if arrival is None:
            raise NotFound(
                f"no arrival for reservation {request.reservation_id!r} "
                "(not booked, or its booking has not reached the desk yet)"
            )
        # room_count N: N stays under the booking, one per room, each billed its room
        room_count = arrival.get("room_count", 1)
        room_index = await self.repository.count_stays_for(request.reservation_id)
        if room_index >= room_count:
            if room_count == 1 and (
                made := await self.repository.stay_for_reservation(request.reservation_id)
            ):
                return made  # a repeat whose answer was lost: the stay it made
            raise Conflict(
                f"reservation {request.reservation_id!r} is already checked in"
                + (f" (all its {room_count} rooms)" if room_count > 1 else "")
            )
        if room_count > 1:
            arrival = {
                **arrival,
                "nightly_rates": room_share(arrival["nightly_rates"], room_count, room_index),
            }
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

        profile = await self._known_guest(arrival["guest_id"])
        early = self._early_nights(arrival, request.early_check_in, today)
        promises_seen = 0
        if early:  # counted, then confirmed below once the nights are taken (promises.py)
            promises_seen = await self.repository.promise_version(arrival["room_type"])
            await refuse_promised(
                self.repository, arrival["room_type"], early, today, what="the early check-in"
            )
        if early:  # the nights before the booked arrival, at the rack rate, in the same room
            rate = str(self.setup.known_room_type(arrival["room_type"]).nightly_rate)
            arrival = {
                **arrival,
                "arrival": early[0].isoformat(),
                "nightly_rates": {
                    **{night.isoformat(): rate for night in early},
                    **arrival["nightly_rates"],
                },
            }
        nights = stay_nights(arrival)
        pre_assigned = arrival.get("assignment") if room_index == 0 else None
        stay_id = pre_assigned["stay_id"] if pre_assigned else new_stay_id()
        choice: Choice | None = None
        early_claimed: list[date] = []
        upgrade = None
        if pre_assigned and request.room_number in (None, pre_assigned["room_number"]):
            room = room_of(await self.repository.room(pre_assigned["room_number"]))
            if room.ready:
                if early and not await self.repository.claim_room_nights(
                    room.number, early, stay_id
                ):
                    raise NoRoomFree(
                        f"room {room.number} is taken before the arrival date; "
                        "name another room for the early check-in"
                    )
                early_claimed = early
                assignment = {k: pre_assigned[k] for k in ("room_number", "rule", "explanation")}
            elif request.room_number:
                raise Conflict(
                    f"room {room.number} is {room.status}: only clean or inspected "
                    "rooms are given to guests",
                    rule=Rule.READY_ROOMS_ONLY,
                )
        if request.room_number and (
            not pre_assigned or request.room_number != pre_assigned["room_number"]
        ):
            choice = await self.claim_named_room(
                request.room_number,
                arrival["room_type"],
                nights,
                stay_id,
                today,
                what="the check-in",
            )
        elif not pre_assigned or not room.ready:
            # the desk allocates (a ready pre-assigned room, whose notice the guest was
            # sent, is kept): a VIP is offered the next better category first
            offered = (
                await self._vip_upgrade(arrival, nights, stay_id, today, request, profile)
                if (profile or {}).get("vip")
                else None
            )
            if offered is not None:
                choice, upgrade = offered
            else:
                needs = await self.needs_for(
                    arrival["room_type"],
                    len(nights),
                    [*arrival.get("special_requests", []), *request.requests],
                    profile,
                )
                choice = await self.allocate(needs, nights, stay_id)
        if choice is not None:
            assignment = {
                "room_number": choice.room_number,
                "rule": choice.rule,
                "explanation": choice.explanation,
            }
        if early and not await self.repository.advance_promise_version(
            arrival["room_type"], promises_seen
        ):
            if choice is not None:
                await self.repository.release_room_nights(stay_id, choice.room_number)
            elif early_claimed:
                await self.repository.release_room_nights(
                    stay_id, assignment["room_number"], nights=early_claimed
                )
            raise GiveBusy(
                f"the early check-in: a {arrival['room_type']} room was given meanwhile; try again"
            )

        stay = self._new_stay(
            stay_id, arrival, assignment, request.registration, profile, request.agent
        )
        stay["room_index"] = room_index
        # the type of the room given (the booked type is what is charged): an upgrade, or
        # a room the desk named, tells reservation which type the stay holds
        stay["occupied_room_type"] = (
            choice.chosen.room_type
            if choice is not None
            else room_of(await self.repository.room(stay["room_number"])).room_type
        )
        stay["upgrade"] = upgrade
        events: list[Event[Any]] = []
        if choice is not None:
            events.append(
                RoomAssigned.new(
                    RoomAssignedPayload(
                        reservation_id=arrival["_id"],
                        guest_id=stay["guest_id"],
                        room_number=stay["room_number"],
                        room_type=stay["occupied_room_type"],
                        arrival=stay["arrival"],
                        departure=stay["departure"],
                        rule=choice.rule,
                        stay_id=stay_id,
                        vip=stay["vip"],
                        special_requests=arrival.get("special_requests", []),
                    ),
                    **origin(stay),
                )
            )
        events += self._check_in_events(stay, request.deposit)
        try:
            await self.repository.insert_stay(with_outbox(stay, *events))
        except Exception as error:
            if choice is not None:  # only what this call claimed: a winner may hold the rest
                await self.repository.release_room_nights(stay_id, choice.room_number)
            elif early_claimed:
                await self.repository.release_room_nights(
                    stay_id, assignment["room_number"], nights=early_claimed
                )
            if is_duplicate_key(error):  # a concurrent copy took this room of the booking
                made = await self.repository.stay_for_reservation(request.reservation_id)
                if room_count == 1 and made is not None:
                    return made  # its stay: the same answer as a retry gets
                raise Conflict(
                    f"room {room_index + 1} of reservation "
                    f"{request.reservation_id!r} was checked in meanwhile; "
                    "try again for the next"
                ) from None
            raise
        if pre_assigned and choice is not None:  # the pre-assigned room was given up
            await self.repository.release_room_nights(stay_id, pre_assigned["room_number"])
        await self.repository.mark_arrival_checked_in(
            arrival["_id"], stay_id, all_rooms=room_index + 1 == room_count
        )
        self.events_written()
        log.info(
            "guest checked in",
            stay_id=stay_id,
            room_number=stay["room_number"],
            rule=assignment["rule"],
        )
        return stay

    async def _vip_upgrade(
        self,
        arrival: dict[str, Any],
        nights: list[date],
        stay_id: str,
        today: date,
        request: CheckIn,
        profile: dict[str, Any] | None,
    ) -> tuple[Choice, dict[str, Any]] | None:
        """A room of the next better category for the whole stay (upgrades.py), taken as
        a walk-in's is, so never one promised to a booking; None when there is none."""
        guests = arrival.get("adults", 1) + arrival.get("children", 0)
        better = better_room_type(self.setup, arrival["room_type"], guests)
        if better is None:
            return None
        needs = await self.needs_for(
            better.code,
            len(nights),
            [*arrival.get("special_requests", []), *request.requests],
            profile,
        )

        async def give_back(taken: Choice) -> None:
            await self.repository.release_room_nights(stay_id, taken.room_number)

        try:
            choice = await give_unpromised(
                self.repository,
                better.code,
                nights,
                today,
                what="the VIP upgrade",
                take=lambda: self.allocate(needs, nights, stay_id),
                give_back=give_back,
            )
        except Conflict as declined:  # promised, none ready, or being given: as booked
            log.info("no VIP upgrade", stay_id=stay_id, to=better.code, why=declined.title)
            return None
        return upgraded(choice, arrival["room_type"], better)

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

    def _early_nights(
        self, arrival: dict[str, Any], early_check_in: bool, today: date
    ) -> list[date]:
        booked = date.fromisoformat(arrival["arrival"])
        if not early_check_in:
            if booked > today:
                raise Conflict(
                    f"reservation {arrival['_id']!r} arrives on {booked.isoformat()}; the "
                    f"business date is {today.isoformat()}. A guest checks in on the arrival "
                    "date (before the standard hour is an early check-in); arriving days "
                    "early is an early_check_in with those nights charged, or an amendment",
                    arrival=booked.isoformat(),
                    business_date=today.isoformat(),
                )
            return []
        early = nights_between(today, booked)
        if not early:
            raise Unprocessable(
                "an early check-in is for a guest arriving before the "
                f"booked arrival date ({booked.isoformat()})"
            )
        if len(early) > MAX_EARLY_NIGHTS:
            raise Unprocessable(
                f"an early check-in adds at most {MAX_EARLY_NIGHTS} nights; "
                "amend the reservation instead"
            )
        return early


def room_share(nightly_rates: dict[str, str], room_count: int, room_index: int) -> dict[str, str]:
    """One room's part of a booking's nightly rates (which are for all its rooms): equal
    shares to the cent, the last room takes the remaining cents, so the rooms add up."""
    return {
        night: str(room_part(Decimal(rate), room_count, room_index))
        for night, rate in nightly_rates.items()
    }
