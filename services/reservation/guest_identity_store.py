"""Who the bookings belong to: one guest id per e-mail address and name, so returning
guests keep theirs; loyalty's members (issue 18), keyed by member number, the newest
profile version winning; guests' merges followed and their erasure carried out."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from typing import Any

from pymongo.errors import DuplicateKeyError

from shared.erasure import scrub_free_text

from .store_context import StoreContext

# What erasure and retention overwrite: the people; the booking's dates and amounts stay.
# Free text a guest's erasure erases: what the guest asked for in their own words, why
# they cancelled (the kinds of request, the fees and dates stay).
FREE_TEXT = {"special_requests": ("detail",), "cancellation": ("reason",)}
ERASED_GUEST_FIELDS: dict[str, Any] = {
    "guest": {"first_name": "erased", "last_name": "erased", "email": None, "phone": None},
    "booker": None,
    "additional_guests": [],
}


class GuestIdentityStore(StoreContext):
    async def guest_id_for(self, email: str, first_name: str, last_name: str) -> str:
        """The guest id a booking files under. Keyed by the e-mail AND the name: a booking
        is unverified (anyone may type anyone's address), so an address alone must not
        file it under the profile of whoever used that address first (issue 15: the
        desk then greeted the booker as the victim). Same address, other name: a new
        guest id, and loyalty puts the pair on its review list for a manager to decide.
        Keyed by a hash so the key itself is not the address."""
        person = "|".join(
            (email.strip().lower(), " ".join(f"{first_name} {last_name}".casefold().split()))
        )
        key = hashlib.sha256(person.encode()).hexdigest()
        # A read, and an insert only for a guest not seen before: one lookup for a
        # returning guest, where an upsert answering the document after it made two
        # lookups and a write (issue 14).
        known = await self.guests.find_one({"_id": key})
        if known is not None:
            return str(known["guest_id"])
        guest_id = str(uuid.uuid4())
        try:
            await self.guests.insert_one({"_id": key, "guest_id": guest_id})
        except DuplicateKeyError:  # two first bookings raced; the other one's id stands
            known = await self.guests.find_one({"_id": key})
            return str(known["guest_id"])
        return guest_id

    async def follow_merge(self, merged: list[str], surviving: str) -> int:
        """Merged-away guest ids become the survivor's: on bookings, and for the next
        booking made with the same contact."""
        result = await self.reservations.update_many(
            {"property_id": self.property_id, "guest_id": {"$in": merged}},
            {"$set": {"guest_id": surviving}},
        )
        await self.guests.update_many(
            {"guest_id": {"$in": merged}}, {"$set": {"guest_id": surviving}}
        )
        await self.members.update_many(
            {"guest_id": {"$in": merged}}, {"$set": {"guest_id": surviving}}
        )
        return result.modified_count

    async def member(self, member_number: str) -> dict[str, Any] | None:
        return await self.members.find_one({"_id": member_number})

    async def save_member(self, member_number: str, record: dict[str, Any]) -> bool:
        """Keeps the profile version given if it is newer than the one held."""
        try:
            result = await self.members.update_one(
                {"_id": member_number, "version": {"$lt": record["version"]}},
                {"$set": record},
                upsert=True,
            )
        except DuplicateKeyError:  # a newer (or the same) version is held already
            return False
        return bool(result.modified_count or result.upserted_id)

    async def anonymize_guests(self, guest_ids: list[str], at: datetime) -> int:
        result = await self.reservations.update_many(
            {"guest_id": {"$in": guest_ids}}, {"$set": {**ERASED_GUEST_FIELDS, "anonymized_at": at}}
        )
        await scrub_free_text(self.reservations, {"guest_id": {"$in": guest_ids}}, FREE_TEXT)
        await self.guests.delete_many({"guest_id": {"$in": guest_ids}})
        await self.members.delete_many({"guest_id": {"$in": guest_ids}})
        return result.modified_count
