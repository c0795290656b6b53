"""Front desk use cases, put together. Each group is its own module over the repository:
room allocation (room_assignment.py), assignment ahead of arrival (arrival_assignment.py),
the room notice (room_notices.py), check-in (check_in.py, the room it gives
check_in_room.py), walk-ins (walk_in.py), moves and extensions (stay_changes.py),
requests and complaints
(stay_requests.py), the desk's lists (desk_lists.py), on what they share
(desk_context.py). Each loads, applies the pure rules (allocation.py, identity.py) and
saves the state with its events in one document write. The folio and check-out are
folio_service.py, a shortening shortening.py."""

from __future__ import annotations

from .arrival_assignment import ArrivalAssignment
from .check_in import MAX_EARLY_NIGHTS, CheckIns, room_share
from .desk_context import DocumentInvalid, NoRoomFree, keyed_id
from .desk_lists import DeskLists
from .room_notices import RoomNotices
from .stay_changes import StayChanges
from .stay_requests import StayRequests
from .walk_in import WalkIns

__all__ = [
    "MAX_EARLY_NIGHTS",
    "DocumentInvalid",
    "FrontDeskService",
    "NoRoomFree",
    "keyed_id",
    "room_share",
]


class FrontDeskService(
    CheckIns, WalkIns, StayChanges, ArrivalAssignment, RoomNotices, StayRequests, DeskLists
):
    """The desk's use cases behind one object, for the routes, consumers and jobs that
    take the desk: one repository, setup, cipher and clock (DeskContext) serve them all."""
