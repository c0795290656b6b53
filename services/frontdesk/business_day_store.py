"""The night audit's records: the invoice numbers counted per year, and the business date
rolled once per night with its event."""

from __future__ import annotations

from datetime import date
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from .store_context import NO_OUTBOX, StoreContext


class BusinessDayStore(StoreContext):
    async def next_invoice_sequence(self, year: int) -> int:
        counter = await self.counters.find_one_and_update(
            {"_id": f"invoice|{self.property_id}|{year}"},
            {"$inc": {"value": 1}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        return counter["value"]

    async def open_business_date(self) -> date | None:
        document = await self.business_days.find_one({"_id": self.property_id}, NO_OUTBOX)
        return date.fromisoformat(document["open_date"]) if document else None

    async def roll_business_date(
        self, closed: date, next_open: date, outbox: dict[str, Any]
    ) -> bool:
        """Closes `closed` once: the first audit of the night rolls the date and queues
        its event; a repeated or racing one finds the date already past it."""
        try:  # no document yet: the upsert creates it; one past `closed`: a duplicate key
            await self.business_days.update_one(
                {"_id": self.property_id, "open_date": {"$lte": closed.isoformat()}},
                {"$set": {"open_date": next_open.isoformat()}, "$push": outbox},
                upsert=True,
            )
        except DuplicateKeyError:
            return False
        return True
