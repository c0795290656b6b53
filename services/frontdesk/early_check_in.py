"""An early check-in: the guest arrives up to MAX_EARLY_NIGHTS days before the booked
arrival date, and those nights are added to the stay at the rack rate, in the same room.
Without it a guest checks in on the arrival date only."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from shared.errors import Conflict, Unprocessable

from .domain import nights_between

MAX_EARLY_NIGHTS = 2


def early_nights(arrival: dict[str, Any], early_check_in: bool, today: date) -> list[date]:
    """The nights an early check-in adds before the booked arrival; none for a guest
    arriving on the date, and a refusal for one arriving early without asking for it."""
    booked = date.fromisoformat(arrival["arrival"])
    if not early_check_in:
        if booked > today:
            raise Conflict(
                f"reservation {arrival['_id']!r} arrives on {booked.isoformat()}; the "
                f"business date is {today.isoformat()}. A guest checks in on the arrival "
                "date (before the standard hour is an early check-in); arriving days "
                "early is an early_check_in with those nights charged, or an amendment",
                arrival=booked.isoformat(),
                business_date=today.isoformat(),
            )
        return []
    early = nights_between(today, booked)
    if not early:
        raise Unprocessable(
            "an early check-in is for a guest arriving before the "
            f"booked arrival date ({booked.isoformat()})"
        )
    if len(early) > MAX_EARLY_NIGHTS:
        raise Unprocessable(
            f"an early check-in adds at most {MAX_EARLY_NIGHTS} nights; "
            "amend the reservation instead"
        )
    return early


def with_early_nights(
    arrival: dict[str, Any], early: list[date], rack_rate: Decimal
) -> dict[str, Any]:
    """The arrival as the stay opens it: from the first early night, those nights at the
    rack rate before the booked ones."""
    rate = str(rack_rate)
    return {
        **arrival,
        "arrival": early[0].isoformat(),
        "nightly_rates": {
            **{night.isoformat(): rate for night in early},
            **arrival["nightly_rates"],
        },
    }
