"""Creating a reservation: checked, priced, recorded pending, every night taken, then
confirmed with its events; a repeated Idempotency-Key or channel reference gets the
first booking."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal
from typing import Any

from shared.crashpoints import crash_point
from shared.crypto import Binding, mask
from shared.errors import Conflict, Unprocessable
from shared.events import (
    GuestContactCaptured,
    GuestContactPayload,
    ReservationCreated,
    ReservationCreatedPayload,
)
from shared.logging import get_logger
from shared.outbox import outbox_entry
from shared.reencryption import SealedField

from .domain import (
    ReservationCreate,
    ReservationStatus,
    holds_of,
    new_confirmation_number,
    new_reservation_id,
    request_fingerprint,
    reservation_holder,
    total_of,
)
from .inventory_holds import InventoryHolds
from .members import verified_member
from .policies import (
    DEFAULT_RATE_PLAN,
    block_rates,
    cancellation_deadline,
    deposit_due,
    member_percent,
    price_stay,
    terms_of,
)
from .reservation_context import (
    AlsoPublish,
    StillInFlight,
    guest_name_of,
    outbox_push,
    request_text,
)

log = get_logger(__name__)

# A tentative booking is reconfirmed within this long, and before free cancellation ends.
RECONFIRM_WITHIN = timedelta(hours=48)


class NewBookings(InventoryHolds):
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

    def _created_events(self, document: dict[str, Any]) -> list[dict[str, Any]]:
        correlation = self.event_origin()
        guest = document["guest"]
        created = ReservationCreated.new(
            ReservationCreatedPayload(
                reservation_id=document["_id"],
                confirmation_number=document["confirmation_number"],
                guest_id=document["guest_id"],
                guest_name=guest_name_of(document),
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
                special_requests=[request_text(r) for r in document["special_requests"]],
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


# Where reservation's ciphertexts live (shared/crypto.py binds each to its place, and the
# re-encryption job finds them there).
SEALED_FIELDS = (SealedField("reservations", "payment.token_encrypted", "payment.token"),)


def payment_token_binding(reservation_id: str) -> Binding:
    return Binding("reservations", "payment.token", reservation_id)


def _time_text(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
