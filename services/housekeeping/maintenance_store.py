"""Maintenance requests and out-of-order periods: added once, read, listed, and moved by a
compare-and-set on the state (and a period's revision) they were read in."""

from __future__ import annotations

from typing import Any

from shared.idempotency import insert_once

from .store_context import NO_OUTBOX, StoreContext


class MaintenanceStore(StoreContext):
    async def add_maintenance_once(self, request: dict[str, Any]) -> bool:
        return await insert_once(self.maintenance, request)

    async def maintenance_request(self, request_id: str) -> dict[str, Any] | None:
        return await self.maintenance.find_one(
            {"_id": request_id, "property_id": self.property_id}, NO_OUTBOX
        )

    async def find_maintenance(
        self, filters: dict[str, Any], limit: int = 100, offset: int = 0
    ) -> list[dict[str, Any]]:
        return (
            await self.maintenance.find({"property_id": self.property_id, **filters}, NO_OUTBOX)
            .sort("reported_at", 1)
            .skip(offset)
            .limit(limit)
            .to_list(limit)
        )

    async def move_maintenance(self, request: dict[str, Any], fields: dict[str, Any]) -> bool:
        result = await self.maintenance.update_one(
            {"_id": request["_id"], "status": request["status"]}, {"$set": fields}
        )
        return result.modified_count == 1

    async def add_period(self, period: dict[str, Any]) -> None:
        await self.periods.insert_one(period)

    async def period(self, period_id: str) -> dict[str, Any] | None:
        return await self.periods.find_one(
            {"_id": period_id, "property_id": self.property_id}, NO_OUTBOX
        )

    async def periods_of(self, room_number: str) -> list[dict[str, Any]]:
        return (
            await self.periods.find(
                {"property_id": self.property_id, "room_number": room_number}, NO_OUTBOX
            )
            .sort("start", 1)
            .to_list(None)
        )

    async def periods_in_state(self, state: str) -> list[dict[str, Any]]:
        return (
            await self.periods.find({"property_id": self.property_id, "state": state}, NO_OUTBOX)
            .sort("start", 1)
            .to_list(None)
        )

    async def move_period(
        self,
        period_id: str,
        expected_state: str,
        fields: dict[str, Any],
        push: dict[str, Any] | None = None,
        *,
        revision: int | None = None,
    ) -> bool:
        """`revision`: only if the period is still at that revision (0: never changed)."""
        update: dict[str, Any] = {"$set": fields, **({"$push": push} if push else {})}
        guard: dict[str, Any] = {"_id": period_id, "state": expected_state}
        if revision is not None:
            guard["revision"] = revision if revision else {"$in": [0, None]}
        result = await self.periods.update_one(guard, update)
        return result.modified_count == 1
