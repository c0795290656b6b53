"""How a stay's records and events are built: lines of the folio, rooms as the
allocation rules see them, the events' origin, and the property's clock. No I/O."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from shared.clock import PropertyClock, business_date
from shared.crypto import Binding, PersonalDataCipher, mask
from shared.errors import NotFound
from shared.events import (
    Event,
    FolioChargePosted,
    FolioChargePostedPayload,
    FolioPaymentPosted,
    FolioPaymentPostedPayload,
)
from shared.logging import current_correlation_id
from shared.reencryption import SealedField

from .allocation import Room
from .domain import nights_between
from .folio import ChargeCategory, PaymentKind, cents

PRODUCER = "frontdesk"


async def business_today(repository: Any, clock: PropertyClock, audit_hour: int) -> date:
    """The desk's "today": the business date the night audit has not closed yet."""
    return business_date(await repository.open_business_date(), clock, audit_hour)


def origin(record: dict[str, Any]) -> dict[str, Any]:
    return {
        "producer": PRODUCER,
        "property_id": record["property_id"],
        "correlation_id": current_correlation_id(),
    }


def charge_event(stay: dict[str, Any], charge: dict[str, Any], **caused: Any) -> Event[Any]:
    return FolioChargePosted.new(
        FolioChargePostedPayload(
            stay_id=stay["_id"],
            guest_id=stay["guest_id"],
            charge_id=charge["charge_id"],
            category=charge["category"],
            amount=Decimal(charge["amount"]),
            description=charge["description"],
            currency=stay["currency"],
        ),
        **{**origin(stay), **caused},
    )


def payment_event(stay: dict[str, Any], payment: dict[str, Any]) -> Event[Any]:
    # The method's kind only: the token reference stays on the folio.
    return FolioPaymentPosted.new(
        FolioPaymentPostedPayload(
            stay_id=stay["_id"],
            guest_id=stay["guest_id"],
            payment_id=payment["payment_id"],
            kind=payment["kind"],
            amount=Decimal(payment["amount"]),
            method=payment["method"],
            currency=stay["currency"],
        ),
        **origin(stay),
    )


# Where the desk's ciphertexts live (shared/crypto.py binds each to its place, and the
# re-encryption job finds them there).
SEALED_FIELDS = (
    SealedField("stays", "registration.document_number_encrypted", "registration.document_number"),
    SealedField("stays", "payments.*.token.encrypted", "payments.token"),
)


def document_number_binding(stay_id: str) -> Binding:
    return Binding("stays", "registration.document_number", stay_id)


def payment_token_binding(stay_id: str) -> Binding:
    return Binding("stays", "payments.token", stay_id)


def sealed_token(
    cipher: PersonalDataCipher, stay_id: str, token_reference: str | None
) -> dict[str, Any] | None:
    """The payment provider's token reference, encrypted like an ID number: whoever holds
    it can capture the pre-authorisation."""
    if not token_reference:
        return None
    return {
        "encrypted": cipher.encrypt(token_reference, bound=payment_token_binding(stay_id)),
        "masked": mask(token_reference),
    }


def room_of(doc: dict[str, Any] | None) -> Room:
    if doc is None:
        raise NotFound("unknown room")
    return Room(
        number=doc["number"],
        room_type=doc["room_type"],
        floor=doc["floor"],
        bed=doc["bed"],
        features=frozenset(doc.get("features", ())),
        status=doc.get("status", "vacant_inspected"),
    )


def stay_nights(record: dict[str, Any]) -> list[date]:
    return nights_between(
        date.fromisoformat(record["arrival"]), date.fromisoformat(record["departure"])
    )


def charge_line(
    charge_id: str, category: ChargeCategory, amount: Decimal, description: str, at: datetime
) -> dict[str, Any]:
    return {
        "charge_id": charge_id,
        "category": category.value,
        "amount": str(cents(amount)),
        "description": description,
        "posted_at": at,
    }


_REFERENCE_IDS = uuid.UUID("6f1b1c2e-3d4a-5b6c-8d9e-0a1b2c3d4e5f")


def reference_key(scope: str, reference: str) -> str:
    """A stable id for a client-supplied reference, revealing nothing of it."""
    return str(uuid.uuid5(_REFERENCE_IDS, f"{scope}|{reference}"))


def payment_line(
    kind: PaymentKind,
    amount: Decimal,
    method: str,
    token: dict[str, Any] | None,
    at: datetime,
    *,
    reference: str | None = None,
    pre_authorisation: bool = False,
) -> dict[str, Any]:
    # Never the client's text in an id (it once held card numbers): a digest of it, so
    # the same reference is still the same payment.
    return {
        "payment_id": f"{kind.value}|{reference_key('payment', reference)}"
        if reference
        else str(uuid.uuid4()),
        "kind": kind.value,
        "amount": str(cents(amount)),
        "method": method,
        "token": token,
        "pre_authorisation": pre_authorisation,
        "posted_at": at,
    }


def public_payment(payment: dict[str, Any]) -> dict[str, Any]:
    token = payment.get("token") or {}
    return {key: value for key, value in payment.items() if key != "token"} | {
        "token_reference": token.get("masked")
    }


def storable(values: dict[str, Any]) -> dict[str, Any]:
    """Money as strings: exact in both stores, no float ever."""
    return {
        key: str(value) if isinstance(value, Decimal) else value for key, value in values.items()
    }


def reservation_ref(stay: dict[str, Any]) -> str:
    """What events name as the reservation: a walk-in has none, so its stay stands in."""
    return stay.get("reservation_id") or f"walk-in:{stay['_id']}"


def stay_ref(stay: dict[str, Any]) -> dict[str, Any]:
    """The fields that name the stay in its events (shared.events.StayRef)."""
    return {
        "stay_id": stay["_id"],
        "reservation_id": reservation_ref(stay),
        "guest_id": stay["guest_id"],
        "room_number": stay["room_number"],
        "room_type": stay["room_type"],
        "arrival": stay["arrival"],
    }
