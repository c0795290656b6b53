"""Amenity stock: items listed and configured, adjusted once per cause, and taken never
beyond what is on hand."""

from __future__ import annotations

from typing import Any

from pymongo import ReturnDocument

from shared.idempotency import mark_applied, not_yet_applied

from .store_context import StoreContext


class StockStore(StoreContext):
    async def stock_items(self) -> list[dict[str, Any]]:
        return (
            await self.stock.find({"property_id": self.property_id}, {"applied_events": 0})
            .sort("item", 1)
            .to_list(None)
        )

    async def stock_item(self, item: str) -> dict[str, Any] | None:
        return await self.stock.find_one({"_id": self._key(item)}, {"applied_events": 0})

    async def adjust_stock(self, item: str, change: int, guard_id: str) -> dict[str, Any] | None:
        """Adds (or takes, when negative) once per cause; None if already applied."""
        return await self.stock.find_one_and_update(
            {"_id": self._key(item), **not_yet_applied(guard_id)},
            {"$inc": {"on_hand": change}, "$push": mark_applied(guard_id)},
            projection={"applied_events": 0},
            return_document=ReturnDocument.AFTER,
        )

    async def take_stock(self, item: str, wanted: int, guard_id: str) -> dict[str, Any] | None:
        """Takes up to `wanted` units, never more than are on hand, once per cause; the
        units missing are counted in `shortfall`. None if already applied or unknown.
        Compare-and-set on `on_hand`: two finishes at once cannot both take the last one."""
        while True:
            item_doc = await self.stock.find_one(
                {"_id": self._key(item), **not_yet_applied(guard_id)}
            )
            if item_doc is None:
                return None
            on_hand = int(item_doc["on_hand"])
            taken = max(0, min(wanted, on_hand))
            after = await self.stock.find_one_and_update(
                {"_id": self._key(item), "on_hand": on_hand, **not_yet_applied(guard_id)},
                {
                    "$inc": {"on_hand": -taken, "shortfall": wanted - taken},
                    "$push": mark_applied(guard_id),
                },
                projection={"applied_events": 0},
                return_document=ReturnDocument.AFTER,
            )
            if after is not None:
                return after
            # the stock moved between the read and the write: read again

    async def set_stock(self, item: str, fields: dict[str, Any]) -> dict[str, Any]:
        return await self.stock.find_one_and_update(
            {"_id": self._key(item)},
            {
                "$set": fields,
                "$setOnInsert": {
                    "property_id": self.property_id,
                    "item": item,
                    "applied_events": [],
                },
            },
            upsert=True,
            projection={"applied_events": 0},
            return_document=ReturnDocument.AFTER,
        )
