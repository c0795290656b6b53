"""The document a new booking is recorded as: priced by its rate plan or block, its
deposit guaranteed, the payment token sealed to it; and the events it is confirmed
with (the guest's contact only in the guest-profile event)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from shared.crypto import Binding, mask
from shared.errors import Unprocessable
from shared.events import (
    GuestContactCaptured,
    GuestContactPayload,
    ReservationCreated,
    ReservationCreatedPayload,
)
from shared.outbox import outbox_entry
from shared.reencryption import SealedField

from .domain import (
    ReservationCreate,
    ReservationStatus,
    new_confirmation_number,
    new_reservation_id,
    total_of,
)
from .policies import (
    block_rates,
    cancellation_deadline,
    deposit_due,
    member_percent,
    price_stay,
    terms_of,
)
from .reservation_context import ReservationContext, guest_name_of, request_text

# A tentative booking is reconfirmed within this long, and before free cancellation ends.
RECONFIRM_WITHIN = timedelta(hours=48)


class BookingDocuments(ReservationContext):
    def _new_document(
        self,
        request: ReservationCreate,
        room_type: dict[str, Any],
        plan: dict[str, Any],
        block: dict[str, Any] | None,
        channel_name: str | None,
        member: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        rates = _rates(request, room_type, plan, block, member)
        deposit = _guaranteed_deposit(request, plan, rates)
        reservation_id = new_reservation_id()
        now = self.clock()
        document: dict[str, Any] = {
            "_id": reservation_id,
            "property_id": self.property_id,
            "confirmation_number": new_confirmation_number(),
            "status": ReservationStatus.PENDING.value,
            "guest_id": None,
            **_people(request),
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
            **self._money(request, plan, rates, deposit),
            "created_at": now,
            "updated_at": now,
            "version": 1,
            "amendment": None,
            "outbox": [],
            **_arrangements(request, plan, now),
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

    def _money(
        self,
        request: ReservationCreate,
        plan: dict[str, Any],
        rates: dict[str, Decimal],
        deposit: Decimal,
    ) -> dict[str, Any]:
        return {
            "nightly_rates": {night: str(rate) for night, rate in rates.items()},
            "total_amount": str(total_of(rates)),
            "currency": self.currency,
            "deposit_due": str(deposit),
            "deposit_paid": str(deposit),  # charged to the guarantee's token
            "cancellation_deadline": cancellation_deadline(plan, request.arrival).isoformat(),
        }

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


def _rates(
    request: ReservationCreate,
    room_type: dict[str, Any],
    plan: dict[str, Any],
    block: dict[str, Any] | None,
    member: dict[str, Any] | None,
) -> dict[str, Decimal]:
    """The price of each night: the block's contracted rate, else the rate plan's."""
    if block:
        return block_rates(
            Decimal(block["nightly_rate"]), request.arrival, request.departure, request.room_count
        )
    return price_stay(
        plan,
        room_type,
        request.arrival,
        request.departure,
        request.room_count,
        member=member is not None,
    )


def _guaranteed_deposit(
    request: ReservationCreate, plan: dict[str, Any], rates: dict[str, Decimal]
) -> Decimal:
    """The plan's deposit, refused without a payment token to charge it to."""
    deposit = deposit_due(plan, rates)
    if deposit and not (request.payment and request.payment.token):
        raise Unprocessable(
            f"rate plan {plan['code']!r} needs a deposit of {deposit}: "
            "give a payment method with its token as a guarantee"
        )
    return deposit


def _people(request: ReservationCreate) -> dict[str, Any]:
    return {
        "guest": request.guest.model_dump(),
        "booker": request.booker.model_dump() if request.booker else None,
        "additional_guests": [g.model_dump() for g in request.additional_guests],
    }


def _arrangements(
    request: ReservationCreate, plan: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """Issue 18: the guest's expected times, and a tentative booking's reconfirmation."""
    return {
        "expected_arrival_time": _time_text(request.expected_arrival_time),
        "expected_departure_time": _time_text(request.expected_departure_time),
        "tentative": request.tentative,
        "reconfirm_by": (
            min(now + RECONFIRM_WITHIN, cancellation_deadline(plan, request.arrival))
            if request.tentative
            else None
        ),
    }


def _time_text(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
