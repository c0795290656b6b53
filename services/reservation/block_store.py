"""Group and corporate blocks: recorded pending once per key, changed by one guarded
write, and found when their release date comes."""

from __future__ import annotations

from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from .store_context import NO_OUTBOX, StoreContext


class BlockStore(StoreContext):
    async def insert_block(self, document: dict[str, Any]) -> bool:
        try:
            await self.blocks.insert_one(document)
        except DuplicateKeyError:
            return False
        return True

    async def block(self, block_id: str) -> dict[str, Any] | None:
        return await self.blocks.find_one(
            {"_id": block_id, "property_id": self.property_id}, NO_OUTBOX
        )

    async def block_by_key(self, key: str) -> dict[str, Any] | None:
        return await self.blocks.find_one({"idempotency_key": key}, NO_OUTBOX)

    async def update_block(
        self, guard: dict[str, Any], update: dict[str, Any]
    ) -> dict[str, Any] | None:
        return await self.blocks.find_one_and_update(
            guard, update, projection=NO_OUTBOX, return_document=ReturnDocument.AFTER
        )

    async def delete_block(self, block_id: str) -> None:
        await self.blocks.delete_one({"_id": block_id, "status": "pending"})

    async def blocks_due(self, today: str, limit: int) -> list[dict[str, Any]]:
        return await self.blocks.find(
            {
                "property_id": self.property_id,
                "status": {"$in": ["open", "releasing"]},
                "release_date": {"$lte": today},
            },
            NO_OUTBOX,
        ).to_list(limit)
