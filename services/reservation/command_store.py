"""Integrator commands that wrote no reservation: recorded once, with their report in
the outbox."""

from __future__ import annotations

from typing import Any

from .store_context import StoreContext


class CommandStore(StoreContext):
    async def record_command(
        self, command_id: str, document: dict[str, Any], outbox: dict[str, Any]
    ) -> None:
        await self.commands.update_one(
            {"_id": command_id},
            {"$setOnInsert": {"property_id": self.property_id, **document}, "$push": outbox},
            upsert=True,
        )
