"""Loyalty's MongoDB access.

`guests`: one document per guest id, holding the profile, the stay and reservation
history, the feedback summary AND the loyalty account (balance, append-only entries,
tier, qualifying counters) with its outbox. Every change is one `update_one` guarded by
the document's `version` (optimistic concurrency): the entry is `$push`ed, the balance
`$set`, the events appended to the outbox, all in that single write. One document is
always atomic, so the balance is the sum of the entries at every instant, on a
standalone MongoDB without transactions. Two concurrent redemptions read the same
version; only one write matches it, the other re-reads and meets the balance check.
(A guest's lifetime ledger is a few hundred entries; a 16 MB document holds ~100,000.)

`match_keys`: keyed hashes of e-mail / phone / member number -> guest id, the index the
duplicate detection uses (unique `_id`: the first guest to claim a key owns it).

`duplicates`: the review list of possible duplicates (issue 15): two profiles whose
unverified contact data matched, with the evidence, until a manager merges them or marks
them distinct. One entry per pair (its `_id` names the pair in a fixed order).

`messages`: outgoing campaign messages, keyed by action (one birthday greeting per guest
and year), for the sender; they carry the guest id, never the address.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from shared.idempotency import insert_once, mark_applied
from shared.outbox import push_outbox

from .guest_aggregate import Guest

OUTBOX_COLLECTIONS = ("guests",)
# The store's bookkeeping on a guest document, not the guest's: the outbox and the relay's
# lease on it (shared/outbox.py).
RELAY_FIELDS = ("outbox", "outbox_lease_until", "outbox_lease_owner")


def guest_from_document(document: dict[str, Any]) -> Guest:
    """The stored guest as the aggregate, the store's bookkeeping read away."""
    return Guest.model_validate({k: v for k, v in document.items() if k not in RELAY_FIELDS})


def guest_to_document(guest: Guest) -> dict[str, Any]:
    """The aggregate as stored: exactly the fields it was built or read with (a field left
    unset is not written), `_id` for the id."""
    return guest.model_dump(by_alias=True, exclude_unset=True)


class VersionConflict(Exception):
    """Someone else wrote the guest document since it was read: read again and retry."""


