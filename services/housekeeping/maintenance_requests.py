"""Maintenance requests: recorded once per id with their maintenance.requested event, and
moved forward only (open -> in_progress -> resolved, or cancelled)."""

from __future__ import annotations

from typing import Any

from shared.errors import Conflict, NotFound
from shared.events import MaintenancePriority, MaintenanceRequested, MaintenanceRequestedPayload
from shared.logging import get_logger
from shared.outbox import with_outbox

from .maintenance_context import MaintenanceContext

log = get_logger(__name__)

CATEGORIES = ("air_conditioning", "tv", "network", "bathroom", "furniture", "safety", "other")
_KEYWORDS = {
    "air_conditioning": ("air con", "air-con", "aircon", "air conditioning", "heating", "a/c"),
    "tv": ("tv", "television", "remote"),
    "network": ("wifi", "wi-fi", "network", "internet"),
    "bathroom": ("shower", "toilet", "sink", "bath", "tap", "drain"),
    "furniture": ("chair", "table", "bed", "wardrobe", "desk", "lamp"),
    "safety": ("smoke", "alarm", "extinguisher", "lock", "safe"),
}
# A request moves forward only: open -> in_progress -> resolved (or cancelled).
NEXT_STATUSES = {
    "open": ("in_progress", "resolved", "cancelled"),
    "in_progress": ("resolved", "cancelled"),
}


def category_from_text(text: str) -> str:
    """A guest's words to a maintenance category, for requests taken at the desk."""
    lowered = f" {text.lower()} "
    for category, words in _KEYWORDS.items():
        if any(f" {word}" in lowered for word in words):
            return category
    return "other"


class UnknownRequest(NotFound):
    title = "Unknown maintenance request"


class MaintenanceRequests(MaintenanceContext):
    async def request(
        self,
        *,
        request_id: str,
        room_number: str,
        category: str,
        priority: MaintenancePriority,
        description: str,
        reported_by: str,
        source: str,
        origin: dict[str, Any],
        guest_id: str | None = None,
    ) -> tuple[dict[str, Any], bool]:
        """Records the request once per id, with its maintenance.requested event. A
        guest's request names the guest: its description is erased with them."""
        await self.rooms.room(room_number)
        request = {
            "_id": request_id,
            "property_id": self.repository.property_id,
            "room_number": room_number,
            "category": category,
            "priority": priority,
            "description": description,
            "reported_by": reported_by,
            "source": source,
            "guest_id": guest_id,
            "status": "open",
            "reported_at": self.clock(),
            "resolved_at": None,
        }
        event = MaintenanceRequested.new(
            MaintenanceRequestedPayload(
                request_id=request_id,
                room_number=room_number,
                category=category,
                priority=priority,
                description=description,
                reported_by=reported_by,
                guest_id=guest_id,
            ),
            **origin,
        )
        created = await self.repository.add_maintenance_once(with_outbox(request, event))
        if created:
            self.events_written()
            log.info(
                "maintenance requested",
                request_id=request_id,
                room_number=room_number,
                category=category,
                priority=priority,
            )
        return await self.get(request_id), created

    async def get(self, request_id: str) -> dict[str, Any]:
        request = await self.repository.maintenance_request(request_id)
        if request is None:
            raise UnknownRequest(f"no maintenance request {request_id!r}")
        return request

    async def list(
        self, status: str | None, room_number: str | None, limit: int = 100, offset: int = 0
    ) -> list[dict[str, Any]]:
        filters = {k: v for k, v in (("status", status), ("room_number", room_number)) if v}
        return await self.repository.find_maintenance(filters, limit, offset)

    async def move(self, request_id: str, status: str) -> dict[str, Any]:
        request = await self.get(request_id)
        if status not in NEXT_STATUSES.get(request["status"], ()):
            raise Conflict(
                f"maintenance request {request_id} is {request['status']}; "
                f"it cannot become {status}"
            )
        fields: dict[str, Any] = {"status": status}
        if status == "resolved":
            fields["resolved_at"] = self.clock()
        if not await self.repository.move_maintenance(request, fields):
            raise Conflict(f"maintenance request {request_id} changed meanwhile; read it again")
        return await self.get(request_id)
