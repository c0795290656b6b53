"""A guest's requests and complaints taken at the desk, each recorded once per
Idempotency-Key with its event."""

from __future__ import annotations

from typing import Any

from shared.auth import acting_person
from shared.errors import Conflict
from shared.events import (
    ComplaintRaised,
    ComplaintRaisedPayload,
    Event,
    GuestRequestRaised,
    GuestRequestRaisedPayload,
)
from shared.outbox import push_outbox

from .desk_context import DeskContext, keyed_id
from .domain import ComplaintCreate, GuestRequestCreate
from .records import origin


class StayRequests(DeskContext):
    async def raise_request(
        self, stay_id: str, request: GuestRequestCreate, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        stay = await self._in_house(stay_id)
        request_id = keyed_id(f"request|{stay_id}", idempotency_key)
        event = GuestRequestRaised.new(
            GuestRequestRaisedPayload(
                request_id=request_id,
                stay_id=stay_id,
                room_number=stay["room_number"],
                kind=request.kind,
                details=request.details,
                taken_by=acting_person(request.taken_by),
                urgent=request.urgent,
                guest_id=stay["guest_id"],
            ),
            **origin(stay),
        )
        line = {
            "request_id": request_id,
            **request.model_dump(),
            "at": self.clock(),
            "room_number": stay["room_number"],
            "owner": request.taken_by,
            "status": "open",
        }
        return await self._add_once(
            stay_id, "requests", "request_id", line, event, {"status": "in_house"}
        )

    async def raise_complaint(
        self, stay_id: str, request: ComplaintCreate, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        stay = await self.get_stay(stay_id)
        complaint_id = keyed_id(f"complaint|{stay_id}", idempotency_key)
        event = ComplaintRaised.new(
            ComplaintRaisedPayload(
                complaint_id=complaint_id,
                guest_id=stay["guest_id"],
                stay_id=stay_id,
                room_number=stay["room_number"],
                category=request.category,
                severity=request.severity,
                description=request.description,
                taken_by=acting_person(request.taken_by),
                channel=request.channel,
            ),
            **origin(stay),
        )
        line = {
            "complaint_id": complaint_id,
            **request.model_dump(),
            "at": self.clock(),
            "owner": request.taken_by,
        }
        return await self._add_once(stay_id, "complaints", "complaint_id", line, event, {})

    async def _add_once(
        self,
        stay_id: str,
        field: str,
        key: str,
        line: dict[str, Any],
        event: Event[Any],
        guard: dict[str, Any],
    ) -> dict[str, Any]:
        """Appends the line and its event unless a line with its id is there already (a
        request repeated with the same Idempotency-Key)."""
        added = await self.repository.update_stay(
            stay_id,
            {**guard, f"{field}.{key}": {"$ne": line[key]}},
            {"$push": {field: line, **push_outbox(event)}},
        )
        if added is None:
            stay = await self.get_stay(stay_id)
            existing = next((item for item in stay.get(field, []) if item[key] == line[key]), None)
            if existing is None:
                raise Conflict(f"stay {stay_id!r} is checked out")
            return existing
        self.events_written()
        return line
