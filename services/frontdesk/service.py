"""Front desk use cases: allocate rooms, register and check guests in, move and extend
stays, take requests and complaints. Each use case loads, applies the pure rules
(allocation.py, identity.py) and saves the state with its events in one document write.
The folio and check-out are folio_service.py."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from shared.auth import acting_person
from shared.crypto import PersonalDataCipher, mask
from shared.errors import Conflict, NotFound, Unprocessable
from shared.events import (
    ComplaintRaised,
    ComplaintRaisedPayload,
    Event,
    GuestRequestRaised,
    GuestRequestRaisedPayload,
    RoomAssigned,
    RoomAssignedPayload,
    StayCheckedIn,
    StayCheckedInPayload,
    StayExtended,
    StayExtendedPayload,
    StayRoomMoved,
    StayRoomMovedPayload,
)
from shared.logging import get_logger
from shared.outbox import push_outbox, with_outbox
from shared.property_setup import PropertySetup

from . import allocation
from .allocation import Choice, Needs, Rule, choose_room, needs_from_requests
from .booking_money import booking_money
from .domain import (
    AssignmentNotice,
    CheckIn,
    ComplaintCreate,
    DepositCreate,
    GuestRequestCreate,
    RegistrationCreate,
    RoomMove,
    StayExtend,
    StayStatus,
    WalkIn,
    greeting,
    new_stay_id,
    nights_between,
)
from .folio import PaymentKind, room_part
from .guest_capture import walk_in_profile_event
from .guest_feedback import latest_results
from .identity import DocumentRejected, check_document, normalise_document_number
from .promises import GiveBusy, give_unpromised, refuse_promised
from .records import (
    PropertyClock,
    business_today,
    document_number_binding,
    origin,
    payment_event,
    payment_line,
    reservation_ref,
    room_of,
    sealed_token,
    stay_nights,
)
from .repository import FrontDeskRepository
from .upgrades import better_room_type, upgraded

log = get_logger(__name__)
MAX_EARLY_NIGHTS = 2


class NoRoomFree(Conflict):
    title = "No room free"


class DocumentInvalid(Unprocessable):
    title = "Identity document refused"


class FrontDeskService:
    def __init__(
        self,
        repository: FrontDeskRepository,
        *,
        events_written: Callable[[], None],
        setup: PropertySetup,
        cipher: PersonalDataCipher,
        clock: PropertyClock | None = None,
        audit_hour: int = 3,
    ) -> None:
        self.repository = repository
        self.audit_hour = audit_hour
        self.events_written = events_written
        self.setup = setup
        self.cipher = cipher
        self.clock = clock or PropertyClock()

    async def today(self) -> date:
        """The business date (records.business_today), never the server's UTC date."""
        return await business_today(self.repository, self.clock, self.audit_hour)

    # --- allocation ------------------------------------------------------------------

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

    async def allocate(self, needs: Needs, nights: list[date], stay_id: str) -> Choice:
        """Chooses by the rules and claims every night of the room; a room another desk
        claimed meanwhile is set aside and the rules choose again."""
        # Only the booked type's rooms: rule 1 keeps no other, and reading every room of
        # the property was most of a check-in's time (py-spy, make bench --profile).
        rooms = [room_of(doc) for doc in await self.repository.rooms_of_type(needs.room_type)]
        taken = await self.repository.taken_rooms(
            nights, except_stay=stay_id, among=[room.number for room in rooms]
        )
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

    # --- check-in --------------------------------------------------------------------

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
            if _is_duplicate(error):  # a concurrent copy took this room of the booking
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

        async def take() -> Choice:
            if request.room_number:
                return await self.claim_chosen_room(request.room_number, nights, stay_id)
            requests = list(request.requests) + (["family"] if request.children else [])
            return await self.allocate(
                needs_from_requests(room_type.code, len(nights), requests), nights, stay_id
            )

        async def give_back(taken: Choice) -> None:
            await self.repository.release_room_nights(stay_id, taken.room_number)

        # the guard counts the type of the room taken: a named room of another type than
        # asked for is one fewer of ITS type (counting the asked type let a walk-in take a
        # suite promised to a booking by naming it)
        named = await self.repository.room(request.room_number) if request.room_number else None
        choice = await give_unpromised(
            self.repository,
            named["room_type"] if named else room_type.code,
            nights,
            today,
            what="a walk-in",
            take=take,
            give_back=give_back,
        )
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
        try:
            await self.repository.insert_stay(with_outbox(stay, *events))
        except Exception as error:
            # only this call's room: a twin request with the same key may hold another
            await self.repository.release_room_nights(stay_id, choice.room_number)
            if _is_duplicate(error):
                return await self.get_stay(stay_id)
            raise
        self.events_written()
        log.info("walk-in checked in", stay_id=stay_id, room_number=stay["room_number"])
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

    def _check_registration(
        self, registration: RegistrationCreate, departure: date, today: date
    ) -> None:
        document = registration.document
        try:
            check_document(
                document.type,
                normalise_document_number(document.number),
                document.expires_on,
                today=today,
                departure=departure,
            )
        except DocumentRejected as rejected:
            raise DocumentInvalid(str(rejected)) from None

    def _new_stay(
        self,
        stay_id: str,
        arrival: dict[str, Any],
        assignment: dict[str, Any],
        registration: RegistrationCreate | None,
        profile: dict[str, Any] | None,
        agent: str | None,
    ) -> dict[str, Any]:
        room = assignment["room_number"]
        stay = {
            "_id": stay_id,
            "property_id": arrival["property_id"],
            "guest_id": arrival["guest_id"],
            "guest_name": arrival.get("guest_name"),
            "room_number": room,
            "room_type": arrival["room_type"],
            "arrival": arrival["arrival"],
            "departure": arrival["departure"],
            "nightly_rates": arrival["nightly_rates"],
            "currency": arrival["currency"],
            "status": StayStatus.IN_HOUSE.value,
            "checked_in_at": self.clock(),
            "checked_in_by": agent,
            "walk_in": False,
            "vip": bool((profile or {}).get("vip")),
            # the membership perks as at check-in (issue 18): late check-out at departure
            "perks": list((profile or {}).get("perks") or []),
            "assignment": assignment,
            "registration": self._registration(stay_id, registration) if registration else None,
            "recognition": _recognition(profile, registration),
            "charges": [],
            "payments": [],
            "item_checks": [],
            "alerts": [],
            "requests": [],
            "complaints": [],
            "moves": [],
        }
        if arrival.get("_id"):
            stay["reservation_id"] = arrival["_id"]
            stay["booking_money"] = {
                **{key: arrival.get(key, "0") for key in ("deposit_paid", "amendment_fees")},
                "room_count": arrival.get("room_count", 1),
                "allowances": arrival.get("allowances", []),
            }
        if registration and not stay["guest_name"]:
            stay["guest_name"] = f"{registration.first_name} {registration.last_name}"
        return stay

    def _registration(self, stay_id: str, registration: RegistrationCreate) -> dict[str, Any]:
        number = normalise_document_number(registration.document.number)
        return {
            "first_name": registration.first_name,
            "last_name": registration.last_name,
            "gender": registration.gender,
            "nationality": registration.nationality,
            "document_type": registration.document.type.value,
            # Bound to this stay's registration: copied elsewhere it does not decrypt.
            "document_number_encrypted": self.cipher.encrypt(
                number, bound=document_number_binding(stay_id)
            ),
            "document_number_masked": mask(number),
            "document_expires_on": (
                registration.document.expires_on.isoformat()
                if registration.document.expires_on
                else None
            ),
            "email": registration.email,
            "phone": registration.phone,
        }

    def _check_in_events(
        self, stay: dict[str, Any], deposit: DepositCreate | None
    ) -> list[Event[Any]]:
        events: list[Event[Any]] = [
            StayCheckedIn.new(
                StayCheckedInPayload(
                    stay_id=stay["_id"],
                    reservation_id=reservation_ref(stay),
                    guest_id=stay["guest_id"],
                    room_number=stay["room_number"],
                    room_type=stay["room_type"],
                    arrival=stay["arrival"],
                    departure=stay["departure"],
                    vip=stay["vip"],
                    occupied_room_type=stay.get("occupied_room_type"),
                ),
                **origin(stay),
            )
        ]
        if deposit:
            payment = payment_line(
                PaymentKind.DEPOSIT,
                deposit.amount,
                deposit.method,
                sealed_token(self.cipher, stay["_id"], deposit.token_reference),
                self.clock(),
                pre_authorisation=deposit.pre_authorisation,
            )
            stay["payments"].append(payment)
            events.append(payment_event(stay, payment))
        events += booking_money(stay, self.clock())
        return events

    # --- during the stay: moves, extensions, requests, complaints ----------------------------

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
            target = await self.repository.room(request.to_room)
            to_room = request.to_room
            if target and target["room_type"] != old_type:
                # a room of another type: one fewer of that type for the bookings

                async def give_back(taken: Choice) -> None:
                    await self.repository.release_room_nights(
                        stay_id, taken.room_number, nights=nights
                    )

                choice = await give_unpromised(
                    self.repository,
                    target["room_type"],
                    nights,
                    await self.today(),
                    what="the move",
                    take=lambda: self.claim_chosen_room(to_room, nights, stay_id),
                    give_back=give_back,
                )
            else:
                choice = await self.claim_chosen_room(to_room, nights, stay_id)
        else:
            profile = await self.repository.guest(stay["guest_id"])
            needs = await self.needs_for(old_type, len(nights), [], profile)
            rooms = [room_of(doc) for doc in await self.repository.rooms_of_type(needs.room_type)]
            taken = await self.repository.taken_rooms(
                nights, except_stay=stay_id, among=[room.number for room in rooms]
            ) | {old_room}
            while True:
                choice = choose_room(needs, rooms, taken)
                if choice.room is None:
                    raise NoRoomFree(choice.explanation, rule=choice.rule)
                if await self.repository.claim_room_nights(choice.room.number, nights, stay_id):
                    break
                taken.add(choice.room.number)
        new_room = choice.chosen.number
        new_type = choice.chosen.room_type
        move_number = len(stay.get("moves") or []) + 1
        events: list[Event[Any]] = [
            RoomAssigned.new(
                RoomAssignedPayload(
                    reservation_id=reservation_ref(stay),
                    guest_id=stay["guest_id"],
                    room_number=new_room,
                    room_type=choice.chosen.room_type,
                    arrival=stay["arrival"],
                    departure=stay["departure"],
                    rule=choice.rule,
                    stay_id=stay_id,
                    vip=stay["vip"],
                ),
                **origin(stay),
            ),
            # reservation moves the stay's hold to the new type for these nights
            StayRoomMoved.new(
                StayRoomMovedPayload(
                    stay_id=stay_id,
                    guest_id=stay["guest_id"],
                    from_room=old_room,
                    to_room=new_room,
                    reason=request.reason,
                    from_room_type=old_type,
                    to_room_type=new_type,
                    nights=nights,
                    move_number=move_number,
                    reservation_id=reservation_ref(stay),
                    room_type=stay["room_type"],
                    arrival=stay["arrival"],
                    departure=stay["departure"],
                ),
                **origin(stay),
            ),
        ]
        moved = await self.repository.update_stay(
            stay_id,
            # the move number is the count of moves before it: one move at a time
            {"status": "in_house", "room_number": old_room, "moves": {"$size": move_number - 1}},
            {
                "$set": {
                    "room_number": new_room,
                    "occupied_room_type": new_type,
                    "assignment": {
                        "room_number": new_room,
                        "rule": choice.rule,
                        "explanation": choice.explanation,
                    },
                },
                "$push": {
                    "moves": {
                        "from_room": old_room,
                        "to_room": new_room,
                        "from_room_type": old_type,
                        "to_room_type": new_type,
                        "from_night": from_night.isoformat(),
                        "reason": request.reason,
                        "at": self.clock(),
                    },
                    **push_outbox(*events),
                },
            },
        )
        if moved is None:
            await self.repository.release_room_nights(stay_id, new_room, from_night)
            raise Conflict(f"stay {stay_id!r} changed meanwhile; try again")
        await self.repository.release_room_nights(stay_id, old_room, from_night)
        self.events_written()
        log.info("room moved", stay_id=stay_id, from_room=old_room, to_room=new_room)
        return moved

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
        revision = stay.get("departure_revision", 0) + 1
        # Reservation holds the extra nights, housekeeping plans service on them.
        event = StayExtended.new(
            StayExtendedPayload(
                stay_id=stay_id,
                reservation_id=reservation_ref(stay),
                guest_id=stay["guest_id"],
                room_number=stay["room_number"],
                room_type=stay["room_type"],
                arrival=stay["arrival"],
                old_departure=old_departure,
                departure=request.departure,
                revision=revision,
            ),
            **origin(stay),
        )
        extended = await self.repository.update_stay(
            stay_id,
            {
                "status": "in_house",
                "departure": stay["departure"],
                "departure_revision": stay.get("departure_revision"),
                "room_number": stay["room_number"],
            },
            {
                "$set": {
                    "departure": request.departure.isoformat(),
                    "departure_revision": revision,
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

    async def raise_request(
        self, stay_id: str, request: GuestRequestCreate, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        stay = await self._in_house(stay_id)
        request_id = keyed_id(f"request|{stay_id}", idempotency_key)
        event = GuestRequestRaised.new(
            GuestRequestRaisedPayload(
                request_id=request_id,
                stay_id=stay_id,
                room_number=stay["room_number"],
                kind=request.kind,
                details=request.details,
                taken_by=acting_person(request.taken_by),
                urgent=request.urgent,
                guest_id=stay["guest_id"],
            ),
            **origin(stay),
        )
        line = {
            "request_id": request_id,
            **request.model_dump(),
            "at": self.clock(),
            "room_number": stay["room_number"],
            "owner": request.taken_by,
            "status": "open",
        }
        return await self._add_once(
            stay_id, "requests", "request_id", line, event, {"status": "in_house"}
        )

    async def raise_complaint(
        self, stay_id: str, request: ComplaintCreate, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        stay = await self.get_stay(stay_id)
        complaint_id = keyed_id(f"complaint|{stay_id}", idempotency_key)
        event = ComplaintRaised.new(
            ComplaintRaisedPayload(
                complaint_id=complaint_id,
                guest_id=stay["guest_id"],
                stay_id=stay_id,
                room_number=stay["room_number"],
                category=request.category,
                severity=request.severity,
                description=request.description,
                taken_by=acting_person(request.taken_by),
                channel=request.channel,
            ),
            **origin(stay),
        )
        line = {
            "complaint_id": complaint_id,
            **request.model_dump(),
            "at": self.clock(),
            "owner": request.taken_by,
        }
        return await self._add_once(stay_id, "complaints", "complaint_id", line, event, {})

    async def _add_once(
        self,
        stay_id: str,
        field: str,
        key: str,
        line: dict[str, Any],
        event: Event[Any],
        guard: dict[str, Any],
    ) -> dict[str, Any]:
        """Appends the line and its event unless a line with its id is there already (a
        request repeated with the same Idempotency-Key)."""
        added = await self.repository.update_stay(
            stay_id,
            {**guard, f"{field}.{key}": {"$ne": line[key]}},
            {"$push": {field: line, **push_outbox(event)}},
        )
        if added is None:
            stay = await self.get_stay(stay_id)
            existing = next((item for item in stay.get(field, []) if item[key] == line[key]), None)
            if existing is None:
                raise Conflict(f"stay {stay_id!r} is checked out")
            return existing
        self.events_written()
        return line

    # --- lists -------------------------------------------------------------------------------

    async def get_stay(self, stay_id: str) -> dict[str, Any]:
        stay = await self.repository.stay(stay_id)
        if stay is None:
            raise NotFound(f"no stay {stay_id!r}")
        return stay

    async def registered_stay(self, stay_id: str) -> dict[str, Any]:
        stay = await self.get_stay(stay_id)
        if not stay.get("registration"):  # none taken, or anonymised after retention
            raise NotFound(f"stay {stay_id!r} has no registration")
        return stay

    def document_number(self, stay: dict[str, Any]) -> str | None:
        """The ID number in clear: only for an audited reveal."""
        sealed = stay["registration"].get("document_number_encrypted")
        return (
            self.cipher.decrypt(sealed, bound=document_number_binding(stay["_id"]))
            if sealed
            else None
        )

    async def arrivals_on(self, day: date) -> list[dict[str, Any]]:
        arrivals = await self.repository.arrivals_on(day)
        for arrival in arrivals:
            profile = await self.repository.guest(arrival["guest_id"])
            arrival["vip"] = bool((profile or {}).get("vip"))
            arrival["tier"] = (profile or {}).get("tier")
            # issue 18: members whose tier has the perk check in at the fast lane
            arrival["fast_lane"] = "fast_lane" in ((profile or {}).get("perks") or [])
        return arrivals

    async def in_house_on(self, day: date) -> list[dict[str, Any]]:
        staying = await self.repository.stays_where(
            {
                "status": "in_house",
                "arrival": {"$lte": day.isoformat()},
                "departure": {"$gt": day.isoformat()},
            }
        )
        if day > await self.today():
            return staying
        # a guest past the departure date who has not checked out is still in house
        overstaying = await self.repository.stays_where(
            {"status": "in_house", "departure": {"$lte": day.isoformat()}}
        )
        return staying + [{**stay, "overstay": True} for stay in overstaying]

    async def departures_on(self, day: date) -> list[dict[str, Any]]:
        stays = await self.repository.stays_where({"departure": day.isoformat()})
        early = await self.repository.stays_where(
            {"actual_departure": day.isoformat(), "departure": {"$ne": day.isoformat()}}
        )
        return stays + early

    async def notice_for_stay(self, stay: dict[str, Any]) -> AssignmentNotice:
        return await self._notice(
            stay.get("reservation_id"), stay.get("guest_name"), stay["room_number"], stay
        )

    # --- helpers -------------------------------------------------------------------------------

    async def _expected_arrival(self, reservation_id: str) -> dict[str, Any]:
        arrival = await self.repository.arrival(reservation_id)
        if arrival is None:
            raise NotFound(f"no arrival for reservation {reservation_id!r}")
        if arrival["status"] != "expected":
            raise Conflict(f"reservation {reservation_id!r} is {arrival['status']}")
        return arrival

    async def _in_house(self, stay_id: str) -> dict[str, Any]:
        stay = await self.get_stay(stay_id)
        if stay["status"] != StayStatus.IN_HOUSE:
            raise Conflict(f"stay {stay_id!r} is checked out")
        return stay


def keyed_id(scope: str, idempotency_key: str | None) -> str:
    """A new id, or the same id every time for the same Idempotency-Key in its scope."""
    if idempotency_key is None:
        return str(uuid.uuid4())
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"frontdesk|{scope}|{idempotency_key}"))


def room_share(nightly_rates: dict[str, str], room_count: int, room_index: int) -> dict[str, str]:
    """One room's part of a booking's nightly rates (which are for all its rooms): equal
    shares to the cent, the last room takes the remaining cents, so the rooms add up."""
    return {
        night: str(room_part(Decimal(rate), room_count, room_index))
        for night, rate in nightly_rates.items()
    }


def _nights(record: dict[str, Any]) -> int:
    return len(stay_nights(record))


def _recognition(
    profile: dict[str, Any] | None, registration: RegistrationCreate | None
) -> dict[str, Any]:
    if profile and not profile.get("erased"):
        return {
            "greeting": greeting(
                profile.get("first_name"),
                profile.get("last_name"),
                profile.get("tier"),
                bool(profile.get("vip")),
                bool(profile.get("returning")),
            ),
            "member_number": profile.get("member_number"),
            "tier": profile.get("tier"),
            "vip": bool(profile.get("vip")),
            "preferences": profile.get("preferences") or {},
            "last_feedback": profile.get("last_feedback"),
        }
    first, last = (
        (registration.first_name, registration.last_name) if registration else (None, None)
    )
    return {"greeting": greeting(first, last, None, False, False)}


def _is_duplicate(error: Exception) -> bool:
    return type(error).__name__ == "DuplicateKeyError"
