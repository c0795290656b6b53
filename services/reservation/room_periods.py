"""Out-of-order periods from housekeeping: one room fewer to sell on their nights.

Each period holds one room of its type on each of its nights under `o_<period id>`,
whatever the capacity (the room is broken whether or not it was sold); a cancelled
period gives them back, a changed one (ended early, extended) holds its new nights.
Repeats change nothing: holds move to their computed size.
"""

from __future__ import annotations

from typing import Any

from shared.events import RoomOutOfOrderCancelled, RoomOutOfOrderChanged, RoomOutOfOrderScheduled
from shared.logging import get_logger

from .service import ReservationService
from .stays import UNBOUNDED

log = get_logger(__name__)


def period_holder(period_id: str) -> str:
    return f"o_{period_id}"


class RoomPeriods:
    def __init__(self, reservations: ReservationService, database: Any) -> None:
        self.reservations = reservations
        self.inventory = reservations.inventory
        self.periods = database["room_periods"]

    async def scheduled(self, event: RoomOutOfOrderScheduled) -> None:
        payload = event.payload
        await self._hold(
            payload.period_id, payload.room_type, [night.isoformat() for night in payload.nights]
        )

    async def changed(self, event: RoomOutOfOrderChanged) -> None:
        # Same as scheduled: the holds move to the period's nights as they are now (one
        # period's events leave its document's outbox in order).
        payload = event.payload
        await self._hold(
            payload.period_id, payload.room_type, [night.isoformat() for night in payload.nights]
        )

    async def cancelled(self, event: RoomOutOfOrderCancelled) -> None:
        await self._hold(event.payload.period_id, event.payload.room_type, [])

    async def _hold(self, period_id: str, room_type: str, nights: list[str]) -> None:
        holder = period_holder(period_id)
        held = await self.inventory.holds_of(holder)
        want = {(room_type, night): 1 for night in nights}
        touched = []
        for key in sorted(held.keys() | want.keys()):
            if held.get(key, 0) != want.get(key, 0):
                await self.inventory.resize(
                    key, holder, held.get(key, 0), want.get(key, 0), UNBOUNDED
                )
                touched.append(key)
        if touched:  # the nights' availability, from the period's own outbox
            await self.periods.update_one(
                {"_id": period_id},
                {
                    "$push": {
                        "outbox": {"$each": await self.reservations.availability_entries(touched)}
                    }
                },
                upsert=True,
            )
            self.reservations.events_written()
        log.info("out-of-order period applied", period_id=period_id, nights=len(nights))
