"""Guests: the habits and amenity preferences housekeeping keeps (the newest profile
version), merged ids followed on tasks and occupied rooms, and erasure."""

from __future__ import annotations

from typing import Any

from shared.erasure import scrub_free_text
from shared.idempotency import insert_once

from .store_context import StoreContext
from .task_store import TASK_FREE_TEXT


class GuestHabitStore(StoreContext):
    async def guest(self, guest_id: str) -> dict[str, Any] | None:
        return await self.guests.find_one({"_id": guest_id})

    async def save_guest(self, guest: dict[str, Any]) -> bool:
        """Keeps the highest profile version; an older or equal one changes nothing."""
        if await insert_once(self.guests, guest):
            return True
        result = await self.guests.update_one(
            {"_id": guest["_id"], "version": {"$lt": guest["version"]}}, {"$set": guest}
        )
        return result.modified_count == 1

    async def follow_merge(self, merged: list[str], surviving: str) -> dict[str, int]:
        """Merged-away guest ids become the surviving one on tasks and occupied rooms, so
        the survivor's habits (no service, times, linen) apply to the stay."""
        tasks = await self.tasks.update_many(
            {"property_id": self.property_id, "guest_id": {"$in": merged}},
            {"$set": {"guest_id": surviving}},
        )
        rooms = await self.rooms.update_many(
            {"property_id": self.property_id, "occupant.guest_id": {"$in": merged}},
            {"$set": {"occupant.guest_id": surviving}},
        )
        return {"tasks": tasks.modified_count, "rooms": rooms.modified_count}

    async def erase_guests(self, guest_ids: list[str]) -> dict[str, int]:
        """What housekeeping holds of these guests: their habits, and their id and
        preferences on tasks and rooms."""
        guests = await self.guests.delete_many({"_id": {"$in": guest_ids}})
        # The guest's words first, while the records still name the guest (issue 15).
        mine = {"property_id": self.property_id, "guest_id": {"$in": guest_ids}}
        texts = await scrub_free_text(self.tasks, mine, TASK_FREE_TEXT)
        texts += await scrub_free_text(
            self.maintenance, mine, {"description": ()}, also={"guest_id": None}
        )
        tasks = await self.tasks.update_many(
            {"property_id": self.property_id, "guest_id": {"$in": guest_ids}},
            {"$set": {"guest_id": None, "guest_amenities": []}},
        )
        rooms = await self.rooms.update_many(
            {"property_id": self.property_id, "occupant.guest_id": {"$in": guest_ids}},
            {"$set": {"occupant.guest_id": None}},
        )
        return {
            "guests": guests.deleted_count,
            "tasks": tasks.modified_count,
            "rooms": rooms.modified_count,
            "free_texts": texts,
        }
