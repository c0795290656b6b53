"""Match keys: keyed hashes of e-mail, phone and member number -> guest id; the first
guest to claim a key owns it (unique `_id`)."""

from __future__ import annotations

from shared.idempotency import insert_once

from .store_context import StoreContext


class MatchKeyStore(StoreContext):
    async def claim_match_key(self, key: str, guest_id: str) -> str:
        """Claims the key for the guest; returns the guest id that owns it."""
        await insert_once(self.match_keys, {"_id": key, "guest_id": guest_id})
        owner = await self.match_keys.find_one({"_id": key})
        return owner["guest_id"]

    async def owner_of(self, key: str) -> str | None:
        found = await self.match_keys.find_one({"_id": key})
        return found["guest_id"] if found else None

    async def move_match_keys(self, from_ids: list[str], to_id: str) -> None:
        await self.match_keys.update_many(
            {"guest_id": {"$in": from_ids}}, {"$set": {"guest_id": to_id}}
        )

    async def drop_match_keys(self, guest_ids: list[str]) -> int:
        result = await self.match_keys.delete_many({"guest_id": {"$in": guest_ids}})
        return result.deleted_count
