"""The price of an amended stay under the booking's own terms: its rate plan's prices
(at the member rate if booked at it), cancellation deadline and amendment fee, and the
deposit it needs, what it needs beyond what was paid charged to the booking's
guarantee."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from shared.errors import Conflict

from .domain import total_of
from .policies import amendment_fee, cancellation_deadline, deposit_due, price_stay
from .reservation_context import ReservationContext


class AmendmentPricing(ReservationContext):
    async def _reprice(
        self,
        current: dict[str, Any],
        new: dict[str, Any],
        room_type: dict[str, Any],
        arrival: date,
        departure: date,
    ) -> None:
        """The amended stay priced by the booking's rate plan, with its cancellation
        deadline, the amendment's fee and the deposit it needs set on `new`."""
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
