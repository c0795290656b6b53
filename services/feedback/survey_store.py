"""Surveys: added once per stay, claimed for a send under a lease, sent, released to try
again, skipped, woken when the guest's contact arrives, answered once, and read back."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pymongo import ReturnDocument

from shared.idempotency import insert_once

from .domain import ANSWERABLE, SurveyStatus
from .store_context import HIDDEN, StoreContext


def _due(waiting: SurveyStatus, holding: SurveyStatus, now: datetime) -> dict[str, Any]:
    """Due for a stage: waiting and its time has come, or held under a lease that expired."""
    return {
        "$or": [
            {"status": waiting.value, "next_attempt_at": {"$lte": now}},
            {"status": holding.value, "lease_until": {"$lte": now}},
        ]
    }


class SurveyStore(StoreContext):
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
