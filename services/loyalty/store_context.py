"""What every part of loyalty's MongoDB access stands on: its collections and their
indexes. The parts (guest_document_store.py, match_key_store.py, duplicate_store.py,
message_store.py, care_task_store.py) subclass it; repository.py puts them together."""

from __future__ import annotations

from typing import Any


class StoreContext:
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
