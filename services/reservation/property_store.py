"""The property's set-up as staff keep it: room types and rate plans, one document each
under the property's key."""

from __future__ import annotations

from typing import Any

from pymongo import ReturnDocument

from .store_context import NO_OUTBOX, StoreContext


class PropertyStore(StoreContext):
    async def room_type(self, code: str) -> dict[str, Any] | None:
        return await self.room_types.find_one({"_id": self._key(code)}, NO_OUTBOX)

    async def all_room_types(self) -> list[dict[str, Any]]:
        return (
            await self.room_types.find({"property_id": self.property_id}, NO_OUTBOX)
            .sort("code")
            .to_list(None)
        )

    async def save_room_type(
        self, code: str, fields: dict[str, Any], outbox: dict[str, Any]
    ) -> dict[str, Any]:
        return await self.room_types.find_one_and_update(
            {"_id": self._key(code)},
            {"$set": {"property_id": self.property_id, "code": code, **fields}, "$push": outbox},
            upsert=True,
            projection=NO_OUTBOX,
            return_document=ReturnDocument.AFTER,
        )

    async def rate_plan(self, code: str) -> dict[str, Any] | None:
        return await self.rate_plans.find_one({"_id": self._key(code)})

    async def all_rate_plans(self) -> list[dict[str, Any]]:
        return (
            await self.rate_plans.find({"property_id": self.property_id}).sort("code").to_list(None)
        )

    async def save_rate_plan(self, code: str, fields: dict[str, Any]) -> dict[str, Any]:
        return await self.rate_plans.find_one_and_update(
            {"_id": self._key(code)},
            {"$set": {"property_id": self.property_id, "code": code, **fields}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
