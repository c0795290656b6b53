"""Charges from the outlets and payments onto the folio of a stay in house, each once per
ticket or reference, and the folio read back with its totals."""

from __future__ import annotations

import uuid
from typing import Any

from shared.errors import Conflict
from shared.logging import get_logger
from shared.outbox import push_outbox

from .domain import ChargeCreate, PaymentCreate
from .folio import ChargeCategory, settle
from .folio_context import FolioContext
from .records import (
    charge_event,
    charge_line,
    payment_event,
    payment_line,
    public_payment,
    reference_key,
    sealed_token,
)
from .stay_store import stay_from_document

log = get_logger(__name__)


class FolioPostings(FolioContext):
    async def post_charge(self, stay_id: str, request: ChargeCreate) -> dict[str, Any]:
        # Never the client's text in an id: the same ticket gives the same id, nothing more.
        charge_id = (
            f"{request.category}|{reference_key(stay_id, request.reference)}"
            if request.reference
            else f"{request.category}|{uuid.uuid4()}"
        )
        charge = charge_line(
            charge_id,
            ChargeCategory(request.category),
            request.amount,
            request.description,
            self.clock(),
        )
        stay = await self._in_house(stay_id)
        posted = await self.repository.update_stay(
            stay_id,
            {"status": "in_house", "charges.charge_id": {"$ne": charge_id}},
            {"$push": {"charges": charge, **push_outbox(charge_event(stay, charge))}},
        )
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
        payment = payment_line(
            request.kind,
            request.amount,
            request.method,
            sealed_token(self.cipher, stay_id, request.token_reference),
            self.clock(),
            reference=request.reference,
        )
        posted = await self.repository.update_stay(
            stay_id,
            {"status": "in_house", "payments.payment_id": {"$ne": payment["payment_id"]}},
            {"$push": {"payments": payment, **push_outbox(payment_event(stay, payment))}},
        )
        if posted is None:
            again = await self._in_house(stay_id)
            existing = next(
                (p for p in again["payments"] if p["payment_id"] == payment["payment_id"]), None
            )
            if existing is None:
                raise Conflict(f"stay {stay_id!r} changed meanwhile; post again")
            return existing
        self.events_written()
        log.info("payment posted", stay_id=stay_id, kind=request.kind)
        return payment

    async def folio(self, stay_id: str) -> dict[str, Any]:
        stay = stay_from_document(await self.get_stay(stay_id))
        return {
            "stay_id": stay_id,
            "currency": stay.currency,
            "status": stay.status,
            "charges": stay.charges,
            "payments": [public_payment(p) for p in stay.payments],
            "totals": settle(stay.charges, stay.payments),
            "post_departure_invoices": stay.post_departure_invoices,
        }
