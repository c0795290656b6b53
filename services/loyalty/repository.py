"""Loyalty's MongoDB access: the ledger."""

from __future__ import annotations

from typing import Any

from shared.idempotency import insert_once

OUTBOX_COLLECTIONS = ("ledger",)


class LoyaltyRepository:
    def __init__(self, database: Any) -> None:
        self.ledger = database["ledger"]

    async def prepare(self) -> None:
        await self.ledger.create_index([("guest_id", 1), ("created_at", 1)])

    async def add_entry_once(self, entry: dict[str, Any]) -> bool:
        return await insert_once(self.ledger, entry)

    async def entries_of(self, guest_id: str) -> list[dict[str, Any]]:
        return await self.ledger.find({"guest_id": guest_id}, {"outbox": 0}) \
            .sort("created_at", 1).to_list(None)

