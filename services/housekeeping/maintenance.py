"""Maintenance requests, and out-of-order periods that change room status by themselves.

A period is stored with its start and end; `RoomPeriodWorker` (workers.py) applies whichever
transitions are due by the injected clock. Each transition is guarded on the room by
`period|<id>|start` / `period|<id>|end`, and the period's state moves after the room, so
a pass cut off between the two (a crash, a restart) is finished by the next pass without
changing the room twice. A service down for the whole period applies both on its return.
"""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from shared.clock import Clock, PropertyClock
from shared.errors import Conflict, NotFound, Unprocessable
from shared.events import (
    Event,
    MaintenancePriority,
    MaintenanceRequested,
    MaintenanceRequestedPayload,
    RoomOutOfOrderCancelled,
    RoomOutOfOrderChanged,
    RoomOutOfOrderPayload,
    RoomOutOfOrderScheduled,
)
from shared.logging import get_logger
from shared.outbox import push_outbox, with_outbox

from .domain import (
    UNAVAILABLE,
    PeriodStart,
    RoomChange,
    RoomStatus,
    occupancy,
    status_after_period_ends,
)
from .repository import HousekeepingRepository
from .rooms import RoomKeeper, from_request

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


# A night is the room's from the check-in hour to the next day's check-out hour (local).
NIGHT_STARTS_HOUR, NIGHT_ENDS_HOUR = 14, 12


def nights_out_of_order(
    start: datetime, end: datetime, clock: PropertyClock | None = None
) -> list[date]:
    """The nights a period takes the room from: those it overlaps at all."""
    clock = clock or PropertyClock()
    day = start.astimezone(clock.tz).date() - timedelta(days=1)
    nights = []
    while clock.local_time(day, NIGHT_STARTS_HOUR) < end:
        if clock.local_time(day + timedelta(days=1), NIGHT_ENDS_HOUR) > start:
            nights.append(day)
        day += timedelta(days=1)
    return nights


def out_of_order_event(
    kind: type[Event[RoomOutOfOrderPayload]], period: dict[str, Any]
) -> Event[RoomOutOfOrderPayload]:
    return kind.new(
        RoomOutOfOrderPayload(
            period_id=period["_id"],
            room_number=period["room_number"],
            room_type=period.get("room_type") or "",
            kind=period["kind"],
            start=period["start"],
            end=period["end"],
            nights=nights_out_of_order(period["start"], period["end"]),
            revision=period.get("revision", 0),
        ),
        **from_request(period["property_id"]),
    )


class UnknownRequest(NotFound):
    title = "Unknown maintenance request"


