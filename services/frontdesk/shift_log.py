"""The communication log and the shift handover (seed 002 10.2): entries written by the
credential that wrote them, follow-ups open until done; a handover snapshots the open
follow-ups and the day's counts for the next shift, who acknowledges it."""

from __future__ import annotations

import uuid
from typing import Any

from shared.errors import Conflict, NotFound

from .domain import ArrivalStatus
from .front_office_context import FrontOfficeContext
from .front_office_models import HandoverCreate, LogEntryCreate


class ShiftLog(FrontOfficeContext):
    async def write(self, entry: LogEntryCreate, author: str) -> dict[str, Any]:
        record = {
            "_id": str(uuid.uuid4()),
            **entry.model_dump(),
            "author": author,
            "at": self.clock(),
            "done_at": None,
            "done_by": None,
        }
        await self.logbook.insert_one(record)
        return _public(record)

    async def entries(self, open_follow_ups_only: bool, limit: int) -> list[dict[str, Any]]:
        query: dict[str, Any] = (
            {"kind": "follow_up", "done_at": None} if open_follow_ups_only else {}
        )
        found = await self.logbook.find(query).sort("at", -1).limit(limit).to_list(None)
        return [_public(entry) for entry in found]

    async def mark_done(self, entry_id: str, by: str) -> dict[str, Any]:
        entry = await self.logbook.find_one({"_id": entry_id})
        if entry is None:
            raise NotFound(f"no log entry {entry_id!r}")
        if entry["kind"] != "follow_up":
            raise Conflict("only a follow-up is done")
        await self.logbook.update_one(
            {"_id": entry_id, "done_at": None}, {"$set": {"done_at": self.clock(), "done_by": by}}
        )
        return _public(await self.logbook.find_one({"_id": entry_id}))

    async def hand_over(self, request: HandoverCreate, by: str) -> dict[str, Any]:
        today = await self.service.today()
        open_items = await self.entries(open_follow_ups_only=True, limit=200)
        arrivals = await self.repository.arrivals_on(today)
        record = {
            "_id": str(uuid.uuid4()),
            "shift": request.shift,
            "notes": request.notes,
            "handed_over_by": by,
            "at": self.clock(),
            "business_date": today.isoformat(),
            "open_follow_ups": [item["entry_id"] for item in open_items],
            "arrivals_expected": sum(1 for a in arrivals if a["status"] == ArrivalStatus.EXPECTED),
            "in_house": await self.repository.stays.count_documents({"status": "in_house"}),
            "acknowledged_by": None,
            "acknowledged_at": None,
        }
        await self.handovers.insert_one(record)
        return _public_handover(record)

    async def acknowledge(self, handover_id: str, by: str) -> dict[str, Any]:
        handover = await self.handovers.find_one({"_id": handover_id})
        if handover is None:
            raise NotFound(f"no handover {handover_id!r}")
        if handover["handed_over_by"] == by:
            raise Conflict("the next shift acknowledges a handover, not the one who wrote it")
        await self.handovers.update_one(
            {"_id": handover_id, "acknowledged_by": None},
            {"$set": {"acknowledged_by": by, "acknowledged_at": self.clock()}},
        )
        return _public_handover(await self.handovers.find_one({"_id": handover_id}))

    async def latest_handover(self) -> dict[str, Any]:
        [latest] = await self.handovers.find({}).sort("at", -1).limit(1).to_list(None) or [None]
        if latest is None:
            raise NotFound("no handover yet")
        return _public_handover(latest)


def _public(entry: dict[str, Any]) -> dict[str, Any]:
    return {"entry_id": entry["_id"], **{k: v for k, v in entry.items() if k != "_id"}}


def _public_handover(record: dict[str, Any]) -> dict[str, Any]:
    return {"handover_id": record["_id"], **{k: v for k, v in record.items() if k != "_id"}}
