"""What the day's work leaves on record: the departure room checks (once per stay) and the
daily plans."""

from __future__ import annotations

from typing import Any

from shared.idempotency import insert_once

from .store_context import StoreContext


class WorkRecordStore(StoreContext):
    async def add_room_check_once(self, check: dict[str, Any]) -> bool:
        return await insert_once(self.room_checks, check)

    async def plan(self, day: str) -> dict[str, Any] | None:
        return await self.plans.find_one({"_id": self._key(day)})

    async def save_plan(self, day: str, plan: dict[str, Any]) -> None:
        await self.plans.update_one(
            {"_id": self._key(day)},
            {"$set": {"property_id": self.property_id, "day": day, **plan}},
            upsert=True,
        )
