"""The guest documents: created empty on first sight, changed by one write guarded by
the document's version (VersionConflict: read again and retry), and read for the daily
pass, the merges a crash left half done, a segment's guests and a lifecycle's."""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any

from pymongo.errors import DuplicateKeyError

from shared.events import Event
from shared.idempotency import mark_applied
from shared.outbox import Superseded, push_outbox

from .guest_aggregate import Guest
from .guest_documents import guest_changes
from .store_context import StoreContext


def empty_guest(guest_id: str, property_id: str, now: datetime) -> dict[str, Any]:
    """The document `ensure` writes on a guest's first sight."""
    return {
        "_id": guest_id,
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


class VersionConflict(Exception):
    """Someone else wrote the guest document since it was read: read again and retry."""


class GuestDocumentStore(StoreContext):
    async def get(self, guest_id: str) -> dict[str, Any] | None:
        return await self.guests.find_one({"_id": guest_id}, {"outbox": 0})

    async def outbox_of(self, guest_id: str) -> dict[str, Any]:
        """The guest's events still waiting for the relay (`get` leaves them out)."""
        return await self.guests.find_one({"_id": guest_id}, {"outbox": 1}) or {}

    async def ensure(self, guest_id: str, property_id: str, now: datetime) -> dict[str, Any]:
        """The guest's document, created empty on first sight (the caller read none).
        Two first sights at once: one insert wins, the other meets the key and reads the
        winner's. (An insert and a read: an upsert answering the document after it was
        a read, a write and another read on the embedded store, issue 14.)"""
        with contextlib.suppress(DuplicateKeyError):
            await self.guests.insert_one(empty_guest(guest_id, property_id, now))
        created = await self.get(guest_id)
        assert created is not None  # this insert or the other one made it
        return created

    async def save(
        self,
        guest: dict[str, Any],
        *,
        sets: dict[str, Any],
        pushes: dict[str, list[Any]] | None = None,
        unsets: tuple[str, ...] = (),
        events: tuple[Any, ...] = (),
        applied_event: str | None = None,
        superseding: tuple[Superseded, Event[Any]] | None = None,
    ) -> int:
        """One guarded write; returns the new version or raises VersionConflict.
        `superseding`: a pending outbox entry and the newer event put in its place (then
        `events` must be empty: MongoDB refuses a `$set` into an array it `$push`es to)."""
        version = guest.get("version", 0)
        guard: dict[str, Any] = {"_id": guest["_id"], "version": version}
        if superseding is not None:
            assert not events, "an outbox entry is superseded or events are pushed, not both"
            pending, event = superseding
            guard.update(pending.guard())
            sets = {**sets, **pending.replacement(event)}
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
        result = await self.guests.update_one(guard, update)
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

    async def mark_merge_completed(self, read: Guest, moved: Guest) -> None:
        """The closed duplicate as `merge_completed` left it; a document not closed by a
        merge is not marked."""
        await self.guests.update_one(
            {"_id": read.id, "merged_into": {"$ne": None}},
            {"$set": guest_changes(read, moved)},
        )

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
