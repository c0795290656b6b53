"""Check-out: the folio settled (late fee, points allowances, payments) and closed with
its events, once; a repeat answers the same settlement; and the check-out a guest asked
for, settled once housekeeping's room check is in."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from shared.crashpoints import crash_point
from shared.errors import Conflict, NotFound
from shared.logging import get_logger

from .check_out_closing import (
    Closing,
    nights_to_charge,
    refund_due,
    refund_line,
    room_charges_to_post,
)
from .domain import CheckOut, StayStatus
from .folio import ChargeCategory, invoice_number, late_checkout_fee, settle
from .folio_context import FolioContext
from .night_release import complete_release, release_intent
from .points_allowances import missing_allowances, settling_allowances
from .records import business_today, charge_line
from .stay_store import stay_from_document

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
        """None when the folio changed since it was read: the caller settles again."""
        closing = await self._closing(stay, request, as_of)
        crash_point("frontdesk.checkout.after_invoice_number")
        read = stay_from_document(stay)
        checked_out = await self.repository.move_stay(
            read, closing.closed(read), closing.guard(), closing.appended()
        )
        if checked_out is None:
            return None
        crash_point("frontdesk.checkout.after_closed")
        if closing.release:
            released = await complete_release(self.repository, checked_out, closing.release)
            log.info(
                "early departure: room nights released", stay_id=stay["_id"], released=released
            )
        self.events_written()
        log.info(
            "guest checked out",
            stay_id=stay["_id"],
            balance=str(closing.totals["balance"]),
            invoice_number=closing.invoice_number,
        )
        return checked_out

    async def _closing(
        self, stay: dict[str, Any], request: CheckOut, as_of: datetime | None
    ) -> Closing:
        """The settlement of the stay as read, its invoice number drawn."""
        now, today = (
            self.clock(),
            await business_today(self.repository, self.clock, self.audit_hour),
        )
        charged, early = nights_to_charge(stay, today)
        new_charges = room_charges_to_post(stay, charged, now)
        fee = Decimal("0") if request.waive_late_fee else self._late_fee(stay, as_of)
        if fee:
            new_charges.append(
                charge_line(
                    "late_checkout", ChargeCategory.LATE_CHECKOUT, fee, "late check-out", now
                )
            )
        # points redeemed whose event raced the check-in: on the folio now (issue 18)
        payments = await self._missing_allowances(stay, now)
        totals = settle([*stay["charges"], *new_charges], [*stay["payments"], *payments])
        refund = refund_due(stay, totals["balance"], payments)
        if refund > 0:
            payments.append(refund_line(stay, refund, now))
        number = invoice_number(
            stay["property_id"], today.year, await self.repository.next_invoice_sequence(today.year)
        )
        nights = sorted(stay["nightly_rates"])
        return Closing(
            stay=stay,
            now=now,
            early=early,
            actual_departure=today if early else date.fromisoformat(stay["departure"]),
            new_charges=new_charges,
            payments=payments,
            totals=totals,
            refund=refund,
            fee=fee,
            invoice_number=number,
            release=(
                release_intent(
                    [date.fromisoformat(n) for n in nights if n >= today.isoformat()], now
                )
                if early
                else None
            ),
        )

    def _late_fee(self, stay: dict[str, Any], as_of: datetime | None) -> Decimal:
        """Reckoned when the guest asked to leave; a member whose tier has late check-out
        pays nothing until the half-day hour."""
        asked_at = _aware(as_of).astimezone(self.clock.tz) if as_of else self.clock.now_local()
        perk = "late_checkout" in stay.get("perks", [])
        return late_checkout_fee(
            asked_at,
            date.fromisoformat(stay["departure"]),
            Decimal(stay["nightly_rates"][max(stay["nightly_rates"])]),
            standard_hour=self.half_day_until_hour if perk else self.standard_checkout_hour,
            half_day_until_hour=self.half_day_until_hour,
        )


def _aware(moment: datetime) -> datetime:
    """A stored time back from a store that drops the zone: it was UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
