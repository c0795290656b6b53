"""Reservation's MongoDB access: property set-up, reservations, blocks, guests, commands.
Nightly inventory lives in inventory.py.

One part per concern (issue 17), on what they share (store_context.py: the collections,
their indexes, the room types and rate plan set up): the property's room types and rate
plans (property_store.py), reservations (reservation_store.py), guest ids, members,
merges and erasure (guest_identity_store.py), blocks (block_store.py) and integrator
commands that wrote no reservation (command_store.py). The booking's document as its
aggregate, and back, is reservation_documents.py.
"""

from __future__ import annotations

import re
from typing import Any

from shared.document_changes import RELAY_FIELDS

from .block_store import BlockStore
from .command_store import CommandStore
from .guest_identity_store import ERASED_GUEST_FIELDS, FREE_TEXT, GuestIdentityStore
from .property_store import PropertyStore
from .reservation_documents import reservation_from_document, reservation_to_document
from .reservation_store import ReservationStore
from .store_context import NO_OUTBOX

__all__ = [
    "ERASED_GUEST_FIELDS",
    "FREE_TEXT",
    "NO_OUTBOX",
    "OUTBOX_COLLECTIONS",
    "RELAY_FIELDS",
    "ReservationRepository",
    "name_pattern",
    "reservation_from_document",
    "reservation_to_document",
]

# Every collection whose documents carry an `outbox` for the relay.
OUTBOX_COLLECTIONS = (
    "reservations",
    "room_types",
    "blocks",
    "reservation_commands",
    "stays",
    "room_periods",
)


class ReservationRepository(
    PropertyStore, ReservationStore, GuestIdentityStore, BlockStore, CommandStore
):
    """Reservation's MongoDB access behind one object: one database and property
    (StoreContext) serve every part."""


def name_pattern(text: str) -> dict[str, Any]:
    return {"$regex": re.escape(text), "$options": "i"}
