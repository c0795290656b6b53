"""Folio use cases: charges from outlets and housekeeping, payments, the night audit,
and check-out with its settlement. Each saves the stay and its events in one write."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from shared.crypto import PersonalDataCipher
from shared.events import (Event, FolioClosed, FolioClosedPayload, StayCheckedOut,
                           StayCheckedOutPayload)
from shared.logging import get_logger
from shared.outbox import push_outbox
from shared.problems import Conflict, NotFound

from .domain import ChargeCreate, CheckOut, PaymentCreate, StayStatus
from .folio import (ChargeCategory, PaymentKind, cents, invoice_number, late_checkout_fee,
                    room_charge_id, settle)
from .records import (PropertyClock, business_today, charge_event, charge_line, origin, payment_event,
                      payment_line, public_payment, reservation_ref, sealed_token, storable)
from .repository import FrontDeskRepository

log = get_logger(__name__)


class FolioService:
    def __init__(self, repository: FrontDeskRepository, *, events_written: Callable[[], None],
                 cipher: PersonalDataCipher, clock: PropertyClock,
                 standard_checkout_hour: int = 12, half_day_until_hour: int = 18,
                 audit_hour: int = 3) -> None:
        self.repository = repository
        self.audit_hour = audit_hour
        self.events_written = events_written
        self.cipher = cipher
        self.clock = clock
        self.standard_checkout_hour = standard_checkout_hour
        self.half_day_until_hour = half_day_until_hour

    # --- charges and payments ---------------------------------------------------------

    async def post_charge(self, stay_id: str, request: ChargeCreate) -> dict[str, Any]:
        charge_id = (f"{request.category}|{request.reference}" if request.reference
                     else f"{request.category}|{uuid.uuid4()}")
        charge = charge_line(charge_id, ChargeCategory(request.category), request.amount,
                             request.description, self.clock())
        stay = await self._in_house(stay_id)
        posted = await self.repository.update_stay(
            stay_id, {"status": "in_house", "charges.charge_id": {"$ne": charge_id}},
            {"$push": {"charges": charge, **push_outbox(charge_event(stay, charge))}})
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
        payment = payment_line(request.kind, request.amount, request.method,
                               sealed_token(self.cipher, stay_id, request.token_reference),
                               self.clock(), reference=request.reference)
        posted = await self.repository.update_stay(
            stay_id, {"status": "in_house", "payments.payment_id": {"$ne": payment["payment_id"]}},
            {"$push": {"payments": payment, **push_outbox(payment_event(stay, payment))}})
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
                "payments": [public_payment(p) for p in stay["payments"]],
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
            charge = charge_line(room_charge_id(night), ChargeCategory.ROOM, Decimal(rate),
                                 f"room {stay['room_number']}, night of {night.isoformat()}",
                                 self.clock())
            if await self.repository.update_stay(
                    stay["_id"], {"status": "in_house",
                                  "charges.charge_id": {"$ne": charge["charge_id"]}},
                    {"$push": {"charges": charge,
                               **push_outbox(charge_event(stay, charge))}}):
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
        charges = [charge_line(f"check|{check_id}|{index}", category, amount, text, self.clock())
                   for index, (category, amount, text) in enumerate(lines)]
        if stay["status"] != "in_house":
            # The folio is closed: keep the report for a post-departure bill, charge nothing.
            await self.repository.update_stay(
                stay_id, {"late_item_checks.check_id": {"$ne": check_id}},
                {"$push": {"late_item_checks": {"check_id": check_id, "charges": charges}}})
            log.warning("room check arrived after check-out", stay_id=stay_id)
            return False
        events = [charge_event(stay, charge, **cause.caused()) for charge in charges]
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
        now, today = self.clock(), await business_today(self.repository, self.clock,
                                                        self.audit_hour)
        arrival, departure = (date.fromisoformat(stay["arrival"]),
                              date.fromisoformat(stay["departure"]))
        nights = sorted(stay["nightly_rates"])
        early = arrival <= today < departure
        charged = [n for n in nights if n < today.isoformat()] or nights[:1] if early else nights
        posted_ids = {c["charge_id"] for c in stay["charges"]}
        new_charges = [charge_line(room_charge_id(n), ChargeCategory.ROOM,
                                   Decimal(stay["nightly_rates"][n]),
                                   f"room {stay['room_number']}, night of {n}", now)
                       for n in charged if room_charge_id(n) not in posted_ids]
        fee = Decimal("0")
        if not request.waive_late_fee:
            fee = late_checkout_fee(self.clock.now_local(), departure,
                                    Decimal(stay["nightly_rates"][nights[-1]]),
                                    standard_hour=self.standard_checkout_hour,
                                    half_day_until_hour=self.half_day_until_hour)
        if fee:
            new_charges.append(charge_line("late_checkout", ChargeCategory.LATE_CHECKOUT, fee,
                                           "late check-out", now))
        charges = [*stay["charges"], *new_charges]
        totals = settle(charges, stay["payments"])
        payments = []
        if totals["balance"] < 0:
            deposit_method = next((p["method"] for p in stay["payments"]
                                   if p["kind"] == PaymentKind.DEPOSIT), "card")
            payments.append(payment_line(PaymentKind.REFUND, -totals["balance"],
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
        events: list[Event[Any]] = [charge_event(stay, charge) for charge in new_charges]
        events += [payment_event(stay, payment) for payment in payments]
        events.append(FolioClosed.new(FolioClosedPayload(
            stay_id=stay["_id"], guest_id=stay["guest_id"], invoice_number=number,
            room_charges=totals["room_charges"], other_charges=totals["other_charges"],
            compensation=totals["compensation"], deposit=totals["deposit"],
            balance=totals["balance"], currency=stay["currency"]), **origin(stay)))
        events.append(StayCheckedOut.new(StayCheckedOutPayload(
            stay_id=stay["_id"], reservation_id=reservation_ref(stay),
            guest_id=stay["guest_id"], room_number=stay["room_number"],
            room_type=stay["room_type"], arrival=arrival, departure=actual_departure,
            nights=room_nights, room_revenue=totals["room_charges"],
            total_spend=totals["room_charges"] + totals["other_charges"] + totals["compensation"],
            other_charges=totals["other_charges"] + totals["compensation"],
            currency=stay["currency"], early_departure=early), **origin(stay)))
        checked_out = await self.repository.update_stay(
            stay["_id"], {"status": "in_house", "charges": {"$size": len(stay["charges"])},
                          "payments": {"$size": len(stay["payments"])}},
            {"$set": {"status": StayStatus.CHECKED_OUT.value, "checked_out_at": now,
                      "actual_departure": actual_departure.isoformat(),
                      "settlement": storable(settlement)},
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

    async def get_stay(self, stay_id: str) -> dict[str, Any]:
        stay = await self.repository.stay(stay_id)
        if stay is None:
            raise NotFound(f"no stay {stay_id!r}")
        return stay

    async def _in_house(self, stay_id: str) -> dict[str, Any]:
        stay = await self.get_stay(stay_id)
        if stay["status"] != StayStatus.IN_HOUSE:
            raise Conflict(f"stay {stay_id!r} is checked out; its folio is closed")
        return stay
