"""The guest's reservations as loyalty knows them (reservation.created), and what a
cancelled or unusable booking takes back: the points it earned, and the points redeemed
for it, returned once."""

from __future__ import annotations

from typing import Any

from shared.events import Event, ReservationCancelled, ReservationCreated

from . import ledger
from .domain import reservation_actions
from .guests import Change
from .loyalty_context import LoyaltyContext


class ReservationRecords(LoyaltyContext):
    async def record_reservation(self, event: ReservationCreated) -> None:
        booking = event.payload
        booked_on = self.business_dates.at(event.occurred_at)

        def decide(guest: dict[str, Any]) -> Change | None:
            if any(
                r["reservation_id"] == booking.reservation_id for r in guest.get("reservations", [])
            ):
                return None
            reservation = {
                "reservation_id": booking.reservation_id,
                "status": booking.status,
                "property_id": event.property_id,
                "room_type": booking.room_type,
                "arrival": booking.arrival.isoformat(),
                "departure": booking.departure.isoformat(),
                "adults": booking.adults,
                "children": booking.children,
                "channel": booking.channel,
                "special_requests": list(booking.special_requests),
                "total_amount": str(booking.total_amount),
                # the hotel's business date then, not the UTC date (the offer's window
                # is in business dates)
                "booked_on": booked_on.isoformat(),
            }
            return Change(
                pushes={"reservations": [reservation]},
                messages=reservation_actions(guest, reservation),
                # A guest first seen in a booking is published with the guest's contact,
                # which every booking carries beside it (reservation's booking_document
                # `_created_events`): the booking alone made a profile of nothing but
                # an id, sent to four departments and sent again a moment later.
                publish_profile=bool(guest.get("profile_published")),
            )

        await self.store.change(booking.guest_id, decide, cause=event, create=True)

    async def cancel_reservation(self, event: ReservationCancelled) -> None:
        """A cancelled (refunded) reservation takes back the points it earned."""
        cancelled = event.payload
        now = self.clock()
        year = (await self.business_dates.today()).year

        def decide(guest: dict[str, Any]) -> Change | None:
            reservations = [
                {**r, "status": "cancelled"}
                if r["reservation_id"] == cancelled.reservation_id
                else r
                for r in guest.get("reservations", [])
            ]
            change = Change(sets={"reservations": reservations})
            movements = [
                ledger.reversal(guest, entry_id, "reservation cancelled", now, year)
                for entry_id in ledger.reversible_entries_of_reservation(
                    guest, cancelled.reservation_id
                )
            ] + [  # points redeemed for it come back, once (issue 18)
                ledger.redemption_return(guest, entry_id, "reservation cancelled", now)
                for entry_id in ledger.redemptions_of_reservation(guest, cancelled.reservation_id)
            ]
            return self.store.postings(guest, movements, event, change) or change

        await self.store.change(cancelled.guest_id, decide, cause=event, create=True)

    async def return_redemptions(
        self,
        event: Event[Any],
        guest_id: str,
        reservation_id: str,
        reason: str,
        only: str | None = None,
    ) -> None:
        """Gives back, once, the points redeemed for a booking that cannot use them: it
        was walked, or reservation refused the redemption (`only` that one)."""
        now = self.clock()

        def decide(guest: dict[str, Any]) -> Change | None:
            movements = [
                ledger.redemption_return(guest, entry_id, reason, now)
                for entry_id in ledger.redemptions_of_reservation(guest, reservation_id)
                if only is None or entry_id == only
            ]
            return self.store.postings(guest, movements, event)

        await self.store.change(guest_id, decide, cause=event, create=True)
