"""Survey designs: versioned, a survey keeps the version it was made with."""

from __future__ import annotations

from typing import Any

from shared.idempotency import insert_once

from .store_context import StoreContext


class DesignStore(StoreContext):
    async def latest_design(self, property_id: str) -> dict[str, Any] | None:
        found = (
            await self.designs.find({"property_id": property_id})
            .sort("version", -1)
            .limit(1)
            .to_list(1)
        )
        return found[0] if found else None

    async def design(self, property_id: str, version: int) -> dict[str, Any] | None:
        return await self.designs.find_one({"property_id": property_id, "version": version})

    async def add_design_once(self, design: dict[str, Any]) -> bool:
        return await insert_once(self.designs, design)

    async def find_designs(self, property_id: str) -> list[dict[str, Any]]:
        return (
            await self.designs.find({"property_id": property_id}).sort("version", 1).to_list(None)
        )
