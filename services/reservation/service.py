"""Reservation use cases: load, apply the rule, save the state and its events together.

Inventory and the reservation are separate documents, so every use case orders its
writes such that a crash at any point leaves something `repair` can put right: nights
are only ever taken for a recorded reservation (pending first), an amendment takes the
new nights before it gives back the old ones, and a cancelled reservation is marked
`inventory_settled: false` until its nights are back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from datetime import UTC, date, timedelta
from decimal import Decimal
from typing import Any

from shared.clock import Clock
from shared.crashpoints import crash_point
from shared.crypto import Binding, PersonalDataCipher, mask
from shared.errors import Conflict, NotFound, Unprocessable
from shared.events import (
    AvailabilityChanged,
    AvailabilityChangedPayload,
    Event,
    FieldChange,
    GuestAnonymized,
    GuestContactCaptured,
    GuestContactPayload,
    GuestMerged,
    ReservationAmended,
    ReservationAmendedPayload,
    ReservationCancelled,
    ReservationCancelledPayload,
    ReservationCreated,
    ReservationCreatedPayload,
    ReservationNoShow,
    ReservationNoShowPayload,
)
from shared.logging import current_correlation_id, get_logger
from shared.outbox import outbox_entry
from shared.process_lease import ProcessLease
from shared.reencryption import SealedField

from .domain import (
    HoldKey,
    ReservationCreate,
    ReservationStatus,
    ReservationUpdate,
    block_holder,
    changes_between,
    expected_holds,
    hold_moves,
    holds_of,
    new_confirmation_number,
    new_reservation_id,
    nights_of,
    request_fingerprint,
    reservation_holder,
    total_of,
)
from .members import verified_member
from .policies import (
    DEFAULT_RATE_PLAN,
    amendment_fee,
    block_rates,
    cancellation_deadline,
    cancellation_terms,
    deposit_due,
    local_date,
    member_percent,
    no_show_may_be_marked,
    no_show_terms,
    price_stay,
    terms_of,
)
from .redeemed_nights import dropped_redemptions, withdrawal_events, withdrawal_update
from .repository import ReservationRepository

log = get_logger(__name__)
PRODUCER = "reservation"
# Extra outbox entries (an integrator's report) to write with the reservation's change.
AlsoPublish = Callable[[dict[str, Any]], list[dict[str, Any]]]
AMENDABLE = [
    "room_type",
    "arrival",
    "departure",
    "adults",
    "children",
    "room_count",
    "nightly_rates",
    "total_amount",
    "guest",
    "additional_guests",
    "special_requests",
    "expected_arrival_time",
    "expected_departure_time",
]
# A tentative booking is reconfirmed within this long, and before free cancellation ends.
RECONFIRM_WITHIN = timedelta(hours=48)


class NoAvailability(Conflict):
    title = "No availability"


class StillInFlight(Conflict):
    """The same request (key or channel reference) is being booked right now."""

    title = "Request in progress"


def outbox_push(entries: Iterable[dict[str, Any]]) -> dict[str, Any]:
    return {"outbox": {"$each": list(entries)}}


class ReservationService:
    def __init__(
        self,
        repository: ReservationRepository,
        *,
        currency: str,
        max_nights: int,
        events_written: Callable[[], None],
        clock: Clock,
        cipher: PersonalDataCipher,
        in_flight_wait_seconds: float = 10.0,
        lease: ProcessLease | None = None,
    ) -> None:
        self.repository = repository
        # Names this process as the owner of half-done writes (shared/process_lease.py).
        self.lease = lease
        self.inventory = repository.inventory
        self.currency = currency
        self.max_nights = max_nights
        self.events_written = events_written
        self.clock = clock
        self.cipher = cipher
        self.in_flight_wait_seconds = in_flight_wait_seconds

    @property
    def property_id(self) -> str:
        return self.repository.property_id

    @property
    def owner(self) -> str | None:
        return self.lease.owner if self.lease else None

    async def owner_died(self, owner: str | None) -> bool:
        return self.lease is not None and await self.lease.lapsed(owner)

    # --- create -----------------------------------------------------------------------

    async def create_reservation(
        self,
        request: ReservationCreate,
        *,
        idempotency_key: str | None = None,
        channel_name: str | None = None,
        also_publish: AlsoPublish | None = None,
    ) -> tuple[dict[str, Any], bool]:
        """Books every night or none. Returns (reservation, created): a repeated
        Idempotency-Key or channel reference returns the first booking, created=False."""
        room_type, plan, block = await self._check_new_booking(request)
        guest_id = await self.repository.guest_id_for(
            request.guest.email, request.guest.first_name, request.guest.last_name
        )
        member = (
            await verified_member(self.repository, request.member_number, guest_id)
            if request.member_number and not block  # a block's contracted rate stands
            else None
        )
        document = self._new_document(request, room_type, plan, block, channel_name, member)
        document["guest_id"] = guest_id
        document["owner"] = self.owner
        if idempotency_key:
            document["idempotency_key"] = f"{self.property_id}|{idempotency_key}"
            document["request_fingerprint"] = request_fingerprint(request.model_dump(mode="json"))
        # Pending first: the nights taken below always belong to a recorded reservation.
        while not await self.repository.insert_pending(document):
            existing = await self._the_earlier_booking(document)
            if existing is not None:
                return existing, False
            # The earlier attempt failed and left, or the confirmation number was taken.
            document["confirmation_number"] = new_confirmation_number()
        holder = reservation_holder(document["_id"])
        holds = holds_of(request.room_type, request.arrival, request.departure, request.room_count)
        try:
            await self._take_every_night(holder, room_type, holds, block)
        except BaseException:
            await self._give_back(holder, holds, block)
            await self.repository.discard_pending(document["_id"])
            raise
        crash_point("reservation.create.after_nights_taken")
        entries = [*self._created_events(document), *await self.availability_entries(holds.keys())]
        if also_publish:
            entries += also_publish({**document, "status": ReservationStatus.CONFIRMED.value})
        confirmed = await self.repository.update_reservation(
            {"_id": document["_id"], "status": ReservationStatus.PENDING},
            {
                "$set": {"status": ReservationStatus.CONFIRMED, "updated_at": self.clock()},
                "$push": outbox_push(entries),
            },
        )
        if confirmed is None:
            # The janitor judged it abandoned and discarded it: it gave back the nights it
            # found, but nights taken after it looked would be held by no reservation.
            await self._give_back(holder, holds, block)
            raise Conflict("the booking took too long and was abandoned; try again")
        self.events_written()
        log.info(
            "reservation confirmed",
            reservation_id=document["_id"],
            room_type=request.room_type,
            nights=len(holds),
            channel=request.channel.value,
        )
        return confirmed, True

    async def _check_new_booking(self, request: ReservationCreate):
        room_type = await self._room_type(request.room_type)
        self._check_stay(request.arrival, request.departure, arrival_changed=True)
        self._check_occupancy(room_type, request.adults + request.children, request.room_count)
        block = None
        if request.block_id:
            block = await self.repository.block(request.block_id)
            if block is None or block["status"] != "open":
                raise Unprocessable(f"no open block {request.block_id!r}")
            if block["room_type"] != request.room_type:
                raise Unprocessable(f"block {block['name']!r} holds {block['room_type']} rooms")
            if not (
                block["start"] <= request.arrival.isoformat()
                and request.departure.isoformat() <= block["end"]
            ):
                raise Unprocessable(
                    f"block {block['name']!r} covers {block['start']} to {block['end']}"
                )
        plan_code = (block or {}).get("rate_plan") or request.rate_plan or DEFAULT_RATE_PLAN
        plan = await self.repository.rate_plan(plan_code)
        if plan is None:
            raise Unprocessable(f"unknown rate plan {plan_code!r}")
        if plan.get("room_types") and request.room_type not in plan["room_types"]:
            raise Unprocessable(f"rate plan {plan_code!r} is not sold for {request.room_type}")
        return room_type, plan, block

    def _new_document(
        self,
        request: ReservationCreate,
        room_type: dict[str, Any],
        plan: dict[str, Any],
        block: dict[str, Any] | None,
        channel_name: str | None,
        member: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        if block:
            rates = block_rates(
                Decimal(block["nightly_rate"]),
                request.arrival,
                request.departure,
                request.room_count,
            )
        else:
            rates = price_stay(
                plan,
                room_type,
                request.arrival,
                request.departure,
                request.room_count,
                member=member is not None,
            )
        deposit = deposit_due(plan, rates)
        if deposit and not (request.payment and request.payment.token):
            raise Unprocessable(
                f"rate plan {plan['code']!r} needs a deposit of {deposit}: "
                "give a payment method with its token as a guarantee"
            )
        reservation_id = new_reservation_id()
        now = self.clock()
        document: dict[str, Any] = {
            "_id": reservation_id,
            "property_id": self.property_id,
            "confirmation_number": new_confirmation_number(),
            "status": ReservationStatus.PENDING.value,
            "guest_id": None,
            "guest": request.guest.model_dump(),
            "booker": request.booker.model_dump() if request.booker else None,
            "additional_guests": [g.model_dump() for g in request.additional_guests],
            "room_type": request.room_type,
            "arrival": request.arrival.isoformat(),
            "departure": request.departure.isoformat(),
            "adults": request.adults,
            "children": request.children,
            "room_count": request.room_count,
            "rate_plan": plan["code"],
            "terms": terms_of(plan),
            "channel": request.channel.value,
            "channel_name": channel_name or request.channel.value,
            "source_reference": request.source_reference,
            "block_id": request.block_id,
            "payment": self._payment(request, reservation_id),
            "special_requests": [r.model_dump(mode="json") for r in request.special_requests],
            "nightly_rates": {night: str(rate) for night, rate in rates.items()},
            "total_amount": str(total_of(rates)),
            "currency": self.currency,
            "deposit_due": str(deposit),
            "deposit_paid": str(deposit),  # charged to the guarantee's token
            "cancellation_deadline": cancellation_deadline(plan, request.arrival).isoformat(),
            "created_at": now,
            "updated_at": now,
            "version": 1,
            "amendment": None,
            "outbox": [],
            # issue 18: the guest's expected times, a tentative status, the letters due
            "expected_arrival_time": _time_text(request.expected_arrival_time),
            "expected_departure_time": _time_text(request.expected_departure_time),
            "tentative": request.tentative,
            "reconfirm_by": (
                min(now + RECONFIRM_WITHIN, cancellation_deadline(plan, request.arrival))
                if request.tentative
                else None
            ),
            # the confirmation letter, recorded by services/reservation/letters.py once the
            # booking is confirmed: written with the booking, so no crash loses it
            "letters_due": ["confirmation"],
            # issue 18: priced at the member rate for this verified member (members.py)
            "member_rate": {**member, "percent": str(member_percent(plan))} if member else None,
        }
        if request.source_reference:
            document["channel_reference"] = (
                f"{self.property_id}|{document['channel_name']}|{request.source_reference}"
            )
        return document

    def _payment(self, request: ReservationCreate, reservation_id: str) -> dict[str, Any] | None:
        if request.payment is None:
            return None
        token = request.payment.token
        return {
            "method": request.payment.method.value,
            "token_encrypted": self.cipher.encrypt(
                token, bound=payment_token_binding(reservation_id)
            )
            if token
            else None,
            "token_masked": mask(token) if token else None,
        }

    async def _the_earlier_booking(self, document: dict[str, Any]) -> dict[str, Any] | None:
        """The booking that already holds this request's key or channel reference, once
        it is settled; None when it vanished (it failed: this request may try again)."""
        deadline = asyncio.get_running_loop().time() + self.in_flight_wait_seconds
        while True:
            existing = None
            for field in ("idempotency_key", "channel_reference"):
                if document.get(field):
                    existing = existing or await self.repository.by_field(field, document[field])
            if existing is None:
                return None
            if document.get("idempotency_key") and existing.get(
                "request_fingerprint"
            ) != document.get("request_fingerprint"):
                raise Unprocessable("this Idempotency-Key was used for a different request")
            if existing["status"] != ReservationStatus.PENDING:
                return existing
            if await self.owner_died(existing.get("owner")):
                # Its process crashed mid-booking: put it right now, then book afresh.
                await self.repair(existing)
                return None
            if asyncio.get_running_loop().time() > deadline:
                raise StillInFlight("the same request is still being booked; retry shortly")
            await asyncio.sleep(0.05)

    async def _take_every_night(
        self,
        holder: str,
        room_type: dict[str, Any],
        holds: dict[HoldKey, int],
        block: dict[str, Any] | None,
    ) -> None:
        for key, rooms in sorted(holds.items()):
            if block:
                taken = await self.inventory.pick_from_block(
                    key, block_holder(block["_id"]), holder, rooms
                )
                where = f"block {block['name']!r}"
            else:
                taken = await self.inventory.resize(key, holder, 0, rooms, capacity_of(room_type))
                where = room_type["name"]
            if not taken:
                raise NoAvailability(f"no {where} left on {key[1]}", night=key[1], room_type=key[0])

    async def _give_back(
        self, holder: str, holds: Iterable[HoldKey], block: dict[str, Any] | None
    ) -> None:
        """Returns a reservation's nights: to its block while the block holds them, else
        to general inventory. Safe to repeat."""
        for key in holds:
            if block and await self.inventory.return_to_block(
                key, block_holder(block["_id"]), holder
            ):
                continue
            await self.inventory.release(key, holder)

    # --- amend, cancel, no-show ---------------------------------------------------------

    async def amend_reservation(
        self,
        reservation_id: str,
        update: ReservationUpdate,
        *,
        also_publish: AlsoPublish | None = None,
        reason: str | None = None,
    ) -> dict[str, Any]:
        """`reason`: why it changed, kept in the booking's amendment log and sent with
        reservation.amended; the routes and the channel commands always give one."""
        current = await self._confirmed(reservation_id)
        given = update.model_dump(exclude_unset=True, mode="json")
        if (
            current.get("block_id")
            and {"arrival", "departure", "room_type", "room_count"} & given.keys()
        ):
            raise Conflict(
                "a block pick-up changes dates or rooms through the group desk: "
                "cancel it and pick up again"
            )
        new = {**current, **given}
        arrival, departure = (
            date.fromisoformat(new["arrival"]),
            date.fromisoformat(new["departure"]),
        )
        room_type = await self._room_type(new["room_type"])
        self._check_stay(arrival, departure, arrival_changed=new["arrival"] != current["arrival"])
        self._check_occupancy(
            room_type, new["adults"] + new["children"], new["room_count"], adults=new["adults"]
        )
        stay_changed = any(
            new[f] != current[f] for f in ("room_type", "arrival", "departure", "room_count")
        )
        if stay_changed:
            plan = await self.repository.rate_plan(current["rate_plan"])
            assert plan is not None  # the booking was priced by it; plans are never deleted
            rates = price_stay(
                plan,
                room_type,
                arrival,
                departure,
                new["room_count"],
                member=bool(current.get("member_rate")),  # booked at the member rate: kept
            )
            new["nightly_rates"] = {night: str(rate) for night, rate in rates.items()}
            new["total_amount"] = str(total_of(rates))
            new["cancellation_deadline"] = cancellation_deadline(
                {"cancellation": current["terms"]["cancellation"]}, arrival
            ).isoformat()
            # the rate plan's terms follow the booking through its amendments
            fee = amendment_fee(current, new["nightly_rates"], self.clock())
            new["amendment_fees"] = str(Decimal(current.get("amendment_fees", "0")) + fee)
            self._deposit_for(current, new)
        changes = changes_between(current, new, AMENDABLE)
        if not changes:
            return current
        # the desk drops a room it assigned ahead of arrival when it hears of any
        # amendment: the booking holds its (new) booked type again (assignments.py)
        new["assigned_room"] = None
        growths, shrinks = hold_moves(expected_holds(current), expected_holds(new))
        capacities = {
            code: capacity_of(await self._room_type(code))
            for code in {key[0] for key, _, _ in growths + shrinks}
        }
        version = current["version"]
        if growths or shrinks:
            await self._claim_and_grow(current, growths, capacities)
        crash_point("reservation.amend.after_holds_grown")
        touched = [key for key, _, _ in growths + shrinks]
        amended = self._amended_event(new, changes, reason)
        entries = [outbox_entry(amended)]
        # points redeemed for a night the amendment drops come back (redeemed_nights.py)
        kept, dropped = dropped_redemptions(current, new["nightly_rates"])
        withdrawn_set, withdrawn_push = (
            withdrawal_update(kept, dropped, self.clock()) if dropped else ({}, {})
        )
        entries += [
            outbox_entry(e) for e in withdrawal_events(current, dropped, self.event_origin())
        ]
        if also_publish:
            entries += also_publish(new)
        if not shrinks:
            entries += await self.availability_entries(touched)
        saved = await self.repository.update_reservation(
            {"_id": reservation_id, "version": version},
            {
                "$set": {
                    **{f: new[f] for f in AMENDABLE},
                    "cancellation_deadline": new["cancellation_deadline"],
                    "amendment_fees": new.get("amendment_fees", "0"),
                    "deposit_due": new.get("deposit_due", "0"),
                    "deposit_paid": new.get("deposit_paid", "0"),
                    "deposit_collections": new.get("deposit_collections", []),
                    "version": version + 1,
                    "amendment": None,
                    "assigned_room": None,
                    "amended_at": amended.occurred_at.astimezone(UTC).isoformat(),
                    "updated_at": self.clock(),
                    "inventory_settled": not shrinks,
                    "settled_by": self.owner,
                    **withdrawn_set,
                },
                "$push": {
                    **outbox_push(entries),
                    **withdrawn_push,
                    "amendments": {
                        "at": self.clock(),
                        "reason": reason,
                        "fields": [c["field"] for c in changes],
                    },
                },
            },
        )
        if saved is None:
            raise Conflict("the reservation changed meanwhile; load it and try again")
        crash_point("reservation.amend.after_saved")
        if shrinks:  # then give back the old nights
            saved = await self._settle_inventory(saved)
        self.events_written()
        log.info(
            "reservation amended",
            reservation_id=reservation_id,
            fields=[c["field"] for c in changes],
        )
        return saved

    def _deposit_for(self, current: dict[str, Any], new: dict[str, Any]) -> None:
        """The deposit (or prepayment) the amended stay needs under the terms the guest
        booked on; what it needs beyond what was paid is charged to the booking's
        guarantee, as the first deposit was, and travels with the booking to the folio.
        A smaller need gives nothing back here: the folio credits what was paid."""
        due = deposit_due(current["terms"], new["nightly_rates"])
        paid = Decimal(current.get("deposit_paid", "0"))
        new["deposit_due"] = str(due)
        if due <= paid:
            return
        if not (current.get("payment") or {}).get("token_encrypted"):
            raise Conflict(
                f"the amended stay needs a deposit of {due} under the booking's terms and "
                "the booking has no payment guarantee to charge it to",
                deposit_due=str(due),
            )
        new["deposit_paid"] = str(due)
        new["deposit_collections"] = [
            *current.get("deposit_collections", []),
            {"amount": str(due - paid), "reason": "amendment", "at": self.clock().isoformat()},
        ]

    async def _claim_and_grow(
        self,
        current: dict[str, Any],
        growths: list[tuple[HoldKey, int, int]],
        capacities: dict[str, int],
    ) -> None:
        """Claims the reservation for an amendment (so a crash is found and undone by the
        janitor), then takes the nights it gains, all or none."""
        reservation_id, version = current["_id"], current["version"]
        claimed = await self.repository.update_reservation(
            {
                "_id": reservation_id,
                "version": version,
                "status": ReservationStatus.CONFIRMED,
                "amendment": None,
            },
            {"$set": {"amendment": {"started_at": self.clock(), "owner": self.owner}}},
        )
        if claimed is None:
            raise Conflict("the reservation changed meanwhile; load it and try again")
        holder = reservation_holder(reservation_id)
        grown: list[tuple[HoldKey, int, int]] = []
        try:
            for key, before, after in growths:
                if not await self.inventory.resize(key, holder, before, after, capacities[key[0]]):
                    raise NoAvailability(
                        f"no {key[0]} left on {key[1]}", night=key[1], room_type=key[0]
                    )
                grown.append((key, before, after))
        except BaseException:
            for key, before, after in grown:
                await self.inventory.resize(key, holder, after, before, capacities[key[0]])
            await self.repository.update_reservation(
                {"_id": reservation_id, "version": version}, {"$set": {"amendment": None}}
            )
            raise

    async def cancel_reservation(
        self,
        reservation_id: str,
        reason: str | None = None,
        *,
        also_publish: AlsoPublish | None = None,
    ) -> dict[str, Any]:
        current = await self._confirmed(reservation_id)
        fee, refund = cancellation_terms(current, self.clock())
        event = ReservationCancelled.new(
            ReservationCancelledPayload(
                reservation_id=reservation_id,
                guest_id=current["guest_id"],
                old_status=current["status"],
                cancellation_fee=fee,
                refund_amount=refund,
                reason=reason,
                currency=current["currency"],
            ),
            **self.event_origin(),
        )
        return await self.close(
            current,
            ReservationStatus.CANCELLED,
            event,
            "cancellation",
            {"fee": str(fee), "refund": str(refund), "reason": reason},
            also_publish,
        )

    async def mark_no_show(
        self, reservation_id: str, *, day_closed: date | None = None
    ) -> dict[str, Any]:
        """By hand once the arrival day has ended at the hotel, or when the night audit
        closed the arrival's business day (`day_closed`)."""
        current = await self._confirmed(reservation_id)
        arrival = date.fromisoformat(current["arrival"])
        if not (
            day_closed is not None
            and arrival <= day_closed
            or no_show_may_be_marked(arrival, self.clock())
        ):
            raise Conflict("a no-show is marked after the arrival day has ended")
        fee, refund = no_show_terms(current)
        event = ReservationNoShow.new(
            ReservationNoShowPayload(
                reservation_id=reservation_id,
                guest_id=current["guest_id"],
                no_show_fee=fee,
                currency=current["currency"],
            ),
            **self.event_origin(),
        )
        return await self.close(
            current,
            ReservationStatus.NO_SHOW,
            event,
            "no_show",
            {"fee": str(fee), "refund": str(refund)},
        )

    async def close(
        self,
        current: dict[str, Any],
        status: ReservationStatus,
        event: Event[Any],
        field: str,
        record: dict[str, Any],
        also_publish: AlsoPublish | None = None,
    ) -> dict[str, Any]:
        """Cancelled or no-show: fee and refund recorded with the event, then the nights
        go back."""
        closed = await self.repository.update_reservation(
            {
                "_id": current["_id"],
                "version": current["version"],
                "status": ReservationStatus.CONFIRMED,
                "amendment": None,
            },
            {
                "$set": {
                    "status": status,
                    field: {**record, "at": self.clock().isoformat()},
                    "version": current["version"] + 1,
                    "inventory_settled": False,
                    "settled_by": self.owner,
                    "updated_at": self.clock(),
                    # issue 18: the refund is paid by services/reservation/refunds.py,
                    # asked for here in the same write so no crash loses it
                    **({"refund_due": True} if Decimal(record["refund"]) > 0 else {}),
                },
                "$push": outbox_push(
                    [
                        outbox_entry(event),
                        *(also_publish({**current, "status": status}) if also_publish else []),
                    ]
                ),
            },
        )
        if closed is None:
            raise Conflict("the reservation changed meanwhile; load it and try again")
        closed = await self._settle_inventory(closed)
        self.events_written()
        log.info(
            "reservation closed",
            reservation_id=current["_id"],
            status=status.value,
            fee=record["fee"],
            refund=record["refund"],
        )
        return closed

    async def _settle_inventory(self, reservation: dict[str, Any]) -> dict[str, Any]:
        """Makes what the reservation holds match what its state says it should hold
        (only ever by giving back), then publishes the nights' availability."""
        holder = reservation_holder(reservation["_id"])
        held = await self.inventory.holds_of(holder)
        expected = expected_holds(reservation)
        block = (
            {"_id": reservation["block_id"], "name": ""} if reservation.get("block_id") else None
        )
        touched = []
        for key, rooms in held.items():
            want = expected.get(key, 0)
            if rooms > want:
                if want == 0:
                    await self._give_back(holder, [key], block)
                else:
                    await self.inventory.resize(key, holder, rooms, want, capacity=0)
                touched.append(key)
        settled = await self.repository.update_reservation(
            {"_id": reservation["_id"], "inventory_settled": False},
            {
                "$set": {"inventory_settled": True},
                "$push": outbox_push(await self.availability_entries(touched)),
            },
        )
        return settled or reservation

    async def repair(self, reservation: dict[str, Any]) -> None:
        """Puts right what a crashed process left half-done (see the module docstring)."""
        if reservation["status"] == ReservationStatus.PENDING:
            block = (
                {"_id": reservation["block_id"], "name": ""}
                if reservation.get("block_id")
                else None
            )
            holder = reservation_holder(reservation["_id"])
            await self._give_back(
                holder, list((await self.inventory.holds_of(holder)).keys()), block
            )
            await self.repository.discard_pending(reservation["_id"])
            log.warning("abandoned booking discarded", reservation_id=reservation["_id"])
            return
        if reservation.get("amendment"):  # never committed: back to the recorded stay
            await self.repository.update_reservation(
                {"_id": reservation["_id"], "version": reservation["version"]},
                {"$set": {"inventory_settled": False, "amendment": None}},
            )
            reservation = {**reservation, "inventory_settled": False}
        await self._settle_inventory(reservation)
        self.events_written()
        log.warning("half-done reservation change repaired", reservation_id=reservation["_id"])

    async def publish_for(self, reservation: dict[str, Any], entries: list[dict[str, Any]]) -> None:
        """Queues more messages on a reservation's outbox (a repeated report)."""
        await self.repository.update_reservation(
            {"_id": reservation["_id"]}, {"$push": outbox_push(entries)}
        )
        self.events_written()

    async def follow_merge(self, event: GuestMerged) -> None:
        """Loyalty merged duplicate guests: the bookings follow the surviving id."""
        moved = await self.repository.follow_merge(
            list(event.payload.merged_guest_ids), event.payload.surviving_guest_id
        )
        log.info("guest merge followed", reservations=moved)

    async def anonymize_guest(self, event: GuestAnonymized) -> None:
        """Erasure: names and contact go, amounts and dates stay. Repeating it is harmless."""
        guest_ids = [event.payload.guest_id, *event.payload.also_known_as]
        erased = await self.repository.anonymize_guests(guest_ids, self.clock())
        log.info("guest erased from reservations", reservations=erased)

    # --- reads --------------------------------------------------------------------------

    async def get_reservation(self, reservation_id: str) -> dict[str, Any]:
        reservation = await self.repository.get(reservation_id)
        if reservation is None:
            raise NotFound(f"no reservation {reservation_id!r}")
        return reservation

    async def availability(self, arrival: date, departure: date) -> dict[str, Any]:
        if departure <= arrival:
            raise Unprocessable("departure must be after arrival")
        nights = [n.isoformat() for n in nights_of(arrival, departure)]
        if len(nights) > self.max_nights:
            raise Unprocessable(f"ask for at most {self.max_nights} nights at a time")
        sold = await self.inventory.sold(None, nights)
        result = {}
        for room_type in await self.repository.all_room_types():
            capacity = capacity_of(room_type)
            left_each_night = {n: capacity - sold.get((room_type["code"], n), 0) for n in nights}
            result[room_type["code"]] = {
                "name": room_type["name"],
                "rooms_left": max(0, min(left_each_night.values())),
                "nights": left_each_night,
                "nightly_rate": Decimal(room_type["nightly_rate"]),
            }
        return result

    # --- helpers ------------------------------------------------------------------------

    async def _confirmed(self, reservation_id: str) -> dict[str, Any]:
        current = await self.get_reservation(reservation_id)
        if current["status"] in (ReservationStatus.IN_HOUSE, ReservationStatus.CHECKED_OUT):
            raise Conflict(
                f"reservation {reservation_id!r} is {current['status']}: the guest "
                "checked in, so it can no longer be cancelled, amended or marked "
                "a no-show",
                status=current["status"],
            )
        if current["status"] != ReservationStatus.CONFIRMED:
            raise Conflict(f"reservation {reservation_id!r} is {current['status']}")
        if current.get("amendment"):
            raise Conflict(f"reservation {reservation_id!r} is being changed right now")
        return current

    async def _room_type(self, code: str) -> dict[str, Any]:
        room_type = await self.repository.room_type(code)
        if room_type is None:
            raise Unprocessable(f"unknown room type {code!r}")
        return room_type

    def _check_stay(self, arrival: date, departure: date, *, arrival_changed: bool) -> None:
        if departure <= arrival:
            raise Unprocessable("departure must be after arrival")
        nights = (departure - arrival).days
        if nights > self.max_nights:
            raise Unprocessable(f"a stay is at most {self.max_nights} nights, not {nights}")
        if arrival_changed and arrival < local_date(self.clock()):
            raise Unprocessable(f"arrival {arrival.isoformat()} is in the past")

    @staticmethod
    def _check_occupancy(
        room_type: dict[str, Any], people: int, rooms: int, adults: int | None = None
    ) -> None:
        if adults is not None and adults < rooms:
            raise Unprocessable("every room needs at least one adult")
        if people > room_type["max_occupancy"] * rooms:
            raise Unprocessable(
                f"{rooms} {room_type['name']} room(s) sleep at most "
                f"{room_type['max_occupancy'] * rooms}"
            )

    def event_origin(self) -> dict[str, Any]:
        return {
            "producer": PRODUCER,
            "property_id": self.property_id,
            "correlation_id": current_correlation_id(),
        }

    async def availability_entries(self, keys: Iterable[HoldKey]) -> list[dict[str, Any]]:
        """availability.changed per room type touched, with rooms left on each night."""
        by_type: dict[str, list[str]] = {}
        for room_type, night in keys:
            by_type.setdefault(room_type, []).append(night)
        entries = []
        for code, nights in sorted(by_type.items()):
            setup = await self._room_type(code)
            sold = await self.inventory.sold(code, nights)
            left = {n: capacity_of(setup) - sold.get((code, n), 0) for n in sorted(set(nights))}
            entries.append(
                outbox_entry(
                    AvailabilityChanged.new(
                        AvailabilityChangedPayload(room_type=code, rooms_left=left),
                        **self.event_origin(),
                    )
                )
            )
        return entries

    def _created_events(self, document: dict[str, Any]) -> list[dict[str, Any]]:
        correlation = self.event_origin()
        guest = document["guest"]
        created = ReservationCreated.new(
            ReservationCreatedPayload(
                reservation_id=document["_id"],
                confirmation_number=document["confirmation_number"],
                guest_id=document["guest_id"],
                guest_name=_guest_name(document),
                room_type=document["room_type"],
                arrival=document["arrival"],
                departure=document["departure"],
                adults=document["adults"],
                children=document["children"],
                room_count=document["room_count"],
                channel=document["channel"],
                nightly_rates=document["nightly_rates"],
                total_amount=document["total_amount"],
                currency=document["currency"],
                special_requests=[_request_text(r) for r in document["special_requests"]],
                rate_plan=document["rate_plan"],
                source_reference=document["source_reference"],
                block_id=document["block_id"],
                deposit_paid=Decimal(document.get("deposit_paid", "0")),
                non_refundable=bool(document["terms"]["non_refundable"]),
                expected_arrival_time=document.get("expected_arrival_time"),
                expected_departure_time=document.get("expected_departure_time"),
                tentative=bool(document.get("tentative")),
            ),
            **correlation,
        )
        # Contact details go only in this guest-profile event, to those who reach the guest.
        contact = GuestContactCaptured.new(
            GuestContactPayload(
                guest_id=document["guest_id"],
                first_name=guest["first_name"],
                last_name=guest["last_name"],
                email=guest["email"],
                phone=guest.get("phone"),
            ),
            **correlation,
        )
        return [outbox_entry(created), outbox_entry(contact)]

    def _amended_event(
        self, new: dict[str, Any], changes: list[dict[str, Any]], reason: str | None = None
    ) -> Event[Any]:
        public_changes = [c for c in changes if c["field"] not in ("guest", "additional_guests")]
        if len(public_changes) < len(changes):  # names are contact data: say only that they changed
            public_changes.append({"field": "guests", "old": None, "new": None})
        return ReservationAmended.new(
            ReservationAmendedPayload(
                reservation_id=new["_id"],
                guest_id=new["guest_id"],
                changes=[FieldChange(**change) for change in public_changes],
                room_type=new["room_type"],
                arrival=new["arrival"],
                departure=new["departure"],
                adults=new["adults"],
                children=new["children"],
                nightly_rates=new["nightly_rates"],
                total_amount=new["total_amount"],
                currency=new["currency"],
                # issue 12: the whole record as it now stands, for the desk's arrivals list
                guest_name=_guest_name(new),
                room_count=new["room_count"],
                special_requests=[_request_text(r) for r in new["special_requests"]],
                rate_plan=new["rate_plan"],
                deposit_paid=Decimal(new.get("deposit_paid", "0")),
                non_refundable=bool(new["terms"]["non_refundable"]),
                amendment_fees=Decimal(new.get("amendment_fees", "0")),
                expected_arrival_time=new.get("expected_arrival_time"),
                expected_departure_time=new.get("expected_departure_time"),
                reason=reason,
            ),
            **self.event_origin(),
        )


def capacity_of(room_type: dict[str, Any]) -> int:
    return room_type["rooms"] + room_type.get("overbooking_allowance", 0)


def _guest_name(reservation: dict[str, Any]) -> str:
    return f"{reservation['guest']['first_name']} {reservation['guest']['last_name']}"


# Where reservation's ciphertexts live (shared/crypto.py binds each to its place, and the
# re-encryption job finds them there).
SEALED_FIELDS = (SealedField("reservations", "payment.token_encrypted", "payment.token"),)


def payment_token_binding(reservation_id: str) -> Binding:
    return Binding("reservations", "payment.token", reservation_id)


def _request_text(request: dict[str, Any]) -> str:
    return f"{request['kind']}: {request['detail']}" if request.get("detail") else request["kind"]


def _time_text(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
