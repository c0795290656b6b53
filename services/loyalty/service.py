"""Loyalty use cases: earn points from stays, report a guest's balance."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from shared.events import PointsAccrued, PointsAccruedPayload, StayCheckedOut
from shared.logging import get_logger
from shared.outbox import with_outbox
from shared.problems import NotFound

from .domain import points_for_stay, stay_earning_entry_id
from .repository import LoyaltyRepository

log = get_logger(__name__)
PRODUCER = "loyalty"


class LoyaltyService:
    def __init__(self, repository: LoyaltyRepository, *, points_per_currency_unit: int,
                 events_written: Callable[[], None]) -> None:
        self.repository = repository
        self.points_per_currency_unit = points_per_currency_unit
        self.events_written = events_written

    async def earn_for_stay(self, event: StayCheckedOut) -> None:
        stay = event.payload
        entry_id = stay_earning_entry_id(stay.stay_id)
        points = points_for_stay(stay.room_revenue, self.points_per_currency_unit)
        created = await self.repository.add_entry_once(with_outbox({
            "_id": entry_id,
            "guest_id": stay.guest_id,
            "property_id": event.property_id,
            "points": points,
            "reason": "stay",
            "stay_id": stay.stay_id,
            "source_event_id": str(event.event_id),
            "created_at": datetime.now(UTC),
        }, PointsAccrued.new(PointsAccruedPayload(
            entry_id=entry_id, guest_id=stay.guest_id, points=points, reason="stay",
            stay_id=stay.stay_id,
        ), producer=PRODUCER, **event.caused())))
        if created:
            self.events_written()
            log.info("points accrued", entry_id=entry_id, points=points)

    async def points_of(self, guest_id: str) -> dict[str, Any]:
        entries = await self.repository.entries_of(guest_id)
        if not entries:
            raise NotFound(f"guest {guest_id!r} has no loyalty record")
        return {"guest_id": guest_id, "balance": sum(entry["points"] for entry in entries),
                "entries": [{"entry_id": entry["_id"], **entry} for entry in entries]}
