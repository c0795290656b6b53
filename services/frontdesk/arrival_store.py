"""Arrivals: a projection of reservation events, each changed by a newer event only, an
arrival given its room once, and checked in room by room."""

from __future__ import annotations

from datetime import date
from typing import Any

from pymongo import ReturnDocument

from .store_context import NO_OUTBOX, StoreContext


class ArrivalStore(StoreContext):
    async def record_arrival(self, arrival: dict[str, Any]) -> bool:
        """Idempotent by reservation id: a redelivered event changes nothing."""
        result = await self.arrivals.update_one(
            {"_id": arrival["_id"]}, {"$setOnInsert": arrival}, upsert=True
        )
        return result.upserted_id is not None

    async def update_arrival(
        self, reservation_id: str, occurred_at: str, changes: dict[str, Any]
    ) -> dict[str, Any] | None:
        """Applies a newer reservation event to an arrival not yet checked in; an older
        or repeated one changes nothing. Returns the arrival as it was before."""
        return await self.arrivals.find_one_and_update(
            {
                "_id": reservation_id,
                "event_at": {"$lt": occurred_at},
                "status": {"$ne": "checked_in"},
            },
            {"$set": {**changes, "event_at": occurred_at}},
            projection=NO_OUTBOX,
            return_document=ReturnDocument.BEFORE,
        )

    async def arrival(self, reservation_id: str) -> dict[str, Any] | None:
        return await self.arrivals.find_one(
            {"_id": reservation_id, "property_id": self.property_id}, NO_OUTBOX
        )

    async def arrivals_on(self, day: date, status: str | None = None) -> list[dict[str, Any]]:
        query: dict[str, Any] = {"property_id": self.property_id, "arrival": day.isoformat()}
        if status:
            query["status"] = status
        return await self.arrivals.find(query, NO_OUTBOX).sort("_id").to_list(None)

    async def set_assignment(
        self, reservation_id: str, assignment: dict[str, Any], outbox: dict[str, Any]
    ) -> bool:
        """Only an expected arrival without a room gets one."""
        result = await self.arrivals.update_one(
            {"_id": reservation_id, "status": "expected", "assignment": None},
            {"$set": {"assignment": assignment}, "$push": outbox},
        )
        return result.modified_count == 1

    async def mark_arrival_checked_in(
        self, reservation_id: str, stay_id: str, *, all_rooms: bool = True
    ) -> None:
        """One more room of the booking is in house; checked_in once all of them are."""
        await self.arrivals.update_one(
            {"_id": reservation_id, "stay_ids": {"$ne": stay_id}},
            {
                "$set": {"stay_id": stay_id, **({"status": "checked_in"} if all_rooms else {})},
                "$push": {"stay_ids": stay_id},
                "$inc": {"rooms_checked_in": 1},
            },
        )

    async def count_stays_for(self, reservation_id: str) -> int:
        return await self.stays.count_documents({"reservation_id": reservation_id})

    async def arrivals_where(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        return await self.arrivals.find(
            {"property_id": self.property_id, **query}, NO_OUTBOX
        ).to_list(None)

    async def expected_arrivals_until(self, day: date) -> list[dict[str, Any]]:
        return (
            await self.arrivals.find(
                {
                    "property_id": self.property_id,
                    "status": "expected",
                    "arrival": {"$lte": day.isoformat()},
                },
                NO_OUTBOX,
            )
            .sort("_id")
            .to_list(None)
        )
