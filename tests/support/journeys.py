"""Events as the producers would publish them, for tests that drive consumers directly."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

from shared.events import (
    GuestContactCaptured,
    GuestContactPayload,
    StayCheckedOut,
    StayCheckedOutPayload,
)

PROPERTY = "demo-hotel"
ROOMS = ("201", "202", "301", "401", "402", "501", "601", "701", "801", "901")


def checkout(number: int) -> tuple[GuestContactCaptured, StayCheckedOut]:
    """The n-th departing guest: their profile event and their checkout event."""
    guest_id = f"guest-{uuid.uuid4()}"
    nights = 1 + number % 4
    arrival = date(2027, 1, 1) + timedelta(days=number % 200)
    revenue = Decimal("480.50") * nights
    profile = GuestContactCaptured.new(
        GuestContactPayload(
            guest_id=guest_id,
            first_name=f"Guest{number}",
            last_name="Test",
            email=f"guest{number}@example.com",
        ),
        producer="reservation",
        property_id=PROPERTY,
    )
    checked_out = StayCheckedOut.new(
        StayCheckedOutPayload(
            stay_id=f"stay-{uuid.uuid4()}",
            reservation_id=f"res-{number}",
            guest_id=guest_id,
            room_number=ROOMS[number % len(ROOMS)],
            room_type="king",
            arrival=arrival,
            departure=arrival + timedelta(days=nights),
            nights=nights,
            room_revenue=revenue,
            total_spend=revenue,
        ),
        producer="frontdesk",
        property_id=PROPERTY,
    )
    return profile, checked_out


def expected_points(event: StayCheckedOut) -> int:
    return int(event.payload.room_revenue) * 10
