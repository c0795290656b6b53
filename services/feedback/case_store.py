"""Cases: the stored document read as the aggregate and written back field for field,
added once, noted, resolved once, escalated once past the deadline, and the guest's
notice claimed, done or tried again."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pymongo import ReturnDocument

from shared.document_changes import AGGREGATE_FIELDS, changed_fields, stored_document
from shared.events import Event
from shared.idempotency import insert_once
from shared.outbox import with_outbox

from .domain import Case, CaseNote, CaseStatus
from .store_context import StoreContext

CASE_FIELDS = AGGREGATE_FIELDS


def case_from_document(document: dict[str, Any]) -> Case:
    """The stored case as the aggregate (read without its outbox)."""
    return Case.model_validate(document)


def case_to_document(case: Case) -> dict[str, Any]:
    """The aggregate as stored, the status as its plain value."""
    return stored_document(case, "status")


def case_changes(read: Case, moved: Case) -> dict[str, Any]:
    """The `$set` that turns the case as read into the case as a rule left it: the fields
    the rule set whose stored value is new (a rule never unsets a field)."""
    return changed_fields(case_to_document(read), case_to_document(moved))


class CaseStore(StoreContext):
    async def add_case_once(self, case: Case, *events: Event[Any]) -> bool:
        return await insert_once(self.cases, with_outbox(case_to_document(case), *events))

    async def case(self, case_id: str) -> Case | None:
        found = await self.cases.find_one({"_id": case_id}, CASE_FIELDS)
        return None if found is None else case_from_document(found)

    async def find_cases(
        self, filters: dict[str, Any], limit: int, offset: int
    ) -> tuple[int, list[Case]]:
        total = await self.cases.count_documents(filters)
        items = (
            await self.cases.find(filters, CASE_FIELDS)
            .sort("opened_at", 1)
            .skip(offset)
            .limit(limit)
            .to_list(None)
        )
        return total, [case_from_document(document) for document in items]

    async def add_note(self, case_id: str, note: CaseNote) -> Case | None:
        added = await self.cases.find_one_and_update(
            {"_id": case_id},
            {"$push": {"notes": note.model_dump(exclude_unset=True)}},
            projection=CASE_FIELDS,
            return_document=ReturnDocument.AFTER,
        )
        return None if added is None else case_from_document(added)

    async def resolve(self, read: Case, moved: Case, outbox: dict[str, Any]) -> Case | None:
        """Resolves once: a second resolve (or a race) finds the guard false."""
        resolved = await self.cases.find_one_and_update(
            {"_id": read.id, "status": {"$ne": CaseStatus.RESOLVED.value}},
            {"$set": case_changes(read, moved), "$push": outbox},
            projection=CASE_FIELDS,
            return_document=ReturnDocument.AFTER,
        )
        return None if resolved is None else case_from_document(resolved)

    async def late_cases(self, now: datetime, limit: int) -> list[Case]:
        found = (
            await self.cases.find(
                {"status": CaseStatus.OPEN.value, "due_at": {"$lte": now}}, CASE_FIELDS
            )
            .sort("due_at", 1)
            .to_list(limit)
        )
        return [case_from_document(document) for document in found]

    async def escalate(
        self, read: Case, moved: Case, now: datetime, outbox: dict[str, Any]
    ) -> bool:
        """Exactly once: only an open case past its deadline moves to escalated."""
        result = await self.cases.update_one(
            {"_id": read.id, "status": CaseStatus.OPEN.value, "due_at": {"$lte": now}},
            {"$set": case_changes(read, moved), "$push": outbox},
        )
        return result.modified_count == 1

    async def notices_due(self, now: datetime, limit: int) -> list[Case]:
        found = await self.cases.find(
            {"guest_notice": "pending", "notice_next_attempt_at": {"$lte": now}}, CASE_FIELDS
        ).to_list(limit)
        return [case_from_document(document) for document in found]

    async def claim_notice(self, case_id: str, now: datetime, lease: timedelta) -> Case | None:
        claimed = await self.cases.find_one_and_update(
            {"_id": case_id, "guest_notice": "pending", "notice_next_attempt_at": {"$lte": now}},
            {"$set": {"notice_next_attempt_at": now + lease}},
            projection=CASE_FIELDS,
            return_document=ReturnDocument.AFTER,
        )
        return None if claimed is None else case_from_document(claimed)

    async def notice_done(self, case_id: str, changes: dict[str, Any]) -> None:
        await self.cases.update_one({"_id": case_id, "guest_notice": "pending"}, {"$set": changes})

    async def notice_retry(self, case_id: str, next_attempt_at: datetime, error: str) -> None:
        await self.cases.update_one(
            {"_id": case_id, "guest_notice": "pending"},
            {
                "$set": {"notice_next_attempt_at": next_attempt_at, "notice_error": error},
                "$inc": {"notice_failures": 1},
            },
        )