class MaintenanceService:
    def __init__(
        self,
        repository: HousekeepingRepository,
        rooms: RoomKeeper,
        *,
        clock: Clock,
        events_written: Callable[[], None],
    ) -> None:
        self.repository = repository
        self.rooms = rooms
        self.clock = clock
        self.events_written = events_written

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

    # --- out-of-order / out-of-service periods ------------------------------------------

    async def add_period(
        self,
        room_number: str,
        *,
        kind: str,
        start: datetime,
        end: datetime,
        reason: str,
        return_status: RoomStatus | None,
        request_id: str | None,
    ) -> dict[str, Any]:
        await self.rooms.room(room_number)
        if end <= start:
            raise Unprocessable("the period must end after it starts")
        if return_status is not None and (
            return_status in UNAVAILABLE or occupancy(return_status) != "vacant"
        ):
            raise Unprocessable(
                "a room comes back from a period vacant: "
                "vacant_dirty, vacant_clean or vacant_inspected"
            )
        for other in await self.repository.periods_of(room_number):
            if (
                other["state"] in ("scheduled", "active")
                and start < other["end"]
                and other["start"] < end
            ):
                raise Conflict(
                    f"room {room_number} already has period {other['_id']} "
                    f"from {other['start']:%Y-%m-%d %H:%M} to {other['end']:%H:%M}"
                )
        room = await self.rooms.room(room_number)
        period = {
            "_id": str(uuid.uuid4()),
            "property_id": self.repository.property_id,
            "room_number": room_number,
            "room_type": room.get("room_type"),
            "kind": kind,
            "start": start,
            "end": end,
            "reason": reason,
            "request_id": request_id,
            "state": "scheduled",
            "return_status": return_status.value if return_status else None,
            "status_before": None,
            "created_at": self.clock(),
        }
        # Reservation sells one room fewer of the type on the period's nights.
        await self.repository.add_period(
            with_outbox(period, out_of_order_event(RoomOutOfOrderScheduled, period))
        )
        self.events_written()
        log.info(
            "room period scheduled",
            room_number=room_number,
            kind=kind,
            start=start.isoformat(),
            end=end.isoformat(),
        )
        return period

    async def cancel_period(self, period_id: str) -> dict[str, Any]:
        period = await self.repository.period(period_id)
        if period is None:
            raise NotFound(f"no out-of-order period {period_id!r}")
        if period["state"] != "scheduled":
            raise Conflict(
                f"period {period_id} is {period['state']}; only a scheduled period "
                "can be cancelled (end an active one by moving its end)"
            )
        if not await self.repository.move_period(
            period_id,
            "scheduled",
            {"state": "cancelled"},
            push_outbox(out_of_order_event(RoomOutOfOrderCancelled, period)),
        ):
            raise Conflict(f"period {period_id} changed meanwhile; read it again")
        self.events_written()
        return await self._period(period_id)

    async def change_period_end(self, period_id: str, end: datetime | None) -> dict[str, Any]:
        """Ends a period early or extends it (issue 12: a running period could only run
        its course). A new end at or before now ends it at once; an extension may not run
        into the room's next period."""
        period = await self.repository.period(period_id)
        if period is None:
            raise NotFound(f"no out-of-order period {period_id!r}")
        if period["state"] not in ("scheduled", "active"):
            raise Conflict(f"period {period_id} is {period['state']}; it cannot change")
        now = self.clock()
        end = max(end or now, period["start"]) if period["state"] == "active" else end
        if end is None or end <= period["start"]:
            raise Unprocessable(
                "the period must end after it starts; cancel a scheduled period instead"
            )
        for other in await self.repository.periods_of(period["room_number"]):
            if (
                other["_id"] != period_id
                and other["state"] in ("scheduled", "active")
                and period["start"] < other["end"]
                and other["start"] < end
            ):
                raise Conflict(
                    f"room {period['room_number']} has period {other['_id']} from "
                    f"{other['start']:%Y-%m-%d %H:%M}: the end cannot run into it"
                )
        changed = {
            "end": end,
            "end_changed_at": now,
            "original_end": period.get("original_end") or period["end"],
            "revision": period.get("revision", 0) + 1,
        }
        # Reservation sells the room again on the nights it gives back, or one fewer on
        # the nights it adds: the period's nights as they now are, in the same write.
        if not await self.repository.move_period(
            period_id,
            period["state"],
            changed,
            push_outbox(out_of_order_event(RoomOutOfOrderChanged, {**period, **changed})),
            revision=period.get("revision", 0),
        ):
            raise Conflict(f"period {period_id} changed meanwhile; read it again")
        self.events_written()
        log.info(
            "room period end changed",
            room_number=period["room_number"],
            end=end.isoformat(),
            early=end < period["end"],
        )
        if end <= now:
            await self.apply_due_periods()  # ended early: the room comes back now
        return await self._period(period_id)

    async def _period(self, period_id: str) -> dict[str, Any]:
        period = await self.repository.period(period_id)
        assert period is not None  # just written: periods are never deleted
        return period

    # `builtins.`: this class has a method named `list`
    async def periods_of(self, room_number: str) -> builtins.list[dict[str, Any]]:
        await self.rooms.room(room_number)
        return await self.repository.periods_of(room_number)

    async def apply_due_periods(self) -> int:
        """Starts and ends the periods whose time has come; returns transitions made."""
        now = self.clock()
        done = 0
        for period in await self.repository.periods_in_state("scheduled"):
            if period["start"] <= now:
                await self._start(period)
                done += 1
        for period in await self.repository.periods_in_state("active"):
            if period["end"] <= now:
                await self._end(period)
                done += 1
        return done

    async def _start(self, period: dict[str, Any]) -> None:
        target = RoomStatus(period["kind"])
        before: dict[str, Any] = {}

        def take_out(room: dict[str, Any]) -> RoomChange:
            before["status"] = room["status"]
            return RoomChange(
                target,
                f"{period['kind'].replace('_', ' ')}: {period['reason']}",
                period_started=PeriodStart(period["_id"], RoomStatus(room["status"])),
            )

        origin = from_request(period["property_id"])
        await self.rooms.change(
            period["room_number"], f"period|{period['_id']}|start", take_out, origin
        )
        room = await self.rooms.room(period["room_number"])
        await self.repository.move_period(
            period["_id"],
            "scheduled",
            {
                "state": "active",
                "started_at": self.clock(),
                "status_before": before.get("status") or room.get("status_before_period"),
            },
        )
        log.info("room period started", room_number=period["room_number"], kind=period["kind"])

    async def _end(self, period: dict[str, Any]) -> None:
        back = RoomStatus(
            period["return_status"] or period["status_before"] or RoomStatus.VACANT_DIRTY
        )

        def bring_back(room: dict[str, Any]) -> RoomChange:
            return RoomChange(
                status_after_period_ends(
                    RoomStatus(room["status"]), back, occupied=bool(room.get("occupant"))
                ),
                f"{period['kind'].replace('_', ' ')} ended",
                period_ended=True,
            )

        await self.rooms.change(
            period["room_number"],
            f"period|{period['_id']}|end",
            bring_back,
            from_request(period["property_id"]),
        )
        await self.repository.move_period(
            period["_id"], "active", {"state": "ended", "ended_at": self.clock()}
        )
        log.info("room period ended", room_number=period["room_number"], back_to=back)
