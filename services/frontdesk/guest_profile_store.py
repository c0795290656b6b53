"""Guest profiles: what the desk needs to recognise a guest, the newest version kept,
merges followed to the surviving profile, and erasure."""

from __future__ import annotations

from typing import Any

from pymongo.errors import DuplicateKeyError

from .store_context import StoreContext


class GuestProfileStore(StoreContext):
    async def upsert_guest(self, profile: dict[str, Any]) -> bool:
        """Keeps the highest version; an older or repeated profile changes nothing."""
        try:
            result = await self.guests.update_one(
                {"_id": profile["_id"], "version": {"$lt": profile["version"]}},
                {"$set": profile},
                upsert=True,
            )
        except DuplicateKeyError:
            return False  # we hold a newer version already
        return result.upserted_id is not None or result.modified_count == 1

    async def guest(self, guest_id: str) -> dict[str, Any] | None:
        for _ in range(5):  # follow merges to the surviving profile
            profile = await self.guests.find_one({"_id": guest_id})
            if profile is None or not profile.get("merged_into"):
                return profile
            guest_id = profile["merged_into"]
        return None

    async def mark_merged(self, guest_ids: list[str], surviving_id: str) -> None:
        for guest_id in guest_ids:
            await self.guests.update_one(
                {"_id": guest_id},
                {
                    "$set": {
                        "merged_into": surviving_id,
                        "first_name": None,
                        "last_name": None,
                        "preferences": {},
                        "version": 1 << 40,
                    }
                },
                upsert=True,
            )

    async def forget_guest(self, guest_ids: list[str]) -> None:
        for guest_id in guest_ids:
            await self.guests.update_one(
                {"_id": guest_id},
                {
                    "$set": {
                        "erased": True,
                        "first_name": None,
                        "last_name": None,
                        "email": None,
                        "phone": None,
                        "member_number": None,
                        "preferences": {},
                        "version": 1 << 40,
                    }
                },
                upsert=True,
            )
