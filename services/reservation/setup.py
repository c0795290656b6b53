"""Property set-up through the API: room types (capacity, beds, features, overbooking
allowance) and rate plans. A change of capacity publishes availability.changed for the
nights already on the books, from the room type's own outbox."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shared.errors import Conflict, NotFound, Unprocessable
from shared.events import AvailabilityChanged, AvailabilityChangedPayload
from shared.logging import current_correlation_id
from shared.outbox import push_outbox

from .policies import RatePlanUpsert, RoomTypeUpsert, local_date
from .repository import ReservationRepository
from .service import PRODUCER, capacity_of


class PropertySetupService:
    def __init__(
        self,
        repository: ReservationRepository,
        *,
        events_written: Callable[[], None],
        clock: Callable[[], Any],
        horizon_days: int = 365,
    ) -> None:
        self.repository = repository
        self.events_written = events_written
        self.clock = clock
        self.horizon_days = horizon_days

    async def room_types(self) -> list[dict[str, Any]]:
        return await self.repository.all_room_types()

    async def room_type(self, code: str) -> dict[str, Any]:
        room_type = await self.repository.room_type(code)
        if room_type is None:
            raise NotFound(f"no room type {code!r}")
        return room_type

    async def save_room_type(self, code: str, request: RoomTypeUpsert) -> dict[str, Any]:
        fields = request.model_dump(mode="json")
        fields["bed"] = request.beds[0]  # the skeleton's single bed field, kept for readers
        new_capacity = request.rooms + request.overbooking_allowance
        events = []
        before = await self.repository.room_type(code)
        if before is not None:
            await self._refuse_below_sold(code, new_capacity)
        if before is None or capacity_of(before) != new_capacity:
            events = await self._availability_from(code, new_capacity)
        saved = await self.repository.save_room_type(code, fields, push_outbox(*events))
        self.events_written()
        return saved

    async def _refuse_below_sold(self, code: str, capacity: int) -> None:
        """Capacity cannot go below what is already sold on a night to come: the rooms
        are promised (409 naming the first such night)."""
        today = local_date(self.clock()).isoformat()
        oversold = sorted(
            (doc["night"], doc["sold"])
            for doc in await self.repository.inventory.documents(today, "9999-12-31")
            if doc["room_type"] == code and doc["sold"] > capacity
        )
        if oversold:
            night, sold = oversold[0]
            raise Conflict(
                f"{code!r} has {sold} rooms sold on the night of {night}: the "
                f"capacity cannot be set to {capacity}",
                night=night,
                sold=sold,
            )

    async def _availability_from(self, code: str, capacity: int) -> list[AvailabilityChanged]:
        today = local_date(self.clock()).isoformat()
        documents = await self.repository.inventory.documents(today, "9999-12-31")
        left = {
            doc["night"]: capacity - doc["sold"] for doc in documents if doc["room_type"] == code
        }
        if not left:
            return []
        return [
            AvailabilityChanged.new(
                AvailabilityChangedPayload(room_type=code, rooms_left=dict(sorted(left.items()))),
                producer=PRODUCER,
                property_id=self.repository.property_id,
                correlation_id=current_correlation_id(),
            )
        ]

    async def rate_plans(self) -> list[dict[str, Any]]:
        return await self.repository.all_rate_plans()

    async def rate_plan(self, code: str) -> dict[str, Any]:
        plan = await self.repository.rate_plan(code)
        if plan is None:
            raise NotFound(f"no rate plan {code!r}")
        return plan

    async def save_rate_plan(self, code: str, request: RatePlanUpsert) -> dict[str, Any]:
        known = {room_type["code"] for room_type in await self.repository.all_room_types()}
        named = set(request.room_types or []) | {price.room_type for price in request.prices}
        if unknown := named - known:
            raise Unprocessable(f"unknown room type(s): {', '.join(sorted(unknown))}")
        return await self.repository.save_rate_plan(code, request.model_dump(mode="json"))
