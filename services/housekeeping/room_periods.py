"""A room's out-of-order (or out-of-service) periods: scheduled, cancelled, ended early or
extended, each change written with the event that tells reservation which nights the room
is not for sale. The periods start and end by themselves (period_transitions.py)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

from shared.clock import PropertyClock
from shared.errors import Conflict, NotFound, Unprocessable
from shared.events import (
    Event,
    RoomOutOfOrderCancelled,
    RoomOutOfOrderChanged,
    RoomOutOfOrderPayload,
    RoomOutOfOrderScheduled,
)
from shared.logging import get_logger
from shared.outbox import push_outbox, with_outbox

from .domain import UNAVAILABLE, RoomStatus, occupancy
from .period_transitions import PeriodTransitions
from .rooms import from_request

log = get_logger(__name__)

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


def first_overlap(
    periods: list[dict[str, Any]], start: datetime, end: datetime, *, besides: str | None = None
) -> dict[str, Any] | None:
    """The first scheduled or active period (other than `besides`) that shares time with
    start..end: a room is out of order for one reason at a time."""
    for other in periods:
        if (
            other["_id"] != besides
            and other["state"] in ("scheduled", "active")
            and start < other["end"]
            and other["start"] < end
        ):
            return other
    return None


class RoomPeriods(PeriodTransitions):
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
        other = first_overlap(await self.repository.periods_of(room_number), start, end)
        if other is not None:
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
        others = await self.repository.periods_of(period["room_number"])
        other = first_overlap(others, period["start"], end, besides=period_id)
        if other is not None:
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

    async def periods_of(self, room_number: str) -> list[dict[str, Any]]:
        await self.rooms.room(room_number)
        return await self.repository.periods_of(room_number)
