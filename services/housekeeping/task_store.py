"""Tasks: the stored document read as the aggregate and written back field for field,
added once per cause, moved by a compare-and-set on the status and revision the rule
read, listed, assigned, and their due effects cleared."""

from __future__ import annotations

from typing import Any

from pymongo import ReturnDocument

from shared.document_changes import AGGREGATE_FIELDS, changed_fields, stored_document
from shared.events import Event
from shared.idempotency import insert_once
from shared.outbox import with_outbox

from .domain import Task
from .store_context import StoreContext

TASK_FIELDS = AGGREGATE_FIELDS


# A task's free text from the guest: a request's words, the booking's requests it
# prepares the room for (erased with the guest and by retention, issue 15).
TASK_FREE_TEXT = {"details": (), "booking_requests": ()}


def task_from_document(document: dict[str, Any]) -> Task:
    """The stored task as the aggregate (read without its outbox)."""
    return Task.model_validate(document)


def task_to_document(task: Task) -> dict[str, Any]:
    """The aggregate as stored, the kind and status as their plain values."""
    return stored_document(task, "kind", "status")


def task_changes(read: Task, moved: Task) -> dict[str, Any]:
    """The `$set` that turns the task as read into the task as a rule moved it: the fields
    the move set whose stored value is new (a move never unsets a field)."""
    return changed_fields(task_to_document(read), task_to_document(moved))


class TaskStore(StoreContext):
    async def add_task_once(self, task: Task, *events: Event[Any]) -> bool:
        return await insert_once(self.tasks, with_outbox(task_to_document(task), *events))

    async def task(self, task_id: str) -> Task | None:
        found = await self.tasks.find_one(
            {"_id": task_id, "property_id": self.property_id}, TASK_FIELDS
        )
        return None if found is None else task_from_document(found)

    async def move_task(
        self, read: Task, moved: Task, push: dict[str, Any] | None = None
    ) -> Task | None:
        """Writes what the move changed, compare-and-set on the status and revision the rule
        read; None when someone else moved first."""
        update: dict[str, Any] = {"$inc": {"revision": 1}}
        changes = task_changes(read, moved)
        if changes:
            update["$set"] = changes
        if push:
            update["$push"] = push
        saved = await self.tasks.find_one_and_update(
            {"_id": read.id, "status": read.status.value, "revision": read.revision},
            update,
            projection=TASK_FIELDS,
            return_document=ReturnDocument.AFTER,
        )
        return None if saved is None else task_from_document(saved)

    async def find_tasks(
        self, filters: dict[str, Any], limit: int, offset: int
    ) -> tuple[int, list[Task]]:
        query = {"property_id": self.property_id, **filters}
        total = await self.tasks.count_documents(query)
        found = (
            await self.tasks.find(query, TASK_FIELDS)
            .sort([("created_at", 1), ("_id", 1)])
            .skip(offset)
            .limit(limit)
            .to_list(None)
        )
        return total, [task_from_document(document) for document in found]

    async def tasks_matching(self, filters: dict[str, Any]) -> list[Task]:
        found = await self.tasks.find(
            {"property_id": self.property_id, **filters}, TASK_FIELDS
        ).to_list(None)
        return [task_from_document(document) for document in found]

    async def clear_effects(self, task_id: str, cause: str) -> None:
        await self.tasks.update_one(
            {"_id": task_id, "effects_due.cause": cause}, {"$set": {"effects_due": None}}
        )

    async def set_open_tasks_fields(self, filters: dict[str, Any], fields: dict[str, Any]) -> int:
        result = await self.tasks.update_many(
            {"property_id": self.property_id, "status": "open", **filters}, {"$set": fields}
        )
        return result.modified_count

    async def assign_task(self, task_id: str, attendant: str, priority: int) -> bool:
        """Only an unassigned open task is assigned: a re-run never moves work around."""
        result = await self.tasks.update_one(
            {"_id": task_id, "status": "open", "assigned_to": None},
            {"$set": {"assigned_to": attendant, "priority": priority}},
        )
        return result.modified_count == 1
