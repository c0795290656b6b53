"""Folio use cases: charges from outlets and housekeeping, payments, the night audit,
and check-out with its settlement. Each saves the stay and its events in one write."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from shared.crashpoints import crash_point
from shared.crypto import PersonalDataCipher
from shared.errors import Conflict, NotFound
from shared.events import (
    Event,
    FolioClosed,
    FolioClosedPayload,
    StayCheckedOut,
    StayCheckedOutPayload,
)
from shared.logging import get_logger
from shared.outbox import push_outbox

from .domain import ChargeCreate, CheckOut, PaymentCreate, StayStatus
from .folio import (
    ChargeCategory,
    PaymentKind,
    cents,
    invoice_number,
    late_checkout_fee,
    room_charge_id,
    settle,
)
from .late_checks import post_departure_invoice
from .night_release import complete_release, release_intent
from .overstay import charge_overstays
from .points_allowances import missing_allowances, money_paid, points_paid, settling_allowances
from .records import (
    PropertyClock,
    business_today,
    charge_event,
    charge_line,
    origin,
    payment_event,
    payment_line,
    public_payment,
    reference_key,
    sealed_token,
    stay_ref,
    storable,
)
from .repository import FrontDeskRepository
from .stay_lookup import in_house_stay, stay_or_404

log = get_logger(__name__)


class FolioService:
    def __init__(
        self,
        repository: FrontDeskRepository,
        *,
        events_written: Callable[[], None],
        cipher: PersonalDataCipher,
        clock: PropertyClock,
        standard_checkout_hour: int = 12,
        half_day_until_hour: int = 18,
        overstay_rate_percent: Decimal = Decimal("100"),
        audit_hour: int = 3,
    ) -> None:
        self.repository = repository
        self.audit_hour = audit_hour
        self.events_written = events_written
        self.cipher = cipher
        self.clock = clock
        self.standard_checkout_hour = standard_checkout_hour
        self.half_day_until_hour = half_day_until_hour
        self.overstay_rate_percent = overstay_rate_percent

    # --- charges and payments ---------------------------------------------------------

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
        stay = await self.get_stay(stay_id)
        return {
            "stay_id": stay_id,
            "currency": stay["currency"],
            "status": stay["status"],
            "charges": stay["charges"],
            "payments": [public_payment(p) for p in stay["payments"]],
            "totals": settle(stay["charges"], stay["payments"]),
            "post_departure_invoices": stay.get("post_departure_invoices", []),
        }

    async def night_audit(self, night: date) -> int:
        """Posts the night's room charge to every stay in house that night, once."""
        posted = 0
        for stay in await self.repository.stays_where(
            {
                "status": "in_house",
                "arrival": {"$lte": night.isoformat()},
                "departure": {"$gt": night.isoformat()},
            }
        ):
            rate = stay["nightly_rates"].get(night.isoformat())
            if rate is None:
                continue
            charge = charge_line(
                room_charge_id(night),
                ChargeCategory.ROOM,
                Decimal(rate),
                f"room {stay['room_number']}, night of {night.isoformat()}",
                self.clock(),
            )
            if await self.repository.update_stay(
                stay["_id"],
                {"status": "in_house", "charges.charge_id": {"$ne": charge["charge_id"]}},
                {"$push": {"charges": charge, **push_outbox(charge_event(stay, charge))}},
            ):
                posted += 1
        posted += await charge_overstays(self, night)  # guests still here past departure
        if posted:
            self.events_written()
        log.info("night audit", night=night.isoformat(), posted=posted)
        return posted

    async def post_item_check(
        self,
        check_id: str,
        stay_id: str,
        lines: list[tuple[ChargeCategory, Decimal, str]],
        cause: Event[Any],
    ) -> bool:
        """Housekeeping's departure room check, onto the folio once per check."""
        stay = await self.repository.stay(stay_id)
        if stay is None:
            raise NotFound(f"no stay {stay_id!r} for room check {check_id}")
        charges = [
            charge_line(f"check|{check_id}|{index}", category, amount, text, self.clock())
            for index, (category, amount, text) in enumerate(lines)
        ]
        if stay["status"] != "in_house":
            # The folio is closed: the check goes on a post-departure invoice of the stay.
            return await post_departure_invoice(self, stay, check_id, charges, cause)
        events = [charge_event(stay, charge, **cause.caused()) for charge in charges]
        updated = await self.repository.update_stay(
            stay_id,
            {"status": "in_house", "item_checks": {"$ne": check_id}},
            {
                "$push": {
                    "charges": {"$each": charges},
                    "item_checks": check_id,
                    **push_outbox(*events),
                }
            },
        )
        if updated is None:
            if stay_id and (await self.get_stay(stay_id))["status"] != "in_house":
                # settled between the read and the write: bill it after departure
                return await self.post_item_check(check_id, stay_id, lines, cause)
            return False
        if events:
            self.events_written()
        if updated.get("checkout_request"):  # the guest is waiting for this check: settle
            await self.settle_requested(stay_id)
        return True

    async def settle_requested(self, stay_id: str) -> dict[str, Any] | None:
        """Settles a check-out the guest asked for, with the fees as of the asking (waiting
        for housekeeping's check costs the guest no late fee). None if already settled."""
        stay = await self.get_stay(stay_id)
        asked = stay.get("checkout_request")
        if stay["status"] != StayStatus.IN_HOUSE or not asked:
            return None
        try:
            return await self.check_out(
                stay_id,
                CheckOut(waive_late_fee=asked["waive_late_fee"]),
                as_of=asked["requested_at"],
            )
        except Conflict:
            if (await self.get_stay(stay_id))["status"] != StayStatus.IN_HOUSE:
                return None  # settled by another path meanwhile
            raise

    # --- check-out -----------------------------------------------------------------------

    async def check_out(
        self, stay_id: str, request: CheckOut | None = None, *, as_of: datetime | None = None
    ) -> dict[str, Any]:
        """Settles and closes the folio now; `as_of` is when the guest asked to leave (the
        late check-out fee is reckoned then)."""
        request = request or CheckOut()
        for _ in range(5):  # a charge posted meanwhile: settle again with it
            stay = await self.repository.stay(stay_id)
            if stay is None:
                raise NotFound(f"no stay {stay_id!r}")
            if stay["status"] != StayStatus.IN_HOUSE:
                # A repeat (its answer was lost): the same settlement again, and what the
                # first may not have finished before it died, done now (idempotent).
                for intent in stay.get("release_pending", []):
                    await complete_release(self.repository, stay, intent)
                if stay.get("settlement", {}).get("early_departure"):
                    await self.repository.release_room_nights(
                        stay_id, from_night=date.fromisoformat(stay["actual_departure"])
                    )
                return stay
            checked_out = await self._settle_and_close(stay, request, as_of)
            if checked_out is not None:
                return checked_out
        raise Conflict(f"stay {stay_id!r} kept changing during check-out; try again")

    async def _missing_allowances(
        self, stay: dict[str, Any], now: datetime
    ) -> list[dict[str, Any]]:
        allowances = await settling_allowances(self.repository, stay)
        return missing_allowances(stay, allowances, now)

    async def _settle_and_close(
        self, stay: dict[str, Any], request: CheckOut, as_of: datetime | None = None
    ) -> dict[str, Any] | None:
        now, today = (
            self.clock(),
            await business_today(self.repository, self.clock, self.audit_hour),
        )
        arrival, departure = (
            date.fromisoformat(stay["arrival"]),
            date.fromisoformat(stay["departure"]),
        )
        nights = sorted(stay["nightly_rates"])
        early = arrival <= today < departure
        charged = [n for n in nights if n < today.isoformat()] or nights[:1] if early else nights
        posted_ids = {c["charge_id"] for c in stay["charges"]}
        new_charges = [
            charge_line(
                room_charge_id(n),
                ChargeCategory.ROOM,
                Decimal(stay["nightly_rates"][n]),
                f"room {stay['room_number']}, night of {n}",
                now,
            )
            for n in charged
            if room_charge_id(n) not in posted_ids
        ]
        fee = Decimal("0")
        if not request.waive_late_fee:
            asked_at = _aware(as_of).astimezone(self.clock.tz) if as_of else self.clock.now_local()
            # a member whose tier has late check-out pays nothing until the half-day hour
            perk = "late_checkout" in stay.get("perks", [])
            fee = late_checkout_fee(
                asked_at,
                departure,
                Decimal(stay["nightly_rates"][nights[-1]]),
                standard_hour=self.half_day_until_hour if perk else self.standard_checkout_hour,
                half_day_until_hour=self.half_day_until_hour,
            )
        if fee:
            new_charges.append(
                charge_line(
                    "late_checkout", ChargeCategory.LATE_CHECKOUT, fee, "late check-out", now
                )
            )
        charges = [*stay["charges"], *new_charges]
        # points redeemed whose event raced the check-in: on the folio now (issue 18)
        payments = await self._missing_allowances(stay, now)
        totals = settle(charges, [*stay["payments"], *payments])
        # points are never paid out in cash: a refund gives back at most the money paid
        refund = min(-totals["balance"], money_paid([*stay["payments"], *payments]))
        if refund > 0:
            deposit_method = next(
                (p["method"] for p in stay["payments"] if p["kind"] == PaymentKind.DEPOSIT), "card"
            )
            payments.append(
                payment_line(
                    PaymentKind.REFUND,
                    refund,
                    deposit_method,
                    None,
                    now,
                    reference=f"refund|{stay['_id']}",
                )
            )
        number = invoice_number(
            stay["property_id"], today.year, await self.repository.next_invoice_sequence(today.year)
        )
        room_nights = len([c for c in charges if c["category"] == ChargeCategory.ROOM])
        settlement = {
            "stay_id": stay["_id"],
            "nights": room_nights,
            "currency": stay["currency"],
            **totals,
            "refund": cents(max(refund, Decimal("0"))),
            "amount_due": cents(max(totals["balance"], Decimal("0"))),
            "late_checkout_fee": cents(fee),
            "invoice_number": number,
            "early_departure": early,
            "item_checks": stay["item_checks"],
            "lines": charges,
            "billed_to": stay.get("guest_name"),
        }
        actual_departure = today if early else departure
        # an early departure's nights from today go back: an intent in the closing write
        # (night_release.py), so a crash before the release does not keep them held
        intent = (
            release_intent([date.fromisoformat(n) for n in nights if n >= today.isoformat()], now)
            if early
            else None
        )
        events: list[Event[Any]] = [charge_event(stay, charge) for charge in new_charges]
        events += [payment_event(stay, payment) for payment in payments]
        events.append(
            FolioClosed.new(
                FolioClosedPayload(
                    stay_id=stay["_id"],
                    guest_id=stay["guest_id"],
                    invoice_number=number,
                    room_charges=totals["room_charges"],
                    other_charges=totals["other_charges"],
                    compensation=totals["compensation"],
                    deposit=totals["deposit"],
                    balance=totals["balance"],
                    currency=stay["currency"],
                ),
                **origin(stay),
            )
        )
        events.append(
            StayCheckedOut.new(
                StayCheckedOutPayload(
                    **stay_ref(stay),
                    departure=actual_departure,
                    nights=room_nights,
                    room_revenue=totals["room_charges"],
                    total_spend=totals["room_charges"]
                    + totals["other_charges"]
                    + totals["compensation"],
                    other_charges=totals["other_charges"] + totals["compensation"],
                    currency=stay["currency"],
                    early_departure=early,
                    paid_with_points=points_paid([*stay["payments"], *payments]),
                ),
                **origin(stay),
            )
        )
        crash_point("frontdesk.checkout.after_invoice_number")
        checked_out = await self.repository.update_stay(
            stay["_id"],
            {
                "status": "in_house",
                "charges": {"$size": len(stay["charges"])},
                "payments": {"$size": len(stay["payments"])},
            },
            {
                "$set": {
                    "status": StayStatus.CHECKED_OUT.value,
                    "checked_out_at": now,
                    "actual_departure": actual_departure.isoformat(),
                    "settlement": storable(settlement),
                },
                "$push": {
                    "charges": {"$each": new_charges},
                    "payments": {"$each": payments},
                    **({"release_pending": intent} if intent else {}),
                    **push_outbox(*events),
                },
            },
        )
        if checked_out is None:
            return None
        crash_point("frontdesk.checkout.after_closed")
        if intent:
            released = await complete_release(self.repository, checked_out, intent)
            log.info(
                "early departure: room nights released", stay_id=stay["_id"], released=released
            )
        self.events_written()
        log.info(
            "guest checked out",
            stay_id=stay["_id"],
            balance=str(totals["balance"]),
            invoice_number=number,
        )
        return checked_out

    async def get_stay(self, stay_id: str) -> dict[str, Any]:
        return await stay_or_404(self.repository, stay_id)

    async def _in_house(self, stay_id: str) -> dict[str, Any]:
        return await in_house_stay(
            self.repository, stay_id, closed="is checked out; its folio is closed"
        )


def _aware(moment: datetime) -> datetime:
    """A stored time back from a store that drops the zone: it was UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
