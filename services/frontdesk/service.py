"""Front desk use cases: allocate rooms, register and check guests in, keep the folio,
settle and check them out. Each use case loads, applies the pure rules (allocation.py,
identity.py, folio.py) and saves the state with its events in one document write."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from shared.crypto import PersonalDataCipher, mask
from shared.events import (ComplaintRaised, ComplaintRaisedPayload, Event, FolioChargePosted,
                           FolioChargePostedPayload, FolioClosed, FolioClosedPayload,
                           FolioPaymentPosted, FolioPaymentPostedPayload, GuestRequestRaised,
                           GuestRequestRaisedPayload, RoomAssigned, RoomAssignedPayload,
                           StayCheckedIn, StayCheckedInPayload, StayCheckedOut,
                           StayCheckedOutPayload, StayRoomMoved, StayRoomMovedPayload)
from shared.logging import current_correlation_id, get_logger
from shared.outbox import push_outbox, with_outbox
from shared.problems import Conflict, NotFound, Unprocessable
from shared.property_setup import PropertySetup

from . import allocation
from .allocation import Choice, Needs, Room, Rule, choose_room, needs_from_requests
from .domain import (CheckIn, CheckOut, ChargeCreate, ComplaintCreate, DepositCreate,
                     GuestRequestCreate, PaymentCreate, RegistrationCreate, RoomMove,
                     StayExtend, StayStatus, WalkIn, greeting, new_stay_id, nights_between)
from .folio import (ChargeCategory, PaymentKind, cents, invoice_number, late_checkout_fee,
                    room_charge_id, settle)
from .identity import DocumentRejected, check_document, normalise_document_number
from .repository import FrontDeskRepository

log = get_logger(__name__)
PRODUCER = "frontdesk"
Clock = Callable[[], datetime]
MAX_EARLY_NIGHTS = 2


class NoRoomFree(Conflict):
    title = "No room free"


class DocumentInvalid(Unprocessable):
    title = "Identity document refused"


class FrontDeskService:
    def __init__(self, repository: FrontDeskRepository, *, events_written: Callable[[], None],
                 setup: PropertySetup, cipher: PersonalDataCipher, clock: Clock | None = None,
                 timezone: str = "Asia/Shanghai", standard_checkout_hour: int = 12,
                 half_day_until_hour: int = 18) -> None:
        self.repository = repository
        self.events_written = events_written
        self.setup = setup
        self.cipher = cipher
        self.clock = clock or (lambda: datetime.now(UTC))
        self.tz = ZoneInfo(timezone)
        self.standard_checkout_hour = standard_checkout_hour
        self.half_day_until_hour = half_day_until_hour

    # --- time ----------------------------------------------------------------------

    def now_local(self) -> datetime:
        return self.clock().astimezone(self.tz)

    def today(self) -> date:
        return self.now_local().date()

    # --- allocation ------------------------------------------------------------------

    async def needs_for(self, room_type: str, nights: int, requests: list[str],
                        profile: dict[str, Any] | None) -> Needs:
        """The booking's requests, the desk's, and the preferences the guest is known for."""
        preferences = (profile or {}).get("preferences") or {}
        known = [f"{key}:{value}" if key in ("floor", "bed", "orientation") else value
                 for key, values in preferences.items() if key != "fixed_room"
                 for value in values]
        fixed = (preferences.get("fixed_room") or [None])[0]
        return needs_from_requests(room_type, nights, [*known, *requests],
                                   vip=bool((profile or {}).get("vip")), fixed_room=fixed)

    async def allocate(self, needs: Needs, nights: list[date], stay_id: str) -> Choice:
        """Chooses by the rules and claims every night of the room; a room another desk
        claimed meanwhile is set aside and the rules choose again."""
        rooms = [_room(doc) for doc in await self.repository.all_rooms()]
        taken = await self.repository.taken_rooms(nights, except_stay=stay_id)
        while True:
            choice = choose_room(needs, rooms, taken)
            if choice.room is None:
                raise NoRoomFree(choice.explanation, rule=choice.rule)
            if await self.repository.claim_room_nights(choice.room.number, nights, stay_id):
                return choice
            taken.add(choice.room.number)

    async def claim_chosen_room(self, room_number: str, nights: list[date],
                                stay_id: str) -> Choice:
        """A manual override: any ready room the desk names, if it is free."""
        doc = await self.repository.room(room_number)
        if doc is None:
            raise NotFound(f"room {room_number!r} is not a room of this property")
        room = _room(doc)
        if not room.ready:
            raise Conflict(f"room {room_number} is {room.status}: only clean or inspected "
                           "rooms are given to guests", rule=Rule.READY_ROOMS_ONLY)
        if not await self.repository.claim_room_nights(room_number, nights, stay_id):
            raise NoRoomFree(f"room {room_number} is taken on a night of the stay")
        return Choice(room, Rule.MANUAL_OVERRIDE, f"room {room_number} chosen by the desk "
                      "(manual_override)")

    async def pre_assign(self, day: date | None = None) -> list[dict[str, Any]]:
        """Rooms for the day's expected arrivals (tomorrow by default): VIPs and long
        stays first, so they get the better rooms."""
        day = day or self.today() + timedelta(days=1)
        waiting = [a for a in await self.repository.arrivals_on(day, status="expected")
                   if not a.get("assignment")]
        planned = []
        for arrival in waiting:
            profile = await self.repository.guest(arrival["guest_id"])
            needs = await self.needs_for(arrival["room_type"], _nights(arrival),
                                         arrival.get("special_requests", []), profile)
            planned.append((allocation.arrival_order(needs), arrival["_id"], arrival, needs))
        results = []
        for _, _, arrival, needs in sorted(planned, key=lambda item: item[:2]):
            try:
                results.append(await self._assign(arrival, needs, None))
            except NoRoomFree as refused:
                results.append({"reservation_id": arrival["_id"], "room_number": None,
                                "rule": refused.extensions.get("rule"),
                                "explanation": refused.detail})
        return results

    async def assign(self, reservation_id: str, room_number: str | None) -> dict[str, Any]:
        arrival = await self._expected_arrival(reservation_id)
        if arrival.get("assignment"):
            raise Conflict(f"reservation {reservation_id!r} already has room "
                           f"{arrival['assignment']['room_number']}")
        profile = await self.repository.guest(arrival["guest_id"])
        needs = await self.needs_for(arrival["room_type"], _nights(arrival),
                                     arrival.get("special_requests", []), profile)
        return await self._assign(arrival, needs, room_number)

    async def _assign(self, arrival: dict[str, Any], needs: Needs,
                      room_number: str | None) -> dict[str, Any]:
        stay_id = new_stay_id()  # the stay-to-be holds the room nights
        nights = _stay_nights(arrival)
        choice = (await self.claim_chosen_room(room_number, nights, stay_id) if room_number
                  else await self.allocate(needs, nights, stay_id))
        assignment = {"room_number": choice.room_number, "rule": choice.rule,
                      "explanation": choice.explanation, "stay_id": stay_id}
        event = RoomAssigned.new(RoomAssignedPayload(
            reservation_id=arrival["_id"], guest_id=arrival["guest_id"],
            room_number=choice.room_number, room_type=choice.room.room_type,
            arrival=arrival["arrival"], departure=arrival["departure"], rule=choice.rule,
            vip=needs.vip), **self._origin(arrival))
        if not await self.repository.set_assignment(arrival["_id"], assignment,
                                                    push_outbox(event)):
            await self.repository.release_room_nights(stay_id)
            raise Conflict(f"reservation {arrival['_id']!r} was assigned or changed meanwhile")
        self.events_written()
        log.info("room assigned", reservation_id=arrival["_id"], room_number=choice.room_number,
                 rule=choice.rule)
        return {"reservation_id": arrival["_id"], **assignment}

    async def assignment_notice(self, reservation_id: str) -> dict[str, Any]:
        arrival = await self.repository.arrival(reservation_id)
        if arrival is None:
            raise NotFound(f"no arrival for reservation {reservation_id!r}")
        if not arrival.get("assignment"):
            raise Conflict(f"reservation {reservation_id!r} has no room yet")
        return await self._notice(arrival["_id"], arrival.get("guest_name"),
                                  arrival["assignment"]["room_number"], arrival)

    async def _notice(self, reservation_id: str | None, guest_name: str | None,
                      room_number: str, dates: dict[str, Any]) -> dict[str, Any]:
        room = _room(await self.repository.room(room_number))
        type_name = self.setup.room_type(room.room_type).name
        text = (f"Dear {guest_name or 'guest'}, your {type_name} is room {room.number} on "
                f"floor {room.floor}: {room.bed} bed, {room.orientation} view, from "
                f"{dates['arrival']} to {dates['departure']}.")
        return {"reservation_id": reservation_id, "guest_name": guest_name,
                "room_type": room.room_type, "room_type_name": type_name,
                "room_number": room.number, "bed": room.bed, "floor": room.floor,
                "orientation": room.orientation, "arrival": dates["arrival"],
                "departure": dates["departure"], "text": text}

    # --- check-in --------------------------------------------------------------------

    async def check_in(self, request: CheckIn | str) -> dict[str, Any]:
        if isinstance(request, str):
            request = CheckIn(reservation_id=request)
        arrival = await self.repository.arrival(request.reservation_id)
        if arrival is None:
            raise NotFound(f"no arrival for reservation {request.reservation_id!r} "
                           "(not booked, or its booking has not reached the desk yet)")
        if await self.repository.stay_for_reservation(request.reservation_id):
            raise Conflict(f"reservation {request.reservation_id!r} is already checked in")
        if arrival["status"] != "expected":
            raise Conflict(f"reservation {request.reservation_id!r} is {arrival['status']}")
        departure = date.fromisoformat(arrival["departure"])
        if request.registration:
            self._check_registration(request.registration, departure)

        profile = await self.repository.guest(arrival["guest_id"])
        early = self._early_nights(arrival, request.early_check_in)
        if early:  # the nights before the booked arrival, at the rack rate, in the same room
            rate = str(self.setup.room_type(arrival["room_type"]).nightly_rate)
            arrival = {**arrival, "arrival": early[0].isoformat(), "nightly_rates": {
                **{night.isoformat(): rate for night in early}, **arrival["nightly_rates"]}}
        nights = _stay_nights(arrival)
        pre_assigned = arrival.get("assignment")
        stay_id = pre_assigned["stay_id"] if pre_assigned else new_stay_id()
        choice: Choice | None = None
        early_claimed: list[date] = []
        if pre_assigned and request.room_number in (None, pre_assigned["room_number"]):
            room = _room(await self.repository.room(pre_assigned["room_number"]))
            if room.ready:
                if early and not await self.repository.claim_room_nights(room.number, early,
                                                                         stay_id):
                    raise NoRoomFree(f"room {room.number} is taken before the arrival date; "
                                     "name another room for the early check-in")
                early_claimed = early
                assignment = {k: pre_assigned[k] for k in ("room_number", "rule", "explanation")}
            elif request.room_number:
                raise Conflict(f"room {room.number} is {room.status}: only clean or inspected "
                               "rooms are given to guests", rule=Rule.READY_ROOMS_ONLY)
        if request.room_number and (not pre_assigned
                                    or request.room_number != pre_assigned["room_number"]):
            choice = await self.claim_chosen_room(request.room_number, nights, stay_id)
        elif not pre_assigned or not room.ready:
            needs = await self.needs_for(arrival["room_type"], len(nights),
                                         [*arrival.get("special_requests", []), *request.requests],
                                         profile)
            choice = await self.allocate(needs, nights, stay_id)
        if choice is not None:
            assignment = {"room_number": choice.room_number, "rule": choice.rule,
                          "explanation": choice.explanation}

        stay = self._new_stay(stay_id, arrival, assignment, request.registration, profile,
                              request.agent)
        events: list[Event[Any]] = []
        if choice is not None:
            events.append(RoomAssigned.new(RoomAssignedPayload(
                reservation_id=arrival["_id"], guest_id=stay["guest_id"],
                room_number=stay["room_number"], room_type=stay["room_type"],
                arrival=stay["arrival"], departure=stay["departure"], rule=choice.rule,
                stay_id=stay_id, vip=stay["vip"]), **self._origin(stay)))
        events += self._check_in_events(stay, request.deposit)
        try:
            await self.repository.insert_stay(with_outbox(stay, *events))
        except Exception as error:
            if choice is not None:  # only what this call claimed: a winner may hold the rest
                await self.repository.release_room_nights(stay_id, choice.room_number)
            elif early_claimed:
                await self.repository.release_room_nights(stay_id, assignment["room_number"],
                                                          nights=early_claimed)
            if _is_duplicate(error):
                raise Conflict(f"reservation {request.reservation_id!r} is already checked in") \
                    from None
            raise
        if pre_assigned and choice is not None:  # the pre-assigned room was given up
            await self.repository.release_room_nights(stay_id, pre_assigned["room_number"])
        await self.repository.mark_arrival_checked_in(arrival["_id"], stay_id)
        self.events_written()
        log.info("guest checked in", stay_id=stay_id, room_number=stay["room_number"],
                 rule=assignment["rule"])
        return stay

    async def walk_in(self, request: WalkIn) -> dict[str, Any]:
        room_type = self.setup.room_type(request.room_type)
        if room_type is None:
            raise Unprocessable(f"{request.room_type!r} is not a room type of this property")
        today = self.today()
        if request.departure <= today:
            raise Unprocessable("the departure must be after today")
        if (request.departure - today).days > 90:
            raise Unprocessable("a walk-in stays at most 90 nights")
        self._check_registration(request.registration, request.departure)
        stay_id = new_stay_id()
        nights = nights_between(today, request.departure)
        arrival = {"guest_id": f"walkin-{uuid.uuid4()}", "guest_name": None,
                   "room_type": room_type.code, "arrival": today.isoformat(),
                   "departure": request.departure.isoformat(),
                   "nightly_rates": {n.isoformat(): str(room_type.nightly_rate) for n in nights},
                   "currency": self.setup.currency, "property_id": self.repository.property_id}
        if request.room_number:
            choice = await self.claim_chosen_room(request.room_number, nights, stay_id)
        else:
            requests = list(request.requests) + (["family"] if request.children else [])
            choice = await self.allocate(needs_from_requests(room_type.code, len(nights),
                                                             requests), nights, stay_id)
        assignment = {"room_number": choice.room_number, "rule": choice.rule,
                      "explanation": choice.explanation}
        stay = self._new_stay(stay_id, arrival, assignment, request.registration, None,
                              request.agent)
        stay["walk_in"] = True
        events: list[Event[Any]] = [RoomAssigned.new(RoomAssignedPayload(
            reservation_id=f"walk-in:{stay_id}", guest_id=stay["guest_id"],
            room_number=stay["room_number"], room_type=stay["room_type"],
            arrival=stay["arrival"], departure=stay["departure"], rule=choice.rule,
            stay_id=stay_id), **self._origin(stay))]
        events += self._check_in_events(stay, request.deposit)
        try:
            await self.repository.insert_stay(with_outbox(stay, *events))
        except Exception:
            await self.repository.release_room_nights(stay_id)
            raise
        self.events_written()
        log.info("walk-in checked in", stay_id=stay_id, room_number=stay["room_number"])
        return stay

    def _early_nights(self, arrival: dict[str, Any], early_check_in: bool) -> list[date]:
        if not early_check_in:
            return []
        booked = date.fromisoformat(arrival["arrival"])
        early = nights_between(self.today(), booked)
        if not early:
            raise Unprocessable("an early check-in is for a guest arriving before the "
                                f"booked arrival date ({booked.isoformat()})")
        if len(early) > MAX_EARLY_NIGHTS:
            raise Unprocessable(f"an early check-in adds at most {MAX_EARLY_NIGHTS} nights; "
                                "amend the reservation instead")
        return early

    def _check_registration(self, registration: RegistrationCreate, departure: date) -> None:
        document = registration.document
        try:
            check_document(document.type, normalise_document_number(document.number),
                           document.expires_on, today=self.today(), departure=departure)
        except DocumentRejected as rejected:
            raise DocumentInvalid(str(rejected)) from None

    def _new_stay(self, stay_id: str, arrival: dict[str, Any], assignment: dict[str, Any],
                  registration: RegistrationCreate | None, profile: dict[str, Any] | None,
                  agent: str | None) -> dict[str, Any]:
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
            "assignment": assignment,
            "registration": self._registration(stay_id, registration) if registration else None,
            "recognition": _recognition(profile, registration),
            "charges": [], "payments": [], "item_checks": [], "alerts": [], "requests": [],
            "complaints": [], "moves": [],
        }
        if arrival.get("_id"):
            stay["reservation_id"] = arrival["_id"]
        if registration and not stay["guest_name"]:
            stay["guest_name"] = f"{registration.first_name} {registration.last_name}"
        return stay

    def _registration(self, stay_id: str, registration: RegistrationCreate) -> dict[str, Any]:
        number = normalise_document_number(registration.document.number)
        return {
            "first_name": registration.first_name, "last_name": registration.last_name,
            "gender": registration.gender, "nationality": registration.nationality,
            "document_type": registration.document.type.value,
            # Encrypted under the stay's id: copied onto another record it does not decrypt.
            "document_number_encrypted": self.cipher.encrypt(number, context=stay_id),
            "document_number_masked": mask(number),
            "document_expires_on": (registration.document.expires_on.isoformat()
                                    if registration.document.expires_on else None),
            "email": registration.email, "phone": registration.phone,
        }

    def _check_in_events(self, stay: dict[str, Any],
                         deposit: DepositCreate | None) -> list[Event[Any]]:
        events: list[Event[Any]] = [StayCheckedIn.new(StayCheckedInPayload(
            stay_id=stay["_id"], reservation_id=stay.get("reservation_id") or f"walk-in:{stay['_id']}",
            guest_id=stay["guest_id"], room_number=stay["room_number"],
            room_type=stay["room_type"], arrival=stay["arrival"], departure=stay["departure"],
            vip=stay["vip"]), **self._origin(stay))]
        if deposit:
            payment = _payment_line(PaymentKind.DEPOSIT, deposit.amount, deposit.method,
                                    self._token(stay["_id"], deposit.token_reference), self.clock(),
                                    pre_authorisation=deposit.pre_authorisation)
            stay["payments"].append(payment)
            events.append(self._payment_event(stay, payment))
        return events

    # --- the folio -----------------------------------------------------------------------

    async def post_charge(self, stay_id: str, request: ChargeCreate) -> dict[str, Any]:
        charge_id = (f"{request.category}|{request.reference}" if request.reference
                     else f"{request.category}|{uuid.uuid4()}")
        charge = _charge_line(charge_id, ChargeCategory(request.category), request.amount,
                              request.description, self.clock())
        stay = await self._in_house(stay_id)
        posted = await self.repository.update_stay(
            stay_id, {"status": "in_house", "charges.charge_id": {"$ne": charge_id}},
            {"$push": {"charges": charge, **push_outbox(self._charge_event(stay, charge))}})
        if posted is None:
            again = await self._in_house(stay_id)
            existing = next((c for c in again["charges"] if c["charge_id"] == charge_id), None)
            if existing is None:
                raise Conflict(f"stay {stay_id!r} changed meanwhile; post again")
            return existing  # the same outlet ticket, posted before
        self.events_written()
        log.info("charge posted", stay_id=stay_id, category=request.category)
        return charge

    async def post_payment(self, stay_id: str, request: PaymentCreate) -> dict[str, Any]:
        stay = await self._in_house(stay_id)
        payment = _payment_line(request.kind, request.amount, request.method,
                                self._token(stay_id, request.token_reference), self.clock(),
                                reference=request.reference)
        posted = await self.repository.update_stay(
            stay_id, {"status": "in_house", "payments.payment_id": {"$ne": payment["payment_id"]}},
            {"$push": {"payments": payment, **push_outbox(self._payment_event(stay, payment))}})
        if posted is None:
            again = await self._in_house(stay_id)
            existing = next((p for p in again["payments"]
                             if p["payment_id"] == payment["payment_id"]), None)
            if existing is None:
                raise Conflict(f"stay {stay_id!r} changed meanwhile; post again")
            return existing
        self.events_written()
        log.info("payment posted", stay_id=stay_id, kind=request.kind)
        return payment

    async def folio(self, stay_id: str) -> dict[str, Any]:
        stay = await self.get_stay(stay_id)
        return {"stay_id": stay_id, "currency": stay["currency"], "status": stay["status"],
                "charges": stay["charges"],
                "payments": [_public_payment(p) for p in stay["payments"]],
                "totals": settle(stay["charges"], stay["payments"])}

    async def night_audit(self, night: date) -> int:
        """Posts the night's room charge to every stay in house that night, once."""
        posted = 0
        for stay in await self.repository.stays_where({
                "status": "in_house", "arrival": {"$lte": night.isoformat()},
                "departure": {"$gt": night.isoformat()}}):
            rate = stay["nightly_rates"].get(night.isoformat())
            if rate is None:
                continue
            charge = _charge_line(room_charge_id(night), ChargeCategory.ROOM, Decimal(rate),
                                  f"room {stay['room_number']}, night of {night.isoformat()}",
                                  self.clock())
            if await self.repository.update_stay(
                    stay["_id"], {"status": "in_house",
                                  "charges.charge_id": {"$ne": charge["charge_id"]}},
                    {"$push": {"charges": charge,
                               **push_outbox(self._charge_event(stay, charge))}}):
                posted += 1
        if posted:
            self.events_written()
        log.info("night audit", night=night.isoformat(), posted=posted)
        return posted

    async def post_item_check(self, check_id: str, stay_id: str, lines: list[tuple[
            ChargeCategory, Decimal, str]], cause: Event[Any]) -> bool:
        """Housekeeping's departure room check, onto the folio once per check."""
        stay = await self.repository.stay(stay_id)
        if stay is None:
            raise NotFound(f"no stay {stay_id!r} for room check {check_id}")
        charges = [_charge_line(f"check|{check_id}|{index}", category, amount, text, self.clock())
                   for index, (category, amount, text) in enumerate(lines)]
        if stay["status"] != "in_house":
            # The folio is closed: keep the report for a post-departure bill, charge nothing.
            await self.repository.update_stay(
                stay_id, {"late_item_checks.check_id": {"$ne": check_id}},
                {"$push": {"late_item_checks": {"check_id": check_id, "charges": charges}}})
            log.warning("room check arrived after check-out", stay_id=stay_id)
            return False
        events = [self._charge_event(stay, charge, **cause.caused()) for charge in charges]
        updated = await self.repository.update_stay(
            stay_id, {"status": "in_house", "item_checks": {"$ne": check_id}},
            {"$push": {"charges": {"$each": charges}, "item_checks": check_id,
                       **push_outbox(*events)}})
        if updated is not None and events:
            self.events_written()
        return updated is not None

    # --- check-out -----------------------------------------------------------------------

    async def check_out(self, stay_id: str, request: CheckOut | None = None) -> dict[str, Any]:
        request = request or CheckOut()
        for _ in range(5):  # a charge posted meanwhile: settle again with it
            stay = await self.repository.stay(stay_id)
            if stay is None:
                raise NotFound(f"no stay {stay_id!r}")
            if stay["status"] != StayStatus.IN_HOUSE:
                raise Conflict(f"stay {stay_id!r} is already checked out")
            checked_out = await self._settle_and_close(stay, request)
            if checked_out is not None:
                return checked_out
        raise Conflict(f"stay {stay_id!r} kept changing during check-out; try again")

    async def _settle_and_close(self, stay: dict[str, Any],
                                request: CheckOut) -> dict[str, Any] | None:
        now, today = self.clock(), self.today()
        arrival, departure = (date.fromisoformat(stay["arrival"]),
                              date.fromisoformat(stay["departure"]))
        nights = sorted(stay["nightly_rates"])
        early = arrival <= today < departure
        charged = [n for n in nights if n < today.isoformat()] or nights[:1] if early else nights
        posted_ids = {c["charge_id"] for c in stay["charges"]}
        new_charges = [_charge_line(room_charge_id(n), ChargeCategory.ROOM,
                                    Decimal(stay["nightly_rates"][n]),
                                    f"room {stay['room_number']}, night of {n}", now)
                       for n in charged if room_charge_id(n) not in posted_ids]
        fee = Decimal("0")
        if not request.waive_late_fee:
            fee = late_checkout_fee(self.now_local(), departure,
                                    Decimal(stay["nightly_rates"][nights[-1]]),
                                    standard_hour=self.standard_checkout_hour,
                                    half_day_until_hour=self.half_day_until_hour)
        if fee:
            new_charges.append(_charge_line("late_checkout", ChargeCategory.LATE_CHECKOUT, fee,
                                            "late check-out", now))
        charges = [*stay["charges"], *new_charges]
        totals = settle(charges, stay["payments"])
        payments = []
        if totals["balance"] < 0:
            deposit_method = next((p["method"] for p in stay["payments"]
                                   if p["kind"] == PaymentKind.DEPOSIT), "card")
            payments.append(_payment_line(PaymentKind.REFUND, -totals["balance"],
                                          deposit_method, None, now,
                                          reference=f"refund|{stay['_id']}"))
        number = invoice_number(stay["property_id"], today.year,
                                await self.repository.next_invoice_sequence(today.year))
        room_nights = len([c for c in charges if c["category"] == ChargeCategory.ROOM])
        settlement = {
            "stay_id": stay["_id"], "nights": room_nights, "currency": stay["currency"],
            **totals, "refund": cents(max(-totals["balance"], Decimal("0"))),
            "amount_due": cents(max(totals["balance"], Decimal("0"))),
            "late_checkout_fee": cents(fee),
            "invoice_number": number, "early_departure": early,
            "item_checks": stay["item_checks"], "lines": charges,
            "billed_to": stay.get("guest_name"),
        }
        actual_departure = today if early else departure
        events: list[Event[Any]] = [self._charge_event(stay, charge) for charge in new_charges]
        events += [self._payment_event(stay, payment) for payment in payments]
        events.append(FolioClosed.new(FolioClosedPayload(
            stay_id=stay["_id"], guest_id=stay["guest_id"], invoice_number=number,
            room_charges=totals["room_charges"], other_charges=totals["other_charges"],
            compensation=totals["compensation"], deposit=totals["deposit"],
            balance=totals["balance"], currency=stay["currency"]), **self._origin(stay)))
        events.append(StayCheckedOut.new(StayCheckedOutPayload(
            stay_id=stay["_id"], reservation_id=stay.get("reservation_id") or f"walk-in:{stay['_id']}",
            guest_id=stay["guest_id"], room_number=stay["room_number"],
            room_type=stay["room_type"], arrival=arrival, departure=actual_departure,
            nights=room_nights, room_revenue=totals["room_charges"],
            total_spend=totals["room_charges"] + totals["other_charges"] + totals["compensation"],
            other_charges=totals["other_charges"] + totals["compensation"],
            currency=stay["currency"], early_departure=early), **self._origin(stay)))
        checked_out = await self.repository.update_stay(
            stay["_id"], {"status": "in_house", "charges": {"$size": len(stay["charges"])},
                          "payments": {"$size": len(stay["payments"])}},
            {"$set": {"status": StayStatus.CHECKED_OUT.value, "checked_out_at": now,
                      "actual_departure": actual_departure.isoformat(),
                      "settlement": _storable(settlement)},
             "$push": {"charges": {"$each": new_charges}, "payments": {"$each": payments},
                       **push_outbox(*events)}})
        if checked_out is None:
            return None
        if early:
            released = await self.repository.release_room_nights(stay["_id"], from_night=today)
            log.info("early departure: room nights released", stay_id=stay["_id"],
                     released=released)
        self.events_written()
        log.info("guest checked out", stay_id=stay["_id"], balance=str(totals["balance"]),
                 invoice_number=number)
        return checked_out

    # --- during the stay: moves, extensions, requests, complaints ----------------------------

    async def move_room(self, stay_id: str, request: RoomMove) -> dict[str, Any]:
        stay = await self._in_house(stay_id)
        old_room = stay["room_number"]
        from_night = max(self.today(), date.fromisoformat(stay["arrival"]))
        nights = [n for n in _stay_nights(stay) if n >= from_night]
        if not nights:
            raise Conflict(f"stay {stay_id!r} has no night left to move")
        if request.to_room == old_room:
            raise Conflict(f"the guest is already in room {old_room}")
        if request.to_room:
            choice = await self.claim_chosen_room(request.to_room, nights, stay_id)
        else:
            profile = await self.repository.guest(stay["guest_id"])
            needs = await self.needs_for(stay["room_type"], len(nights), [], profile)
            rooms = [_room(doc) for doc in await self.repository.all_rooms()]
            taken = await self.repository.taken_rooms(nights, except_stay=stay_id) | {old_room}
            while True:
                choice = choose_room(needs, rooms, taken)
                if choice.room is None:
                    raise NoRoomFree(choice.explanation, rule=choice.rule)
                if await self.repository.claim_room_nights(choice.room.number, nights, stay_id):
                    break
                taken.add(choice.room.number)
        new_room = choice.room_number
        events = [
            RoomAssigned.new(RoomAssignedPayload(
                reservation_id=stay.get("reservation_id") or f"walk-in:{stay_id}",
                guest_id=stay["guest_id"], room_number=new_room, room_type=choice.room.room_type,
                arrival=stay["arrival"], departure=stay["departure"], rule=choice.rule,
                stay_id=stay_id, vip=stay["vip"]), **self._origin(stay)),
            StayRoomMoved.new(StayRoomMovedPayload(
                stay_id=stay_id, guest_id=stay["guest_id"], from_room=old_room, to_room=new_room,
                reason=request.reason), **self._origin(stay)),
        ]
        moved = await self.repository.update_stay(
            stay_id, {"status": "in_house", "room_number": old_room},
            {"$set": {"room_number": new_room, "assignment": {
                "room_number": new_room, "rule": choice.rule, "explanation": choice.explanation}},
             "$push": {"moves": {"from_room": old_room, "to_room": new_room,
                                 "from_night": from_night.isoformat(), "reason": request.reason,
                                 "at": self.clock()}, **push_outbox(*events)}})
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
        if not await self.repository.claim_room_nights(stay["room_number"], extra, stay_id):
            raise NoRoomFree(f"room {stay['room_number']} is taken during the extension; "
                             "move the guest or shorten it")
        rate = str(self.setup.room_type(stay["room_type"]).nightly_rate)
        rates = {n.isoformat(): rate for n in extra}
        extended = await self.repository.update_stay(
            stay_id, {"status": "in_house", "departure": stay["departure"],
                      "room_number": stay["room_number"]},
            {"$set": {"departure": request.departure.isoformat(),
                      **{f"nightly_rates.{night}": value for night, value in rates.items()}}})
        if extended is None:
            await self.repository.release_room_nights(stay_id, stay["room_number"], old_departure)
            raise Conflict(f"stay {stay_id!r} changed meanwhile; try again")
        log.info("stay extended", stay_id=stay_id, nights=len(extra))
        return extended

    async def raise_request(self, stay_id: str, request: GuestRequestCreate) -> dict[str, Any]:
        stay = await self._in_house(stay_id)
        request_id = str(uuid.uuid4())
        event = GuestRequestRaised.new(GuestRequestRaisedPayload(
            request_id=request_id, stay_id=stay_id, room_number=stay["room_number"],
            kind=request.kind, details=request.details, taken_by=request.taken_by,
            urgent=request.urgent), **self._origin(stay))
        line = {"request_id": request_id, **request.model_dump(), "at": self.clock(),
                "room_number": stay["room_number"]}
        if await self.repository.update_stay(stay_id, {"status": "in_house"},
                                             {"$push": {"requests": line,
                                                        **push_outbox(event)}}) is None:
            raise Conflict(f"stay {stay_id!r} checked out meanwhile")
        self.events_written()
        return line

    async def raise_complaint(self, stay_id: str, request: ComplaintCreate) -> dict[str, Any]:
        stay = await self.get_stay(stay_id)
        complaint_id = str(uuid.uuid4())
        event = ComplaintRaised.new(ComplaintRaisedPayload(
            complaint_id=complaint_id, guest_id=stay["guest_id"], stay_id=stay_id,
            room_number=stay["room_number"], category=request.category,
            severity=request.severity, description=request.description,
            taken_by=request.taken_by, channel=request.channel), **self._origin(stay))
        line = {"complaint_id": complaint_id, **request.model_dump(), "at": self.clock(),
                "owner": request.taken_by}
        await self.repository.update_stay(stay_id, {}, {"$push": {"complaints": line,
                                                                 **push_outbox(event)}})
        self.events_written()
        return line

    # --- lists -------------------------------------------------------------------------------

    async def get_stay(self, stay_id: str) -> dict[str, Any]:
        stay = await self.repository.stay(stay_id)
        if stay is None:
            raise NotFound(f"no stay {stay_id!r}")
        return stay

    async def arrivals_on(self, day: date) -> list[dict[str, Any]]:
        arrivals = await self.repository.arrivals_on(day)
        for arrival in arrivals:
            profile = await self.repository.guest(arrival["guest_id"])
            arrival["vip"] = bool((profile or {}).get("vip"))
            arrival["tier"] = (profile or {}).get("tier")
        return arrivals

    async def in_house_on(self, day: date) -> list[dict[str, Any]]:
        return await self.repository.stays_where({
            "status": "in_house", "arrival": {"$lte": day.isoformat()},
            "departure": {"$gt": day.isoformat()}})

    async def departures_on(self, day: date) -> list[dict[str, Any]]:
        stays = await self.repository.stays_where({"departure": day.isoformat()})
        early = await self.repository.stays_where({"actual_departure": day.isoformat(),
                                                   "departure": {"$ne": day.isoformat()}})
        return stays + early

    async def notice_for_stay(self, stay: dict[str, Any]) -> dict[str, Any]:
        return await self._notice(stay.get("reservation_id"), stay.get("guest_name"),
                                  stay["room_number"], stay)

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
            raise Conflict(f"stay {stay_id!r} is checked out; its folio is closed")
        return stay

    def _charge_event(self, stay: dict[str, Any], charge: dict[str, Any],
                      **caused: Any) -> Event[Any]:
        origin = {**self._origin(stay), **caused}
        return FolioChargePosted.new(FolioChargePostedPayload(
            stay_id=stay["_id"], guest_id=stay["guest_id"], charge_id=charge["charge_id"],
            category=charge["category"], amount=Decimal(charge["amount"]),
            description=charge["description"], currency=stay["currency"]), **origin)

    def _token(self, stay_id: str, token_reference: str | None) -> dict[str, Any] | None:
        """The payment provider's token reference, encrypted like an ID number: it lets
        whoever holds it capture the pre-authorisation."""
        if not token_reference:
            return None
        return {"encrypted": self.cipher.encrypt(token_reference, context=stay_id),
                "masked": mask(token_reference)}

    def _payment_event(self, stay: dict[str, Any], payment: dict[str, Any]) -> Event[Any]:
        # The method's kind only: the token reference stays on the folio.
        return FolioPaymentPosted.new(FolioPaymentPostedPayload(
            stay_id=stay["_id"], guest_id=stay["guest_id"], payment_id=payment["payment_id"],
            kind=payment["kind"], amount=Decimal(payment["amount"]), method=payment["method"],
            currency=stay["currency"]), **self._origin(stay))

    @staticmethod
    def _origin(record: dict[str, Any]) -> dict[str, Any]:
        return {"producer": PRODUCER, "property_id": record["property_id"],
                "correlation_id": current_correlation_id()}


