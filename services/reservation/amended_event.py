"""reservation.amended: the booking's whole record as it now stands, the changes without
the guests' names (contact data: only that they changed)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from shared.events import Event, FieldChange, ReservationAmended, ReservationAmendedPayload

from .reservation_context import ReservationContext, guest_name_of, request_text


class AmendedEvents(ReservationContext):
    def _amended_event(
        self, new: dict[str, Any], changes: list[dict[str, Any]], reason: str | None = None
    ) -> Event[Any]:
        public_changes = [c for c in changes if c["field"] not in ("guest", "additional_guests")]
        if len(public_changes) < len(changes):  # names are contact data: say only that they changed
            public_changes.append({"field": "guests", "old": None, "new": None})
        return ReservationAmended.new(
            ReservationAmendedPayload(
                reservation_id=new["_id"],
                guest_id=new["guest_id"],
                changes=[FieldChange(**change) for change in public_changes],
                room_type=new["room_type"],
                arrival=new["arrival"],
                departure=new["departure"],
                adults=new["adults"],
                children=new["children"],
                nightly_rates=new["nightly_rates"],
                total_amount=new["total_amount"],
                currency=new["currency"],
                # issue 12: the whole record as it now stands, for the desk's arrivals list
                guest_name=guest_name_of(new),
                room_count=new["room_count"],
                special_requests=[request_text(r) for r in new["special_requests"]],
                rate_plan=new["rate_plan"],
                deposit_paid=Decimal(new.get("deposit_paid", "0")),
                non_refundable=bool(new["terms"]["non_refundable"]),
                amendment_fees=Decimal(new.get("amendment_fees", "0")),
                expected_arrival_time=new.get("expected_arrival_time"),
                expected_departure_time=new.get("expected_departure_time"),
                reason=reason,
            ),
            **self.event_origin(),
        )
