"""Nightly inventory: one document per room type and night, holding who holds its rooms.

`sold` is the sum of `holds` ({holder: rooms}), and every change of a hold moves `sold`
in the same conditional update, so the database settles concurrent bookings: the guard
`sold <= capacity - rooms` lets exactly as many through as there are rooms. Each
operation is guarded by the hold's current size, so repeating one changes nothing.
"""

from __future__ import annotations

import contextlib
from typing import Any

from pymongo.errors import DuplicateKeyError

from .domain import HoldKey


class Inventory:
    """A conditional update of a night is asked only whether it applied: `_applied` (an
    update_one's match), not a find_one_and_update, whose answer is a document, read
    before the write as a second lookup on the embedded store (issue 14)."""

    def __init__(self, database: Any, property_id: str) -> None:
        self.property_id = property_id
        self.nights = database["inventory"]

    async def prepare(self) -> None:
        await self.nights.create_index([("property_id", 1), ("room_type", 1), ("night", 1)])

    def key(self, room_type: str, night: str) -> str:
        return f"{self.property_id}|{room_type}|{night}"

    async def _ensure(self, room_type: str, night: str) -> str:
        key = self.key(room_type, night)
        # two first bookings of the night raced: the other upsert made it, it exists now
        with contextlib.suppress(DuplicateKeyError):
            await self.nights.update_one(
                {"_id": key},
                {
                    "$setOnInsert": {
                        "property_id": self.property_id,
                        "room_type": room_type,
                        "night": night,
                        "sold": 0,
                        "holds": {},
                    }
                },
                upsert=True,
            )
        return key

    async def _applied(self, guard: dict[str, Any], update: dict[str, Any]) -> bool:
        return (await self.nights.update_one(guard, update)).matched_count == 1

    async def held(self, room_type: str, night: str, holder: str) -> int:
        document = await self.nights.find_one({"_id": self.key(room_type, night)})
        return ((document or {}).get("holds") or {}).get(holder, 0)

    async def resize(
        self, key: HoldKey, holder: str, before: int, after: int, capacity: int
    ) -> bool:
        """Moves `holder`'s hold on one night from `before` to `after` rooms. Growing is
        refused when the night would pass `capacity`; shrinking always succeeds. True when
        the hold now has the asked size (also when an earlier attempt already did it)."""
        if before == after:
            return True
        room_type, night = key
        document_id = self.key(room_type, night)
        field = f"holds.{holder}"
        guard: dict[str, Any] = {
            "_id": document_id,
            field: before if before else {"$exists": False},
        }
        growth = after - before
        if growth > 0:
            guard["sold"] = {"$lte": capacity - growth}
        update: dict[str, Any] = {"$inc": {"sold": growth}}
        update["$set" if after else "$unset"] = {field: after if after else ""}
        if await self._applied(guard, update):
            return True
        # Refused: the night is full, the hold is not `before`, or the night had no
        # document when the update looked (a first booking of the night). Only then is the
        # upsert needed, so a booking of a night that exists makes one write, not two
        # (issue 14). Whether a document is there now says nothing about when the update
        # looked (a concurrent first booking may have made it since): make sure it exists
        # and let the guard decide again.
        await self._ensure(room_type, night)
        if await self._applied(guard, update):
            return True
        return await self.held(room_type, night, holder) == after

    async def release(self, key: HoldKey, holder: str) -> None:
        """Drops whatever `holder` holds on the night (a block's emptied hold too)."""
        document_id = self.key(*key)
        field = f"holds.{holder}"
        while True:
            document = await self.nights.find_one({"_id": document_id})
            held = (document or {}).get("holds") or {}
            if holder not in held:
                return
            if await self._applied(
                {"_id": document_id, field: held[holder]},
                {"$unset": {field: ""}, "$inc": {"sold": -held[holder]}},
            ):
                return

    async def pick_from_block(self, key: HoldKey, block: str, holder: str, rooms: int) -> bool:
        """Moves rooms from a block's allotment to a reservation: `sold` does not change,
        the rooms only change holder."""
        document_id = self.key(*key)
        moved = await self._applied(
            {
                "_id": document_id,
                f"holds.{block}": {"$gte": rooms},
                f"holds.{holder}": {"$exists": False},
            },
            {"$inc": {f"holds.{block}": -rooms}, "$set": {f"holds.{holder}": rooms}},
        )
        return moved or await self.held(*key, holder) == rooms

    async def return_to_block(self, key: HoldKey, block: str, holder: str) -> bool:
        """Gives a cancelled pick-up back to its block while the block still holds the
        night; False when the block was released (the caller releases instead)."""
        rooms = await self.held(*key, holder)
        if not rooms:
            return True
        return await self._applied(
            {"_id": self.key(*key), f"holds.{holder}": rooms, f"holds.{block}": {"$exists": True}},
            {"$unset": {f"holds.{holder}": ""}, "$inc": {f"holds.{block}": rooms}},
        )

    async def holds_of(self, holder: str) -> dict[HoldKey, int]:
        """What `holder` holds right now, night by night."""
        documents = await self.nights.find(
            {"property_id": self.property_id, f"holds.{holder}": {"$exists": True}}
        ).to_list(None)
        return {(doc["room_type"], doc["night"]): doc["holds"][holder] for doc in documents}

    async def sold(self, room_type: str | None, nights: list[str]) -> dict[HoldKey, int]:
        query: dict[str, Any] = {"property_id": self.property_id, "night": {"$in": nights}}
        if room_type:
            query["room_type"] = room_type
        documents = await self.nights.find(query, {"holds": 0}).to_list(None)
        return {(doc["room_type"], doc["night"]): doc["sold"] for doc in documents}

    async def documents(self, first_night: str, last_night: str) -> list[dict[str, Any]]:
        return await self.nights.find(
            {"property_id": self.property_id, "night": {"$gte": first_night, "$lte": last_night}}
        ).to_list(None)
