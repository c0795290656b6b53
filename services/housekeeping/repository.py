"""Housekeeping's MongoDB access: rooms and tasks."""

from __future__ import annotations

from typing import Any

from shared.idempotency import insert_once, mark_applied, not_yet_applied
from shared.property_setup import PropertySetup

OUTBOX_COLLECTIONS = ("rooms", "tasks")


class HousekeepingRepository:
    def __init__(self, database: Any, property_id: str) -> None:
        self.property_id = property_id
        self.rooms = database["rooms"]
        self.tasks = database["tasks"]

    async def prepare(self, setup: PropertySetup) -> None:
        await self.tasks.create_index([("property_id", 1), ("stay_id", 1)])
        await self.tasks.create_index([("property_id", 1), ("status", 1)])
        for room_type in setup.room_types:
            for room in room_type.rooms:
                await self.rooms.update_one(
                    {"_id": self._room_key(room.number)},
                    {"$setOnInsert": {"property_id": self.property_id, "number": room.number,
                                      "room_type": room_type.code, "floor": room.floor,
                                      "status": "vacant_inspected", "applied_events": []}},
                    upsert=True)

    async def room(self, room_number: str) -> dict[str, Any] | None:
        return await self.rooms.find_one({"_id": self._room_key(room_number)}, {"outbox": 0})

    async def set_room_status(self, room_number: str, expected: str, new: str,
                              event_id: str, outbox: dict[str, Any]) -> bool:
        """Compare-and-set on the status, once per causing event, with its event."""
        result = await self.rooms.update_one(
            {"_id": self._room_key(room_number), "status": expected, **not_yet_applied(event_id)},
            {"$set": {"status": new}, "$push": {**outbox, **mark_applied(event_id)}})
        return result.modified_count == 1

    async def mark_event_applied(self, room_number: str, event_id: str) -> None:
        """For an event that needs no status change: remember it was seen."""
        await self.rooms.update_one({"_id": self._room_key(room_number)},
                                    {"$push": mark_applied(event_id)})

    async def add_task_once(self, task: dict[str, Any]) -> bool:
        return await insert_once(self.tasks, task)

    async def find_tasks(self, filters: dict[str, Any], limit: int, offset: int) -> tuple[int, list]:
        query = {"property_id": self.property_id, **filters}
        total = await self.tasks.count_documents(query)
        items = await self.tasks.find(query, {"outbox": 0}).sort("created_at", 1) \
            .skip(offset).limit(limit).to_list(None)
        return total, items

    def _room_key(self, room_number: str) -> str:
        return f"{self.property_id}|{room_number}"
