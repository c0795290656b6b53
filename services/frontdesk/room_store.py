"""Rooms: the desk's picture of housekeeping's room status (newest event wins), the
out-of-order periods housekeeping plans for the nights to come, and how often a room of
a type was given outside a booking."""

from __future__ import annotations

import contextlib
from datetime import date
from typing import Any

from pymongo.errors import DuplicateKeyError

from .allocation import Room
from .store_context import StoreContext

ROOM_FIELDS = {"number": 1, "room_type": 1, "floor": 1, "bed": 1, "features": 1, "status": 1}


class RoomStore(StoreContext):
    async def all_rooms(self) -> list[dict[str, Any]]:
        return await self.rooms.find({"property_id": self.property_id}).sort("number").to_list(None)

    async def rooms_of_type(self, room_type: str) -> list[Room]:
        """What allocation needs of each room of one type, in number order: from this
        process's cache while no other writer changed the rooms (room_cache.py)."""
        changes = await self.room_changes()
        cached = self.room_cache.rooms(room_type, changes)
        if cached is not None:
            return cached
        documents = (
            await self.rooms.find(
                {"property_id": self.property_id, "room_type": room_type},
                {**ROOM_FIELDS, "status_at": 1},
            )
            .sort("number")
            .to_list(None)
        )
        return self.room_cache.fill(room_type, changes, documents)

    async def room(self, room_number: str) -> dict[str, Any] | None:
        return await self.rooms.find_one({"_id": self._room_key(room_number)})

    async def apply_room_status(self, room_number: str, status: str, occurred_at: str) -> bool:
        """Newest wins: an event older than the status we hold changes nothing. Counted
        either way, so a repeat of an event whose count a crash lost counts it."""
        result = await self.rooms.update_one(
            {"_id": self._room_key(room_number), "status_at": {"$lt": occurred_at}},
            {"$set": {"status": status, "status_at": occurred_at}},
        )
        applied = result.modified_count == 1
        self.room_cache.written(
            await self.count_room_write(), room_number, status if applied else None, occurred_at
        )
        return applied

    async def record_room_period(
        self,
        period_id: str,
        room_number: str,
        nights: list[str],
        revision: int,
        *,
        cancelled: bool,
    ) -> None:
        """Keeps the newest revision's nights; a cancelled period holds none, for good."""
        key = f"{self.property_id}|{period_id}"
        if cancelled:
            await self.room_periods.update_one(
                {"_id": key},
                {
                    "$set": {"cancelled": True, "nights": [], "room_number": room_number},
                    "$setOnInsert": {"property_id": self.property_id},
                },
                upsert=True,
            )
            return
        with contextlib.suppress(DuplicateKeyError):  # a newer revision is kept
            await self.room_periods.update_one(
                {
                    "_id": key,
                    "cancelled": {"$ne": True},
                    "$or": [{"revision": {"$lte": revision}}, {"revision": {"$exists": False}}],
                },
                {
                    "$set": {
                        "property_id": self.property_id,
                        "room_number": room_number,
                        "nights": nights,
                        "revision": revision,
                    }
                },
                upsert=True,
            )

    async def rooms_out_of_order(self, night: date) -> set[str]:
        """Rooms a period takes on the night."""
        periods = await self.room_periods.find(
            {"property_id": self.property_id, "nights": night.isoformat()}, {"room_number": 1}
        ).to_list(None)
        return {period["room_number"] for period in periods}

    async def promise_version(self, room_type: str) -> int:
        """How often a room of the type was given outside a booking (promises.py)."""
        counter = await self.counters.find_one({"_id": self._promise_key(room_type)})
        return (counter or {}).get("value", 0)

    async def advance_promise_version(self, room_type: str, seen: int) -> bool:
        """Moves the type's version on from `seen`; False when another desk moved it
        since (that desk gave a room meanwhile: what `seen` allowed is stale)."""
        key = self._promise_key(room_type)
        if seen == 0:
            try:
                await self.counters.insert_one({"_id": key, "value": 1})
                return True
            except DuplicateKeyError:
                return False
        advanced = await self.counters.find_one_and_update(
            {"_id": key, "value": seen}, {"$inc": {"value": 1}}
        )
        return advanced is not None

    async def room_changes(self) -> int:
        """How many writes the rooms have had (room_cache.py)."""
        return await self._write_count(self._room_changes_key())

    def _promise_key(self, room_type: str) -> str:
        return f"promises|{self.property_id}|{room_type}"
