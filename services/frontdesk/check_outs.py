"""Check-out: the folio settled (late fee, points allowances, payments) and closed with
its events, once; a repeat answers the same settlement; and the check-out a guest asked
for, settled once housekeeping's room check is in."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from shared.crashpoints import crash_point
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

from .domain import CheckOut, StayStatus
from .folio import (
    ChargeCategory,
    PaymentKind,
    cents,
    invoice_number,
    late_checkout_fee,
    room_charge_id,
    settle,
)
from .folio_context import FolioContext
from .night_release import complete_release, release_intent
from .points_allowances import missing_allowances, money_paid, points_paid, settling_allowances
from .records import (
    business_today,
    charge_event,
    charge_line,
    origin,
    payment_event,
    payment_line,
    stay_ref,
    storable,
)

log = get_logger(__name__)


class CheckOuts(FolioContext):
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


def _aware(moment: datetime) -> datetime:
    """A stored time back from a store that drops the zone: it was UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