class LoyaltyRepository:
    def __init__(self, database: Any) -> None:
        self.guests = database["guests"]
        self.match_keys = database["match_keys"]
        self.messages = database["messages"]
        self.care_tasks = database["care_tasks"]  # issue 18 (care.py): gifts, calls
        self.duplicates = database["duplicates"]

    async def prepare(self) -> None:
        await self.guests.create_index([("merged_into", 1)])
        await self.guests.create_index([("last_activity_at", 1)])
        await self.match_keys.create_index([("guest_id", 1)])
        # the review list: open entries first found first; a guest's entries on erasure
        await self.duplicates.create_index([("status", 1), ("found_at", 1)])
        await self.duplicates.create_index([("guest_ids", 1)])
        await self.messages.create_index([("status", 1), ("created_at", 1)])
        # the staff's message list is the first page in created_at order, unfiltered
        await self.messages.create_index([("created_at", 1)])
        # a guest's messages, in order: their export, and erasure cancelling the queued
        await self.messages.create_index([("guest_id", 1), ("created_at", 1)])
        # issue 18: guest relations' list by status and due date; a segment's guests
        await self.care_tasks.create_index([("status", 1), ("due_on", 1)])
        await self.guests.create_index([("segments", 1), ("_id", 1)])
        await self.guests.create_index("lifecycle")  # the churn report

    async def get(self, guest_id: str) -> dict[str, Any] | None:
        return await self.guests.find_one({"_id": guest_id}, {"outbox": 0})

    async def ensure(self, guest_id: str, property_id: str, now: datetime) -> dict[str, Any]:
        """The guest's document, created empty on first sight (upsert names its _id).
        Two first sights at once: one upsert inserts, the other may meet the key."""
        try:
            return await self._upsert_empty(guest_id, property_id, now)
        except DuplicateKeyError:
            existing = await self.get(guest_id)
            assert existing is not None  # the other upsert inserted it
            return existing

    async def _upsert_empty(self, guest_id: str, property_id: str, now: datetime) -> dict[str, Any]:
        return await self.guests.find_one_and_update(
            {"_id": guest_id},
            {
                "$setOnInsert": {
                    "property_id": property_id,
                    "version": 0,
                    "created_at": now,
                    "profile": {},
                    "stays": [],
                    "reservations": [],
                    "entries": [],
                    "balance": 0,
                    "feedback": {},
                    "applied_events": [],
                }
            },
            upsert=True,
            return_document=ReturnDocument.AFTER,
            projection={"outbox": 0},
        )

    async def save(
        self,
        guest: dict[str, Any],
        *,
        sets: dict[str, Any],
        pushes: dict[str, list[Any]] | None = None,
        unsets: tuple[str, ...] = (),
        events: tuple[Any, ...] = (),
        applied_event: str | None = None,
    ) -> int:
        """One guarded write; returns the new version or raises VersionConflict."""
        version = guest.get("version", 0)
        push: dict[str, Any] = {
            key: {"$each": values} for key, values in (pushes or {}).items() if values
        }
        if events:
            push.update(push_outbox(*events))
        if applied_event:
            push.update(mark_applied(applied_event))  # the fragment names its own field
        update: dict[str, Any] = {"$set": {**sets, "version": version + 1}}
        if push:
            update["$push"] = push
        if unsets:
            update["$unset"] = {field: "" for field in unsets}
        result = await self.guests.update_one({"_id": guest["_id"], "version": version}, update)
        if result.matched_count != 1:
            raise VersionConflict(guest["_id"])
        return version + 1

    async def guest_ids_for_jobs(self) -> list[str]:
        """The ids of every guest the daily pass visits (not merged away), in id order."""
        found = self.guests.find({"merged_into": None}, {"_id": 1}).sort("_id", 1)
        return [guest["_id"] async for guest in found]

    async def half_done_merges(self, after: str | None, limit: int) -> list[dict[str, Any]]:
        """Closed duplicates whose survivor may not have absorbed them yet (a crash
        between the two writes of a merge); `merge_completed_at` is set once it has."""
        query: dict[str, Any] = {"merged_into": {"$ne": None}, "merge_completed_at": None}
        if after is not None:
            query["_id"] = {"$gt": after}
        return await self.guests.find(query, {"outbox": 0}).sort("_id", 1).to_list(limit)

    async def mark_merge_completed(self, duplicate_id: str, at: datetime) -> None:
        await self.guests.update_one(
            {"_id": duplicate_id, "merged_into": {"$ne": None}},
            {"$set": {"merge_completed_at": at}},
        )

    async def claim_match_key(self, key: str, guest_id: str) -> str:
        """Claims the key for the guest; returns the guest id that owns it."""
        await insert_once(self.match_keys, {"_id": key, "guest_id": guest_id})
        owner = await self.match_keys.find_one({"_id": key})
        return owner["guest_id"]

    async def owner_of(self, key: str) -> str | None:
        found = await self.match_keys.find_one({"_id": key})
        return found["guest_id"] if found else None

    async def move_match_keys(self, from_ids: list[str], to_id: str) -> None:
        await self.match_keys.update_many(
            {"guest_id": {"$in": from_ids}}, {"$set": {"guest_id": to_id}}
        )

    async def drop_match_keys(self, guest_ids: list[str]) -> int:
        result = await self.match_keys.delete_many({"guest_id": {"$in": guest_ids}})
        return result.deleted_count

    # --- the review list of possible duplicates ------------------------------------------

    async def note_duplicate(self, entry: dict[str, Any]) -> None:
        """Records the pair once; a later match on the pair adds its evidence."""
        await self.duplicates.update_one(
            {"_id": entry["_id"]},
            {
                "$setOnInsert": {k: v for k, v in entry.items() if k != "matched_on"},
                "$addToSet": {"matched_on": {"$each": entry["matched_on"]}},
            },
            upsert=True,
        )

    async def duplicate(self, entry_id: str) -> dict[str, Any] | None:
        return await self.duplicates.find_one({"_id": entry_id})

    async def duplicates_with(self, status: str, limit: int) -> list[dict[str, Any]]:
        return await self.duplicates.find({"status": status}).sort("found_at", 1).to_list(limit)

    async def decide_duplicate(self, entry_id: str, sets: dict[str, Any]) -> dict[str, Any] | None:
        """Closes an open entry; None when it was decided already (by someone else)."""
        return await self.duplicates.find_one_and_update(
            {"_id": entry_id, "status": "open"},
            {"$set": sets},
            return_document=ReturnDocument.AFTER,
        )

    async def drop_duplicates_of(self, guest_ids: list[str]) -> int:
        """Erasure: the entries name the guest and hold their (masked) evidence."""
        result = await self.duplicates.delete_many({"guest_ids": {"$in": guest_ids}})
        return result.deleted_count

    async def record_message(self, message: dict[str, Any]) -> bool:
        return await insert_once(self.messages, message)

    async def messages_of(self, guest_id: str) -> list[dict[str, Any]]:
        return await self.messages.find({"guest_id": guest_id}).sort("created_at", 1).to_list(None)

    async def all_messages(self, limit: int) -> list[dict[str, Any]]:
        return await self.messages.find({}).sort("created_at", 1).to_list(limit)

    async def cancel_messages(self, guest_ids: list[str]) -> None:
        await self.messages.update_many(
            {"guest_id": {"$in": guest_ids}, "status": "queued"}, {"$set": {"status": "cancelled"}}
        )

    async def record_care_task(self, task: dict[str, Any]) -> bool:
        return await insert_once(self.care_tasks, task)

    async def guests_in_segment(
        self, segment: str, after: str | None, limit: int
    ) -> list[dict[str, Any]]:
        query: dict[str, Any] = {"segments": segment, "merged_into": None}
        if after is not None:
            query["_id"] = {"$gt": after}
        return (
            await self.guests.find(query, {"outbox": 0, "entries": 0}).sort("_id", 1).to_list(limit)
        )

    async def guests_by_lifecycle(self, stages: tuple[str, ...], limit: int) -> list[dict]:
        return await self.guests.find(
            {"lifecycle": {"$in": list(stages)}, "merged_into": None}, {"outbox": 0, "entries": 0}
        ).to_list(limit)

    async def due_emails(
        self, now: datetime, limit: int, channel: str = "email"
    ) -> list[dict[str, Any]]:
        return (
            await self.messages.find(
                {
                    "status": "queued",
                    "channel": channel,
                    "not_before": {"$not": {"$gt": now}},
                    "lease_until": {"$not": {"$gt": now}},
                }
            )
            .sort("created_at", 1)
            .to_list(limit)
        )

    async def claim_message(
        self, message_id: str, now: datetime, lease: timedelta
    ) -> dict[str, Any] | None:
        return await self.messages.find_one_and_update(
            {"_id": message_id, "status": "queued", "lease_until": {"$not": {"$gt": now}}},
            {"$set": {"lease_until": now + lease}},
            return_document=ReturnDocument.AFTER,
        )

    async def release_message(self, message_id: str, not_before: datetime, *, error: str) -> None:
        await self.messages.update_one(
            {"_id": message_id},
            {
                "$set": {"lease_until": None, "not_before": not_before, "last_error": error},
                "$inc": {"failures": 1},
            },
        )

    async def finish_message(self, message_id: str, status: str, **fields: Any) -> None:
        await self.messages.update_one(
            {"_id": message_id}, {"$set": {"status": status, "lease_until": None, **fields}}
        )
