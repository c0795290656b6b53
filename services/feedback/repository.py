"""Feedback's MongoDB access: guest contacts (from profile events) and surveys."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from shared.idempotency import insert_once

OUTBOX_COLLECTIONS = ("surveys",)


class FeedbackRepository:
    def __init__(self, database: Any) -> None:
        self.contacts = database["contacts"]
        self.surveys = database["surveys"]

    async def prepare(self) -> None:
        await self.surveys.create_index("stay_id", unique=True)
        await self.surveys.create_index([("status", 1), ("next_attempt_at", 1)])
        await self.surveys.create_index("guest_id")

    # --- contacts: the latest guest-profile event wins, whatever order they came in --

    async def save_contact(self, guest_id: str, contact: dict[str, Any],
                           as_of: datetime) -> bool:
        try:
            result = await self.contacts.update_one(
                {"_id": guest_id, "as_of": {"$not": {"$gte": as_of}}},
                {"$set": {**contact, "as_of": as_of}}, upsert=True)
        except DuplicateKeyError:
            return False  # a newer profile is already stored
        return result.modified_count == 1 or result.upserted_id is not None

    async def contact(self, guest_id: str) -> dict[str, Any] | None:
        return await self.contacts.find_one({"_id": guest_id})

    # --- surveys ----------------------------------------------------------------------

    async def add_survey_once(self, survey: dict[str, Any]) -> bool:
        return await insert_once(self.surveys, survey)

    async def due_surveys(self, now: datetime, limit: int) -> list[dict[str, Any]]:
        return await self.surveys.find(
            {"$or": [{"status": "pending", "next_attempt_at": {"$lte": now}},
                     {"status": "sending", "lease_until": {"$lte": now}}]},
            {"outbox": 0}).sort("next_attempt_at", 1).to_list(limit)

    async def claim(self, survey_id: str, now: datetime, lease: timedelta) -> dict | None:
        """Takes the survey for sending unless another mailer holds a live lease on it."""
        return await self.surveys.find_one_and_update(
            {"_id": survey_id,
             "$or": [{"status": "pending", "next_attempt_at": {"$lte": now}},
                     {"status": "sending", "lease_until": {"$lte": now}}]},
            {"$set": {"status": "sending", "lease_until": now + lease}},
            projection={"outbox": 0}, return_document=ReturnDocument.AFTER)

    async def mark_sent(self, survey_id: str, now: datetime, outbox: dict[str, Any]) -> None:
        await self.surveys.update_one(
            {"_id": survey_id, "status": "sending"},
            {"$set": {"status": "sent", "sent_at": now, "lease_until": None}, "$push": outbox})

    async def release(self, survey_id: str, *, next_attempt_at: datetime, error: str | None,
                      failed: bool, awaiting_contact: bool = False) -> None:
        update: dict[str, Any] = {"$set": {"status": "pending", "lease_until": None,
                                           "next_attempt_at": next_attempt_at,
                                           "awaiting_contact": awaiting_contact,
                                           "last_error": error}}
        if failed:
            update["$inc"] = {"failures": 1}
        await self.surveys.update_one({"_id": survey_id, "status": "sending"}, update)

    async def wake_surveys_of(self, guest_id: str, now: datetime) -> None:
        """The guest's contact arrived: surveys waiting for it are due now."""
        await self.surveys.update_many(
            {"guest_id": guest_id, "status": "pending", "awaiting_contact": True},
            {"$set": {"next_attempt_at": now, "awaiting_contact": False}})

    async def find_surveys(self, filters: dict[str, Any], limit: int,
                           offset: int) -> tuple[int, list[dict[str, Any]]]:
        total = await self.surveys.count_documents(filters)
        items = await self.surveys.find(filters, {"outbox": 0, "token_hash": 0}) \
            .sort("created_at", 1).skip(offset).limit(limit).to_list(None)
        return total, items
