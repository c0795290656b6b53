"""Front desk's MongoDB access: arrivals, rooms, room nights, stays and guest profiles.

Every collection is this service's own projection or aggregate; nothing here reads
another service's data. One room per night is the unique `_id` of a room night.

One part per concern (issue 17), on what they share (store_context.py: the
collections, their indexes, the rooms set up): arrivals (arrival_store.py), rooms,
their out-of-order periods and promise versions (room_store.py), room nights
(room_night_store.py), stays (stay_store.py), guest profiles (guest_profile_store.py)
and the night audit's counters and business date (business_day_store.py).
"""

from __future__ import annotations

from .arrival_store import ArrivalStore
from .business_day_store import BusinessDayStore
from .guest_profile_store import GuestProfileStore
from .room_night_store import RoomNightStore
from .room_store import ROOM_FIELDS, RoomStore
from .stay_store import StayStore
from .store_context import NO_OUTBOX

__all__ = ["NO_OUTBOX", "OUTBOX_COLLECTIONS", "ROOM_FIELDS", "FrontDeskRepository"]

OUTBOX_COLLECTIONS = ("stays", "arrivals", "business_days")


class FrontDeskRepository(
    ArrivalStore, RoomStore, RoomNightStore, StayStore, GuestProfileStore, BusinessDayStore
):
    """Front desk's MongoDB access behind one object: one database and property
    (StoreContext) serve every part."""
