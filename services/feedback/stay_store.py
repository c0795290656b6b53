"""Stays: who is in house (a complaint from an in-house guest alerts the desk), a
checkout that came first winning."""

from __future__ import annotations

import contextlib
from typing import Any

from pymongo.errors import DuplicateKeyError

from .store_context import StoreContext


class StayStore(StoreContext):
    async def stay_checked_in(self, stay_id: str, guest_id: str, room_number: str) -> None:
        # a checkout that came first wins: the guest has left (the upsert then collides)
        with contextlib.suppress(DuplicateKeyError):
            await self.stays.update_one(
                {"_id": stay_id, "checked_out": {"$ne": True}},
                {"$set": {"guest_id": guest_id, "room_number": room_number, "in_house": True}},
                upsert=True,
            )

    async def stay_checked_out(self, stay_id: str, guest_id: str) -> None:
        await self.stays.update_one(
            {"_id": stay_id},
            {"$set": {"guest_id": guest_id, "in_house": False, "checked_out": True}},
            upsert=True,
        )

    async def stay(self, stay_id: str) -> dict[str, Any] | None:
        return await self.stays.find_one({"_id": stay_id})

    async def in_house_stay_of(self, guest_id: str) -> dict[str, Any] | None:
        return await self.stays.find_one({"guest_id": guest_id, "in_house": True})
