"""What each front-office use case stands on: the desk's service (its stays, complaints
and business date), the repository, the clock, and the front office's own collections:
the communication log, the shift handovers and the walks."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from .service import FrontDeskService


class FrontOfficeContext:
    def __init__(self, service: FrontDeskService, database: Any) -> None:
        self.service = service
        self.repository = service.repository
        self.clock = service.clock
        self.logbook = database["front_office_log"]
        self.handovers = database["shift_handovers"]
        self.walks = database["walks"]

    async def prepare(self) -> None:
        await self.logbook.create_index([("kind", 1), ("done_at", 1)])
        await self.handovers.create_index("at")
        await self.walks.create_index("at")

    def _bounds(self, first: date, last: date) -> tuple[datetime, datetime]:
        """From midnight at the hotel on `first` to midnight after `last`."""
        return self.clock.local_time(first, 0), self.clock.local_time(last + timedelta(days=1), 0)

    async def _between(self, collection: Any, first: date, last: date) -> list[dict[str, Any]]:
        start, end = self._bounds(first, last)
        found = await collection.find({"at": {"$gte": start, "$lt": end}}).sort("at").to_list(None)
        return [{k: v for k, v in item.items() if k != "_id"} for item in found]
