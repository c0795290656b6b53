"""Out-of-order periods from housekeeping: one room fewer to sell on their nights.

Each period holds one room of its type on each of its nights under `o_<period id>`,
whatever the capacity (the room is broken whether or not it was sold); a period whose
end moved holds its nights as they now are; a cancelled period gives them back. Repeats
change nothing: holds move to their computed size. The events may arrive in any order:
each carries the period's revision, the highest applied is kept, an older copy changes
nothing, and nothing brings back a cancelled period.
"""

from __future__ import annotations

import contextlib
from typing import Any

from pymongo.errors import DuplicateKeyError

from shared.events import (
    RoomOutOfOrderCancelled,
    RoomOutOfOrderChanged,
    RoomOutOfOrderPayload,
    RoomOutOfOrderScheduled,
)
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
        await self._apply(event.payload, cancelled=False)

    async def changed(self, event: RoomOutOfOrderChanged) -> None:
        await self._apply(event.payload, cancelled=False)

    async def cancelled(self, event: RoomOutOfOrderCancelled) -> None:
        await self._apply(event.payload, cancelled=True)

    async def _apply(self, payload: RoomOutOfOrderPayload, *, cancelled: bool) -> None:
        """Records what the copy says if it is the newest (a conditional write), then
        holds what the record says, until the record read after the holds moved is the
        one they were computed from (copies handled side by side)."""
        period_id = payload.period_id
        if cancelled:
            await self.periods.update_one(
                {"_id": period_id}, {"$set": {"cancelled": True}}, upsert=True
            )
        else:
            # a newer revision is recorded (the upsert finds no match, the key exists):
            # this copy is stale
            with contextlib.suppress(DuplicateKeyError):
                await self.periods.update_one(
                    {
                        "_id": period_id,
                        "$or": [
                            {"revision": {"$lte": payload.revision}},
                            {"revision": {"$exists": False}},
                        ],
                    },
                    {
                        "$set": {
                            "revision": payload.revision,
                            "nights": [night.isoformat() for night in payload.nights],
                        }
                    },
                    upsert=True,
                )
        record = await self.periods.find_one({"_id": period_id})
        while True:
            await self._hold(period_id, payload.room_type, _nights(record))
            again = await self.periods.find_one({"_id": period_id})
            if _nights(again) == _nights(record):
                return
            record = again

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


def _nights(record: dict[str, Any] | None) -> list[str]:
    """The nights a period's record says it holds: none once cancelled."""
    record = record or {}
    return [] if record.get("cancelled") else list(record.get("nights", []))
