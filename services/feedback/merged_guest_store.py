"""Guests merged or erased: merged-away ids filed under the survivor, records repointed,
and a guest's documents read and changed field by field for erasure."""

from __future__ import annotations

from typing import Any

from .store_context import HIDDEN, StoreContext


class MergedGuestStore(StoreContext):
    async def remember_merge(self, old_ids: list[str], surviving_id: str) -> None:
        """Events that still name a merged-away id (a checkout published before the merge
        reached the desk) are filed under the survivor."""
        for old_id in old_ids:
            await self.merged_ids.update_one(
                {"_id": old_id}, {"$set": {"surviving_guest_id": surviving_id}}, upsert=True
            )
        # whoever was merged into an old id now belongs to the new survivor
        await self.merged_ids.update_many(
            {"surviving_guest_id": {"$in": old_ids}}, {"$set": {"surviving_guest_id": surviving_id}}
        )

    async def current_guest_id(self, guest_id: str) -> str:
        merged = await self.merged_ids.find_one({"_id": guest_id})
        return merged["surviving_guest_id"] if merged else guest_id

    async def repoint_guest(self, old_ids: list[str], surviving_id: str) -> None:
        for collection in (self.surveys, self.cases, self.stays):
            await collection.update_many(
                {"guest_id": {"$in": old_ids}}, {"$set": {"guest_id": surviving_id}}
            )

    async def documents_of(self, collection: str, guest_ids: list[str]) -> list[dict]:
        return (
            await getattr(self, collection)
            .find({"guest_id": {"$in": guest_ids}}, HIDDEN)
            .to_list(None)
        )

    async def replace_fields(
        self, collection: str, document_id: str, changes: dict[str, Any]
    ) -> None:
        await getattr(self, collection).update_one({"_id": document_id}, {"$set": changes})
