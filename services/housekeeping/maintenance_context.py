"""What the maintenance use cases stand on: the repository, the room keeper, the clock and
the wake-up of the relay. The requests (maintenance_requests.py) and the out-of-order
periods (room_periods.py, period_transitions.py) subclass it; maintenance.py puts them
together."""

from __future__ import annotations

from collections.abc import Callable

from shared.clock import Clock

from .repository import HousekeepingRepository
from .rooms import RoomKeeper


class MaintenanceContext:
    def __init__(
        self,
        repository: HousekeepingRepository,
        rooms: RoomKeeper,
        *,
        clock: Clock,
        events_written: Callable[[], None],
    ) -> None:
        self.repository = repository
        self.rooms = rooms
        self.clock = clock
        self.events_written = events_written