def _room(doc: dict[str, Any] | None) -> Room:
    if doc is None:
        raise NotFound("unknown room")
    return Room(number=doc["number"], room_type=doc["room_type"], floor=doc["floor"],
                bed=doc["bed"], features=frozenset(doc.get("features", ())),
                status=doc.get("status", "vacant_inspected"))


def _stay_nights(record: dict[str, Any]) -> list[date]:
    return nights_between(date.fromisoformat(record["arrival"]),
                          date.fromisoformat(record["departure"]))


def _nights(record: dict[str, Any]) -> int:
    return len(_stay_nights(record))


def _charge_line(charge_id: str, category: ChargeCategory, amount: Decimal, description: str,
                 at: datetime) -> dict[str, Any]:
    return {"charge_id": charge_id, "category": category.value, "amount": str(cents(amount)),
            "description": description, "posted_at": at}


def _payment_line(kind: PaymentKind, amount: Decimal, method: str, token: dict[str, Any] | None,
                  at: datetime, *, reference: str | None = None,
                  pre_authorisation: bool = False) -> dict[str, Any]:
    return {"payment_id": f"{kind.value}|{reference}" if reference else str(uuid.uuid4()),
            "kind": kind.value, "amount": str(cents(amount)), "method": method,
            "token": token, "pre_authorisation": pre_authorisation, "posted_at": at}


def _public_payment(payment: dict[str, Any]) -> dict[str, Any]:
    token = payment.get("token") or {}
    return {key: value for key, value in payment.items() if key != "token"} | {
        "token_reference": token.get("masked")}


def _recognition(profile: dict[str, Any] | None,
                 registration: RegistrationCreate | None) -> dict[str, Any]:
    if profile and not profile.get("erased"):
        return {"greeting": greeting(profile.get("first_name"), profile.get("last_name"),
                                     profile.get("tier"), bool(profile.get("vip")), True),
                "member_number": profile.get("member_number"), "tier": profile.get("tier"),
                "vip": bool(profile.get("vip")), "preferences": profile.get("preferences") or {}}
    first, last = ((registration.first_name, registration.last_name) if registration
                   else (None, None))
    return {"greeting": greeting(first, last, None, False, False)}


def _is_duplicate(error: Exception) -> bool:
    return type(error).__name__ == "DuplicateKeyError"


def _storable(values: dict[str, Any]) -> dict[str, Any]:
    """Money as strings: exact in both stores, no float ever."""
    return {key: str(value) if isinstance(value, Decimal) else value for key, value in values.items()}
