"""Guest contacts: a projection of the guest-profile events, the latest winning whatever
order they came in, and forgotten on erasure."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.errors import DuplicateKeyError

from .store_context import StoreContext


class ContactStore(StoreContext):
    async def save_contact(self, guest_id: str, contact: dict[str, Any], as_of: datetime) -> bool:
        try:
            result = await self.contacts.update_one(
                {"_id": guest_id, "as_of": {"$not": {"$gte": as_of}}},
                {"$set": {**contact, "as_of": as_of}},
                upsert=True,
            )
        except DuplicateKeyError:
            return False  # a newer profile is already stored
        return result.modified_count == 1 or result.upserted_id is not None

    async def save_profile(
        self, guest_id: str, contact: dict[str, Any], version: int, as_of: datetime
    ) -> bool:
        """The CRM's profile events carry their own order (version): no clock needed, and
        two changes in the same millisecond still land in order."""
        try:
            result = await self.contacts.update_one(
                {"_id": guest_id, "profile_version": {"$not": {"$gte": version}}},
                {"$set": {**contact, "profile_version": version, "as_of": as_of}},
                upsert=True,
            )
        except DuplicateKeyError:
            return False  # a newer profile is already stored
        return result.modified_count == 1 or result.upserted_id is not None

    async def contact(self, guest_id: str) -> dict[str, Any] | None:
        return await self.contacts.find_one({"_id": guest_id})

    async def forget_contacts(self, guest_ids: list[str]) -> None:
        await self.contacts.delete_many({"_id": {"$in": guest_ids}})
