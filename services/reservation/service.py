"""Reservation use cases, put together: load, apply the rule, save the state and its
events together. Each group is its own module over the repository: new_bookings.py
(with booking_document.py, the document and events a new booking is recorded with),
amendments.py, closing.py (cancel, no-show), inventory_holds.py (the nights held, their
repair, availability), guest_records.py (merges, erasure), on what they share
(reservation_context.py).

Inventory and the reservation are separate documents, so every use case orders its
writes such that a crash at any point leaves something `repair` can put right: nights
are only ever taken for a recorded reservation (pending first), an amendment takes the
new nights before it gives back the old ones, and a cancelled reservation is marked
`inventory_settled: false` until its nights are back.
"""

from __future__ import annotations

from .amendments import AMENDABLE, Amendments
from .booking_document import RECONFIRM_WITHIN, SEALED_FIELDS, payment_token_binding
from .closing import Closings
from .guest_records import GuestRecords
from .new_bookings import NewBookings
from .reservation_context import (
    PRODUCER,
    AlsoPublish,
    NoAvailability,
    StillInFlight,
    capacity_of,
    outbox_push,
)

__all__ = [
    "AMENDABLE",
    "PRODUCER",
    "RECONFIRM_WITHIN",
    "SEALED_FIELDS",
    "AlsoPublish",
    "NoAvailability",
    "ReservationService",
    "StillInFlight",
    "capacity_of",
    "outbox_push",
    "payment_token_binding",
]


class ReservationService(NewBookings, Amendments, Closings, GuestRecords):
    """The reservation use cases behind one object, for the routes, consumers and jobs:
    one repository, clock, cipher and lease (ReservationContext) serve them all."""
