"""Creating a reservation: checked, priced, recorded pending, every night taken, then
confirmed with its events; a repeated Idempotency-Key or channel reference gets the
first booking."""

from __future__ import annotations

import asyncio
from typing import Any

from shared.crashpoints import crash_point
from shared.errors import Conflict, Unprocessable
from shared.logging import get_logger

from .booking_document import BookingDocuments
from .domain import (
    ReservationCreate,
    ReservationStatus,
    holds_of,
    new_confirmation_number,
    request_fingerprint,
    reservation_holder,
)
from .inventory_holds import InventoryHolds
from .members import verified_member
from .policies import DEFAULT_RATE_PLAN
from .reservation_context import AlsoPublish, StillInFlight, outbox_push

log = get_logger(__name__)


class NewBookings(InventoryHolds, BookingDocuments):
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
        document = await self._pending_document(
            request, room_type, plan, block, channel_name, idempotency_key
        )
        # Pending first: the nights taken below always belong to a recorded reservation.
        existing = await self._record_pending(document)
        if existing is not None:
            return existing, False
        holder = reservation_holder(document["_id"])
        holds = holds_of(request.room_type, request.arrival, request.departure, request.room_count)
        try:
            await self._take_every_night(holder, room_type, holds, block)
        except BaseException:
            await self._give_back(holder, holds, block)
            await self.repository.discard_pending(document["_id"])
            raise
        crash_point("reservation.create.after_nights_taken")
        # Rooms left against the capacity the nights were just taken under (read above).
        availability = await self.availability_entries(holds, {room_type["code"]: room_type})
        entries = [*self._created_events(document), *availability]
        if also_publish:
            entries += also_publish({**document, "status": ReservationStatus.CONFIRMED.value})
        confirmed = await self._confirm(document, entries)
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

    async def _pending_document(
        self,
        request: ReservationCreate,
        room_type: dict[str, Any],
        plan: dict[str, Any],
        block: dict[str, Any] | None,
        channel_name: str | None,
        idempotency_key: str | None,
    ) -> dict[str, Any]:
        """The booking as first recorded: its guest's id, a verified member's rate, whose
        process holds it, and the Idempotency-Key with the request it answered."""
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
        return document

    async def _record_pending(self, document: dict[str, Any]) -> dict[str, Any] | None:
        """Records the booking pending; None, or the earlier booking this request repeats
        (the same Idempotency-Key or channel reference)."""
        while not await self.repository.insert_pending(document):
            existing = await self._the_earlier_booking(document)
            if existing is not None:
                return existing
            # The earlier attempt failed and left, or the confirmation number was taken.
            document["confirmation_number"] = new_confirmation_number()
        return None

    async def _confirm(
        self, document: dict[str, Any], entries: list[dict[str, Any]]
    ) -> dict[str, Any] | None:
        """Pending to confirmed with its events; None if the janitor discarded it first."""
        confirmed: dict[str, Any] | None = await self.repository.update_reservation(
            {"_id": document["_id"], "status": ReservationStatus.PENDING},
            {
                "$set": {"status": ReservationStatus.CONFIRMED, "updated_at": self.clock()},
                "$push": outbox_push(entries),
            },
        )
        return confirmed

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
