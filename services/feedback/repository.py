"""Feedback's MongoDB access: guest contacts and stays (projections of other departments'
events), survey designs, surveys with their responses, and cases."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from shared.events import Event
from shared.idempotency import insert_once
from shared.outbox import with_outbox

from .domain import ANSWERABLE, Case, CaseNote, CaseStatus, SurveyStatus

OUTBOX_COLLECTIONS = ("surveys", "cases", "in_stay_surveys")
HIDDEN = {"outbox": 0}
# A case read as the aggregate: without the outbox and the relay's lease on it (shared/
# outbox.py), which are the store's bookkeeping, not the case's.
CASE_FIELDS = {"outbox": 0, "outbox_lease_until": 0, "outbox_lease_owner": 0}


def case_from_document(document: dict[str, Any]) -> Case:
    """The stored case as the aggregate (read without its outbox)."""
    return Case.model_validate(document)


def case_to_document(case: Case) -> dict[str, Any]:
    """The aggregate as stored: exactly the fields it was built or read with (a field left
    unset is not written), `_id` for the id, the status as its plain value."""
    document = case.model_dump(by_alias=True, exclude_unset=True)
    if "status" in document:
        document["status"] = str(document["status"].value)
    return document


def _due(waiting: SurveyStatus, holding: SurveyStatus, now: datetime) -> dict[str, Any]:
    """Due for a stage: waiting and its time has come, or held under a lease that expired."""
    return {
        "$or": [
            {"status": waiting.value, "next_attempt_at": {"$lte": now}},
            {"status": holding.value, "lease_until": {"$lte": now}},
        ]
    }


def case_changes(read: Case, moved: Case) -> dict[str, Any]:
    """The `$set` that turns the case as read into the case as a rule left it: the fields
    the rule set whose stored value is new (a rule never unsets a field)."""
    before, after = case_to_document(read), case_to_document(moved)
    return {name: value for name, value in after.items() if before.get(name, ...) != value}


class FeedbackRepository:
    def __init__(self, database: Any) -> None:
        self.contacts = database["contacts"]
        self.stays = database["stays"]
        self.merged_ids = database["merged_guest_ids"]
        self.request_notices = database["request_notices"]  # issue 12: requests done
        self.designs = database["designs"]
        self.surveys = database["surveys"]
        self.cases = database["cases"]
        self.in_stay_surveys = database["in_stay_surveys"]  # issue 18: in_stay.py

    async def prepare(self) -> None:
        await self.surveys.create_index("stay_id", unique=True)
        await self.surveys.create_index([("status", 1), ("next_attempt_at", 1)])
        await self.surveys.create_index("guest_id")
        await self.designs.create_index([("property_id", 1), ("version", 1)], unique=True)
        await self.cases.create_index([("status", 1), ("due_at", 1)])
        await self.cases.create_index("guest_id")
        await self.cases.create_index([("guest_notice", 1), ("notice_next_attempt_at", 1)])
        # a guest's in-house stay is looked up per case, and a merge repoints their stays
        await self.stays.create_index("guest_id")
        # a merge re-files whoever had been merged into the ids it merges away
        await self.merged_ids.create_index("surviving_guest_id")
        # the notice sender claims the pending (or lease-expired sending) notice due first
        await self.request_notices.create_index([("status", 1), ("next_attempt_at", 1)])
        # issue 18: one in-stay questionnaire per stay, claimed when due; the departments'
        # results are read by answer date (department_results.py)
        await self.in_stay_surveys.create_index("stay_id", unique=True)
        await self.in_stay_surveys.create_index([("status", 1), ("next_attempt_at", 1)])
        await self.in_stay_surveys.create_index("answered_at")
        await self.in_stay_surveys.create_index("case_state")  # answers still owed a case
        await self.surveys.create_index("answered_at")

    # --- contacts: the latest guest-profile event wins, whatever order they came in --

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

    # --- stays: who is in house (a complaint from an in-house guest alerts the desk) --

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

    # --- survey designs: versioned, a survey keeps the version it was made with -------

    async def latest_design(self, property_id: str) -> dict[str, Any] | None:
        found = (
            await self.designs.find({"property_id": property_id})
            .sort("version", -1)
            .limit(1)
            .to_list(1)
        )
        return found[0] if found else None

    async def design(self, property_id: str, version: int) -> dict[str, Any] | None:
        return await self.designs.find_one({"property_id": property_id, "version": version})

    async def add_design_once(self, design: dict[str, Any]) -> bool:
        return await insert_once(self.designs, design)

    async def find_designs(self, property_id: str) -> list[dict[str, Any]]:
        return (
            await self.designs.find({"property_id": property_id}).sort("version", 1).to_list(None)
        )

    # --- surveys ----------------------------------------------------------------------

    async def add_survey_once(self, survey: dict[str, Any]) -> bool:
        return await insert_once(self.surveys, survey)

    async def survey(self, survey_id: str) -> dict[str, Any] | None:
        return await self.surveys.find_one({"_id": survey_id}, HIDDEN)

    async def due_surveys(self, now: datetime, limit: int) -> list[dict[str, Any]]:
        return (
            await self.surveys.find(
                {
                    "$or": [
                        _due(SurveyStatus.PENDING, SurveyStatus.SENDING, now),
                        _due(SurveyStatus.SENT, SurveyStatus.REMINDING, now),
                    ]
                },
                HIDDEN,
            )
            .sort("next_attempt_at", 1)
            .to_list(limit)
        )

    async def claim(
        self,
        survey_id: str,
        waiting: SurveyStatus,
        holding: SurveyStatus,
        now: datetime,
        lease: timedelta,
    ) -> dict | None:
        """Takes the survey for a send unless another mailer holds a live lease on it."""
        return await self.surveys.find_one_and_update(
            {"_id": survey_id, **_due(waiting, holding, now)},
            {"$set": {"status": holding.value, "lease_until": now + lease}},
            projection=HIDDEN,
            return_document=ReturnDocument.AFTER,
        )

    async def mark_sent(
        self, survey_id: str, holding: SurveyStatus, changes: dict[str, Any], outbox: dict[str, Any]
    ) -> bool:
        result = await self.surveys.update_one(
            {"_id": survey_id, "status": holding.value},
            {"$set": {**changes, "lease_until": None}, "$push": outbox},
        )
        return result.modified_count == 1

    async def release(
        self,
        survey_id: str,
        holding: SurveyStatus,
        waiting: SurveyStatus,
        *,
        next_attempt_at: datetime,
        error: str | None,
        failed: bool,
        awaiting_contact: bool = False,
    ) -> None:
        update: dict[str, Any] = {
            "$set": {
                "status": waiting.value,
                "lease_until": None,
                "next_attempt_at": next_attempt_at,
                "awaiting_contact": awaiting_contact,
                "last_error": error,
            }
        }
        if failed:
            update["$inc"] = {"failures": 1}
        await self.surveys.update_one({"_id": survey_id, "status": holding.value}, update)

    async def skip(self, survey_id: str, holding: SurveyStatus, reason: str, now: datetime) -> None:
        await self.surveys.update_one(
            {"_id": survey_id, "status": holding.value},
            {
                "$set": {
                    "status": SurveyStatus.SKIPPED.value,
                    "skip_reason": reason,
                    "skipped_at": now,
                    "lease_until": None,
                    "next_attempt_at": None,
                }
            },
        )

    async def wake_surveys_of(self, guest_id: str, now: datetime) -> None:
        """The guest's contact arrived: surveys waiting for it are due now."""
        await self.surveys.update_many(
            {
                "guest_id": guest_id,
                "status": {"$in": ["pending", "sent"]},
                "awaiting_contact": True,
            },
            {"$set": {"next_attempt_at": now, "awaiting_contact": False}},
        )

    async def record_response(
        self, survey_id: str, response: dict[str, Any], now: datetime, outbox: dict[str, Any]
    ) -> dict | None:
        """Single use: only a survey not yet answered takes a response."""
        return await self.surveys.find_one_and_update(
            {"_id": survey_id, "status": {"$in": [status.value for status in ANSWERABLE]}},
            {
                "$set": {
                    "status": SurveyStatus.ANSWERED.value,
                    "answered_at": now,
                    "response": response,
                    "next_attempt_at": None,
                    "lease_until": None,
                },
                "$push": outbox,
            },
            projection=HIDDEN,
            return_document=ReturnDocument.AFTER,
        )

    async def find_surveys(
        self, filters: dict[str, Any], limit: int, offset: int
    ) -> tuple[int, list[dict[str, Any]]]:
        total = await self.surveys.count_documents(filters)
        items = (
            await self.surveys.find(filters, {"outbox": 0, "response": 0})
            .sort("created_at", 1)
            .skip(offset)
            .limit(limit)
            .to_list(None)
        )
        return total, items

    async def responses(self, filters: dict[str, Any]) -> list[dict[str, Any]]:
        return await self.surveys.find(
            {**filters, "status": SurveyStatus.ANSWERED.value},
            {"response": 1, "answered_at": 1, "property_id": 1},
        ).to_list(None)

    # --- cases ------------------------------------------------------------------------

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

    # --- guests merged or erased ------------------------------------------------------

    async def remember_merge(self, old_ids: list[str], surviving_id: str) -> None:
        """Events that still name a merged-away id (a checkout published before the merge
        reached the desk) are filed under the survivor."""
        for old_id in old_ids:
            await self.merged_ids.update_one(
                {"_id": old_id}, {"$set": {"surviving_guest_id": surviving_id}}, upsert=True
            )
        # whoever was merged into an old id now belongs to the new survivor
        await self.merged_ids.update_many(
            {"surviving_guest_id": {"$in": old_ids}}, {"$set": {"surviving_guest_id": surviving_id}}
        )

    async def current_guest_id(self, guest_id: str) -> str:
        merged = await self.merged_ids.find_one({"_id": guest_id})
        return merged["surviving_guest_id"] if merged else guest_id

    async def repoint_guest(self, old_ids: list[str], surviving_id: str) -> None:
        for collection in (self.surveys, self.cases, self.stays):
            await collection.update_many(
                {"guest_id": {"$in": old_ids}}, {"$set": {"guest_id": surviving_id}}
            )

    async def documents_of(self, collection: str, guest_ids: list[str]) -> list[dict]:
        return (
            await getattr(self, collection)
            .find({"guest_id": {"$in": guest_ids}}, HIDDEN)
            .to_list(None)
        )

    async def replace_fields(
        self, collection: str, document_id: str, changes: dict[str, Any]
    ) -> None:
        await getattr(self, collection).update_one({"_id": document_id}, {"$set": changes})
