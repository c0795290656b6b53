"""A walk-in's guest profile (issue 12: walk-ins never reached the guest profiles).

A walk-in has no booking, so no guest.contact_captured: the desk publishes the contact
from the registration in the guest-profile event guest.walk_in_registered (the only kind
of event that may carry contact details; never the ID document). Loyalty creates the
profile, or matches it to the guest's existing one and merges, which the desk follows.
"""

from __future__ import annotations

from typing import Any

from shared.events import Event, GuestContactPayload, GuestWalkInRegistered

from .domain import RegistrationCreate
from .records import origin


def walk_in_profile_event(stay: dict[str, Any], registration: RegistrationCreate) -> Event[Any]:
    return GuestWalkInRegistered.new(
        GuestContactPayload(
            guest_id=stay["guest_id"],
            first_name=registration.first_name,
            last_name=registration.last_name,
            email=registration.email,
            phone=registration.phone,
        ),
        **origin(stay),
    )
