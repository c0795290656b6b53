"""Out-of-order periods that change room status by themselves.

A period is stored with its start and end; `RoomPeriodWorker` (workers.py) applies whichever
transitions are due by the injected clock. Each transition is guarded on the room by
`period|<id>|start` / `period|<id>|end`, and the period's state moves after the room, so
a pass cut off between the two (a crash, a restart) is finished by the next pass without
changing the room twice. A service down for the whole period applies both on its return.
"""

from __future__ import annotations

from typing import Any

from shared.logging import get_logger

from .domain import PeriodStart, RoomChange, RoomStatus, status_after_period_ends
from .maintenance_context import MaintenanceContext
from .rooms import from_request

log = get_logger(__name__)


class PeriodTransitions(MaintenanceContext):
    async def apply_due_periods(self) -> int:
        """Starts and ends the periods whose time has come; returns transitions made."""
        now = self.clock()
        done = 0
        for period in await self.repository.periods_in_state("scheduled"):
            if period["start"] <= now:
                await self._start(period)
                done += 1
        for period in await self.repository.periods_in_state("active"):
            if period["end"] <= now:
                await self._end(period)
                done += 1
        return done

    async def _start(self, period: dict[str, Any]) -> None:
        target = RoomStatus(period["kind"])
        before: dict[str, Any] = {}

        def take_out(room: dict[str, Any]) -> RoomChange:
            before["status"] = room["status"]
            return RoomChange(
                target,
                f"{period['kind'].replace('_', ' ')}: {period['reason']}",
                period_started=PeriodStart(period["_id"], RoomStatus(room["status"])),
            )

        origin = from_request(period["property_id"])
        await self.rooms.change(
            period["room_number"], f"period|{period['_id']}|start", take_out, origin
        )
        room = await self.rooms.room(period["room_number"])
        await self.repository.move_period(
            period["_id"],
            "scheduled",
            {
                "state": "active",
                "started_at": self.clock(),
                "status_before": before.get("status") or room.get("status_before_period"),
            },
        )
        log.info("room period started", room_number=period["room_number"], kind=period["kind"])

    async def _end(self, period: dict[str, Any]) -> None:
        back = RoomStatus(
            period["return_status"] or period["status_before"] or RoomStatus.VACANT_DIRTY
        )

        def bring_back(room: dict[str, Any]) -> RoomChange:
            return RoomChange(
                status_after_period_ends(
                    RoomStatus(room["status"]), back, occupied=bool(room.get("occupant"))
                ),
                f"{period['kind'].replace('_', ' ')} ended",
                period_ended=True,
            )

        await self.rooms.change(
            period["room_number"],
            f"period|{period['_id']}|end",
            bring_back,
            from_request(period["property_id"]),
        )
        await self.repository.move_period(
            period["_id"], "active", {"state": "ended", "ended_at": self.clock()}
        )
        log.info("room period ended", room_number=period["room_number"], back_to=back)
