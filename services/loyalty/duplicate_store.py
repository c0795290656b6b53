"""The review list of possible duplicates (issue 15): one entry per pair, its evidence
gathered, closed once by a manager's decision, dropped on erasure."""

from __future__ import annotations

from typing import Any

from pymongo import ReturnDocument

from .store_context import StoreContext


class DuplicateStore(StoreContext):
    async def note_duplicate(self, entry: dict[str, Any]) -> None:
        """Records the pair once; a later match on the pair adds its evidence."""
        await self.duplicates.update_one(
            {"_id": entry["_id"]},
            {
                "$setOnInsert": {k: v for k, v in entry.items() if k != "matched_on"},
                "$addToSet": {"matched_on": {"$each": entry["matched_on"]}},
            },
            upsert=True,
        )

    async def duplicate(self, entry_id: str) -> dict[str, Any] | None:
        return await self.duplicates.find_one({"_id": entry_id})

    async def duplicates_with(self, status: str, limit: int) -> list[dict[str, Any]]:
        return await self.duplicates.find({"status": status}).sort("found_at", 1).to_list(limit)

    async def decide_duplicate(self, entry_id: str, sets: dict[str, Any]) -> dict[str, Any] | None:
        """Closes an open entry; None when it was decided already (by someone else)."""
        return await self.duplicates.find_one_and_update(
            {"_id": entry_id, "status": "open"},
            {"$set": sets},
            return_document=ReturnDocument.AFTER,
        )

    async def drop_duplicates_of(self, guest_ids: list[str]) -> int:
        """Erasure: the entries name the guest and hold their (masked) evidence."""
        result = await self.duplicates.delete_many({"guest_ids": {"$in": guest_ids}})
        return result.deleted_count
