"""Campaign messages: recorded once per action, listed, cancelled on erasure, and
leased to the sender, released on a failure and finished."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pymongo import ReturnDocument

from shared.idempotency import insert_once

from .store_context import StoreContext


class MessageStore(StoreContext):
    async def record_message(self, message: dict[str, Any]) -> bool:
        return await insert_once(self.messages, message)

    async def messages_of(self, guest_id: str) -> list[dict[str, Any]]:
        return await self.messages.find({"guest_id": guest_id}).sort("created_at", 1).to_list(None)

    async def all_messages(self, limit: int) -> list[dict[str, Any]]:
        return await self.messages.find({}).sort("created_at", 1).to_list(limit)

    async def cancel_messages(self, guest_ids: list[str]) -> None:
        await self.messages.update_many(
            {"guest_id": {"$in": guest_ids}, "status": "queued"}, {"$set": {"status": "cancelled"}}
        )

    async def due_emails(
        self, now: datetime, limit: int, channel: str = "email"
    ) -> list[dict[str, Any]]:
        return (
            await self.messages.find(
                {
                    "status": "queued",
                    "channel": channel,
                    "not_before": {"$not": {"$gt": now}},
                    "lease_until": {"$not": {"$gt": now}},
                }
            )
            .sort("created_at", 1)
            .to_list(limit)
        )

    async def claim_message(
        self, message_id: str, now: datetime, lease: timedelta
    ) -> dict[str, Any] | None:
        return await self.messages.find_one_and_update(
            {"_id": message_id, "status": "queued", "lease_until": {"$not": {"$gt": now}}},
            {"$set": {"lease_until": now + lease}},
            return_document=ReturnDocument.AFTER,
        )

    async def release_message(self, message_id: str, not_before: datetime, *, error: str) -> None:
        await self.messages.update_one(
            {"_id": message_id},
            {
                "$set": {"lease_until": None, "not_before": not_before, "last_error": error},
                "$inc": {"failures": 1},
            },
        )

    async def finish_message(self, message_id: str, status: str, **fields: Any) -> None:
        await self.messages.update_one(
            {"_id": message_id}, {"$set": {"status": status, "lease_until": None, **fields}}
        )
