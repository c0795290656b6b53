"""Guest requests raised at the desk (towels, a cleaning, a turndown...) as tasks."""

from __future__ import annotations

from shared.events import GuestRequestRaised

from .domain import TaskKind, request_task_id
from .housekeeping_context import HousekeepingContext
from .maintenance_requests import category_from_text
from .rooms import caused_by


class GuestRequests(HousekeepingContext):
    async def on_guest_request(self, event: GuestRequestRaised) -> None:
        request = event.payload
        room = await self.rooms.room(request.room_number)
        if request.kind == "maintenance":
            await self.maintenance.request(
                request_id=request.request_id,
                room_number=request.room_number,
                category=category_from_text(request.details),
                priority="urgent" if request.urgent else "normal",
                description=request.details,
                reported_by=request.taken_by,
                source="guest",
                origin=caused_by(event),
                guest_id=request.guest_id,  # the guest's words: erased with the guest
            )
            return
        kind = {
            "cleaning": TaskKind.URGENT_CLEANING if request.urgent else TaskKind.CLEANING_REQUEST,
            "amenities": TaskKind.AMENITY_DELIVERY,
            "turndown": TaskKind.TURNDOWN,
        }[request.kind]
        occupant = room.get("occupant") or {}
        await self.create_task(
            request_task_id(request.request_id),
            kind,
            room,
            day=await self.business_dates.today(),
            stay_id=request.stay_id or occupant.get("stay_id"),
            guest_id=request.guest_id or occupant.get("guest_id"),
            urgent=request.urgent,
            vip=bool(occupant.get("vip")),
            cause=event,
            extra={"request_id": request.request_id, "details": request.details},
        )
