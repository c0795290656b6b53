"""Stays: inserted once, read, changed by one conditional write with their events, and
scrubbed on erasure."""

from __future__ import annotations

from typing import Any

from pymongo import ReturnDocument

from shared.document_changes import aggregate_of, changed_fields, stored_document

from .stay_aggregate import Stay
from .store_context import NO_OUTBOX, StoreContext


def stay_from_document(document: dict[str, Any]) -> Stay:
    """The stored stay as the aggregate, the store's bookkeeping read away."""
    return aggregate_of(Stay, document)


def stay_to_document(stay: Stay) -> dict[str, Any]:
    """The aggregate as stored: exactly the fields it was built or read with (a field left
    unset is not written), `_id` for the id."""
    return stored_document(stay)


def stay_changes(read: Stay, moved: Stay) -> dict[str, Any]:
    """The `$set` that turns the stay as read into the stay as a rule left it: the fields
    the rule set whose stored value is new (a rule never unsets a field)."""
    return changed_fields(stay_to_document(read), stay_to_document(moved))


class StayStore(StoreContext):
    async def insert_stay(self, stay: dict[str, Any]) -> None:
        await self.stays.insert_one(stay)

    async def stay(self, stay_id: str) -> dict[str, Any] | None:
        return await self.stays.find_one(
            {"_id": stay_id, "property_id": self.property_id}, NO_OUTBOX
        )

    async def stay_for_reservation(self, reservation_id: str) -> dict[str, Any] | None:
        return await self.stays.find_one({"reservation_id": reservation_id}, NO_OUTBOX)

    async def update_stay(
        self, stay_id: str, guard: dict[str, Any], update: dict[str, Any]
    ) -> dict[str, Any] | None:
        """One conditional write of the stay and its events; None when the guard fails."""
        return await self.stays.find_one_and_update(
            {"_id": stay_id, "property_id": self.property_id, **guard},
            update,
            projection=NO_OUTBOX,
            return_document=ReturnDocument.AFTER,
        )

    async def move_stay(
        self,
        read: Stay,
        moved: Stay,
        guard: dict[str, Any],
        push: dict[str, Any] | None = None,
    ) -> dict[str, Any] | None:
        """The stay as a rule left it (stay_rules.py), written field for field with what
        the write appends (`push`: its lines, its events), only while `guard` still holds
        of the stay as read; the stay as stored after, or None when the guard fails."""
        update = {"$set": stay_changes(read, moved), **({"$push": push} if push else {})}
        return await self.update_stay(read.id, guard, update)

    async def has_stayed(self, guest_id: str) -> bool:
        """Whether the guest (merged ids are rewritten to the survivor) checked out before."""
        return (
            await self.stays.find_one(
                {"property_id": self.property_id, "guest_id": guest_id, "status": "checked_out"},
                {"_id": 1},
            )
            is not None
        )

    async def stays_where(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        return (
            await self.stays.find({"property_id": self.property_id, **query}, NO_OUTBOX)
            .sort("_id")
            .to_list(None)
        )

    async def scrub(self, collection: str, query: dict[str, Any], update: dict[str, Any]) -> int:
        result = await getattr(self, collection).update_many(query, update)
        return result.modified_count
