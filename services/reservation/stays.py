"""The reservation follows its stay, and inventory follows every stay.

What the front desk does changes what the hotel can sell: a walk-in, an early arrival or
an extension occupies nights no booking holds, an early departure gives nights back.
Each stay is recorded here from its events (`stays`), and holds, under its own holder
`s_<stay id>`, the nights of its room type that its booking does not already hold. Those
holds are taken whatever the capacity (the guest is in the room: the desk, not this
service, decides whether a room may be given); the desk refuses what would take a room
promised to a booking, so `sold` stays within the sellable rooms.

A stay that goes to a room of another type (a move, or a VIP upgrade at check-in) or is
shortened is handed its own holds from that night (stay_nights.py): the booking gives
that room's nights back from then (domain.expected_holds) and the stay holds the nights
it occupies in the type it occupies, so what is sold by type is what the desk has given.

A booking's status follows its stays: in_house at the first check-in, checked_out when
none of its stays is in house any more (its nights after the last departure go back).
Repeated events change nothing: holds move to their computed size, statuses are guarded,
a departure change older than one applied (its `revision`) is ignored.

Each use case is its own module (issue 17): check-ins (stay_arrivals.py), extensions
and shortenings (stay_departure_changes.py), room moves (stay_room_moves.py), check-outs
(stay_departures.py) and the night audit's closed days (business_days.py), on what they
share (stay_context.py: recording a stay, its holds, a booking's room handed over and
its inventory settled again).
"""

from __future__ import annotations

from .business_days import BusinessDays
from .stay_arrivals import StayArrivals
from .stay_context import UNBOUNDED, WALK_IN_PREFIX, booking_of, stay_holder
from .stay_departure_changes import StayDepartureChanges
from .stay_departures import StayDepartures
from .stay_room_moves import StayRoomMoves

__all__ = ["UNBOUNDED", "WALK_IN_PREFIX", "StayFollower", "booking_of", "stay_holder"]


class StayFollower(StayArrivals, StayDepartureChanges, StayRoomMoves, StayDepartures, BusinessDays):
    """The stay events' use cases behind one object, for the consumers: one reservation
    service, stays collection and assignment follower (StayContext) serve them all."""
