"""Housekeeping use cases driven by events: tasks and room status follow the guests.

Tasks are created from events only (checkout, assignment, requests, the morning plan),
never by a call: each task's `_id` is its cause, so a redelivered event finds its task
already there and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from shared.business_date import BusinessDates
from shared.clock import Clock, PropertyClock
from shared.events import (
    Event,
    GuestAnonymized,
    GuestCreated,
    GuestMerged,
    GuestRequestRaised,
    GuestUpdated,
    HkTaskCreated,
    HkTaskCreatedPayload,
    RoomAssigned,
    StayCheckedIn,
    StayCheckedOut,
    StayExtended,
    StayRoomCheckRequested,
    StayRoomMoved,
    StayShortened,
)
from shared.logging import get_logger

from .domain import (
    RoomChange,
    RoomStatus,
    Task,
    TaskKind,
    TaskStatus,
    arrival_task_id,
    departure_task_id,
    move_out_task_id,
    request_task_id,
    status_after_check_in,
    status_after_check_out,
)
from .maintenance import MaintenanceService, category_from_text
from .planning import (
    amenity_preferences,
    checklist_for,
    habits_from,
    preparation_for,
    priority_for,
    standard_amenities,
)
from .repository import HousekeepingRepository
from .rooms import RoomKeeper, caused_by

log = get_logger(__name__)


class HousekeepingService:
    def __init__(
        self,
        repository: HousekeepingRepository,
        rooms: RoomKeeper,
        maintenance: MaintenanceService,
        *,
        clock: Clock,
        events_written: Callable[[], None],
        business_dates: BusinessDates | None = None,
    ) -> None:
        self.repository = repository
        self.rooms = rooms
        self.maintenance = maintenance
        self.clock = clock
        self.events_written = events_written
        # The day a task is for is the hotel's business date, never the event's UTC date.
        self.business_dates = business_dates or BusinessDates(
            None, repository.property_id, PropertyClock(clock)
        )

    # --- stays ------------------------------------------------------------------------

    async def on_check_in(self, event: StayCheckedIn) -> None:
        stay = event.payload
        occupant = {
            "stay_id": stay.stay_id,
            "guest_id": stay.guest_id,
            "arrival": stay.arrival.isoformat(),
            # an extension handled before the check-in is kept
            "departure": await self.repository.latest_departure(
                stay.stay_id, stay.departure.isoformat()
            ),
            "vip": stay.vip,
        }

        def check_in(room: dict[str, Any]) -> RoomChange:
            return RoomChange(
                status_after_check_in(RoomStatus(room["status"])),
                "guest checked in",
                occupant=occupant,
                do_not_disturb=False,
            )

        await self.rooms.change(stay.room_number, str(event.event_id), check_in, caused_by(event))

    async def on_check_out(self, event: StayCheckedOut) -> None:
        stay = event.payload
        room = await self.rooms.room(stay.room_number)
        await self.create_task(
            departure_task_id(stay.stay_id),
            TaskKind.DEPARTURE_CLEANING,
            room,
            day=await self.business_dates.today(),
            stay_id=stay.stay_id,
            cause=event,
        )
        await self.rooms.change(
            stay.room_number, str(event.event_id), _vacated("guest checked out"), caused_by(event)
        )
        await self._cancel_stayovers(stay.stay_id, "guest checked out")

    async def on_extended(self, event: StayExtended) -> dict[str, Any] | None:
        """The stay leaves later: the room's occupant carries the new departure, so the
        plan serves the added nights (stayover_for plans none on or after the departure).
        Returns the room while that stay occupies it (the event guards the change: a
        redelivery changes nothing)."""
        stay = event.payload
        room, _ = await self._follow_departure(event, stay.stay_id, stay.room_number)
        return room

    async def on_shortened(self, event: StayShortened) -> None:
        """The guest leaves earlier: the room's occupant carries the new departure, so no
        plan serves the nights given up, and a stay-over already planned on or after it
        is cancelled."""
        stay = event.payload
        _, departure = await self._follow_departure(event, stay.stay_id, stay.room_number)
        cancelled = await self.repository.set_open_tasks_fields(
            {
                "stay_id": stay.stay_id,
                "kind": TaskKind.STAYOVER_SERVICE.value,
                "day": {"$gte": departure},
            },
            {"status": TaskStatus.CANCELLED.value, "cancel_reason": "stay shortened"},
        )
        log.info("stay shortened", stay_id=stay.stay_id, stayovers_cancelled=cancelled)

    async def _follow_departure(
        self, event: StayExtended | StayShortened, stay_id: str, room_number: str
    ) -> tuple[dict[str, Any] | None, str]:
        """The stay's departure as its latest change says, onto its room's occupant;
        the room (while that stay occupies it) and the departure."""
        stay = event.payload
        departure = await self.repository.latest_departure(
            stay_id, stay.departure.isoformat(), stay.revision
        )

        def new_departure(room: dict[str, Any]) -> RoomChange | None:
            occupant = room.get("occupant") or {}
            if occupant.get("stay_id") != stay_id or occupant.get("departure") == departure:
                return None  # not (or no longer) the stay's room, or already known
            return RoomChange(
                RoomStatus(room["status"]),
                f"departure moved to {departure}",
                occupant={**occupant, "departure": departure},
            )

        await self.rooms.change(room_number, str(event.event_id), new_departure, caused_by(event))
        room = await self.rooms.room(room_number)
        occupant = room.get("occupant") or {}
        if occupant.get("stay_id") == stay_id and occupant.get("departure") == departure:
            log.info("departure followed", stay_id=stay_id, departure=departure)
            return room, departure
        return None, departure

    async def on_room_check_requested(self, event: StayRoomCheckRequested) -> None:
        """The guest is leaving: the departure task exists now (the same task check-out
        would create), so the attendant can report the room check before the folio is
        settled; it is marked urgent, the desk is waiting."""
        asked = event.payload
        room = await self.rooms.room(asked.room_number)
        await self.create_task(
            departure_task_id(asked.stay_id),
            TaskKind.DEPARTURE_CLEANING,
            room,
            day=await self.business_dates.today(),
            stay_id=asked.stay_id,
            guest_id=asked.guest_id,
            urgent=True,
            cause=event,
            extra={"room_check_requested": True, "settle_by": asked.settle_by},
        )

    async def on_room_moved(self, event: StayRoomMoved) -> None:
        """The guest, with their stay, goes to the new room; the old one needs cleaning."""
        move = event.payload
        from_room = await self.rooms.room(move.from_room)
        occupant = from_room.get("occupant") or {"stay_id": move.stay_id, "guest_id": move.guest_id}

        def move_in(room: dict[str, Any]) -> RoomChange:
            return RoomChange(
                status_after_check_in(RoomStatus(room["status"])),
                f"guest moved in from {move.from_room}",
                occupant=occupant,
                do_not_disturb=False,
            )

        guard = str(event.event_id)
        await self.rooms.change(move.to_room, guard, move_in, caused_by(event))
        await self.create_task(
            move_out_task_id(move.stay_id, move.from_room),
            TaskKind.DEPARTURE_CLEANING,
            from_room,
            day=await self.business_dates.today(),
            stay_id=move.stay_id,
            cause=event,
        )
        await self.rooms.change(
            move.from_room, guard, _vacated(f"guest moved to {move.to_room}"), caused_by(event)
        )
        await self._cancel_stayovers(move.stay_id, "guest moved", room_number=move.from_room)

    async def on_room_assigned(self, event: RoomAssigned) -> None:
        """Arrival preparation for the assigned room, with the guest's amenity preferences.
        A reassignment cancels the preparation of the room given before. A room given at
        the desk as the guest checks in (the event names the stay) was ready already, the
        desk gives no other: it is prepared only when there is something to bring (a VIP
        welcome or the guest's amenities)."""
        assigned = event.payload
        room = await self.rooms.room(assigned.room_number)
        guest = await self.repository.guest(assigned.guest_id)
        amenities = guest["amenities"] if guest else []
        requested = preparation_for(list(assigned.special_requests))
        if not assigned.stay_id or assigned.vip or amenities or requested:
            await self.create_task(
                arrival_task_id(assigned.reservation_id, assigned.room_number),
                TaskKind.ARRIVAL_PREPARATION,
                room,
                day=assigned.arrival,
                stay_id=assigned.stay_id,
                guest_id=assigned.guest_id,
                vip=assigned.vip,
                cause=event,
                extra={
                    "reservation_id": assigned.reservation_id,
                    "guest_amenities": amenities,
                    "booking_requests": requested,
                },
            )
        await self.repository.set_open_tasks_fields(
            {
                "reservation_id": assigned.reservation_id,
                "kind": TaskKind.ARRIVAL_PREPARATION.value,
                "room_number": {"$ne": assigned.room_number},
            },
            {"status": TaskStatus.CANCELLED.value, "cancel_reason": "room reassigned"},
        )

    # --- guest requests ------------------------------------------------------------------

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

    # --- guest profiles ------------------------------------------------------------------

    async def on_guest_profile(self, event: GuestCreated | GuestUpdated) -> None:
        """Keeps only what housekeeping needs: habits and amenity preferences."""
        profile = event.payload
        habits = habits_from(profile.preferences)
        amenities = amenity_preferences(profile.preferences)
        changed = await self.repository.save_guest(
            {
                "_id": profile.guest_id,
                "property_id": event.property_id,
                "version": profile.version,
                "vip": profile.vip,
                "no_service": habits.no_service,
                "preferred_time": habits.preferred_time,
                "linen_every_nights": habits.linen_every_nights,
                "amenities": amenities,
            }
        )
        if changed:
            # Rooms still being prepared for this guest get the new preferences.
            await self.repository.set_open_tasks_fields(
                {"guest_id": profile.guest_id, "kind": TaskKind.ARRIVAL_PREPARATION.value},
                {"guest_amenities": amenities},
            )

    async def on_guest_merged(self, event: GuestMerged) -> None:
        """Loyalty merged duplicates: tasks and rooms follow the surviving guest id."""
        merge = event.payload
        counts = await self.repository.follow_merge(
            list(merge.merged_guest_ids), merge.surviving_guest_id
        )
        log.info("guest merge followed", surviving=merge.surviving_guest_id, **counts)

    async def on_guest_anonymized(self, event: GuestAnonymized) -> None:
        erased = event.payload
        counts = await self.repository.erase_guests([erased.guest_id, *erased.also_known_as])
        log.info("guest data erased", **counts)

    async def _cancel_stayovers(self, stay_id: str, reason: str, **where: str) -> None:
        """A stay-over planned this morning is void once the guest has left the room."""
        await self.repository.set_open_tasks_fields(
            {"stay_id": stay_id, "kind": TaskKind.STAYOVER_SERVICE.value, **where},
            {"status": TaskStatus.CANCELLED.value, "cancel_reason": reason},
        )

    # --- tasks -----------------------------------------------------------------------

    async def create_task(
        self,
        task_id: str,
        kind: TaskKind,
        room: dict[str, Any],
        *,
        day: date,
        cause: Event[Any] | None,
        origin: dict[str, Any] | None = None,
        stay_id: str | None = None,
        guest_id: str | None = None,
        vip: bool = False,
        urgent: bool = False,
        change_linen: bool = False,
        extra: dict[str, Any] | None = None,
    ) -> bool:
        """Creates the task once (its id is its cause) with its hk.task.created event."""
        priority = priority_for(kind, vip=vip, urgent=urgent)
        # Every field written, as before the aggregate was typed: the stored shape is kept.
        fields: dict[str, Any] = dict(
            id=task_id,
            property_id=self.repository.property_id,
            kind=kind,
            room_number=room["number"],
            room_type=room["room_type"],
            floor=room["floor"],
            stay_id=stay_id,
            guest_id=guest_id,
            day=day.isoformat(),
            status=TaskStatus.OPEN,
            priority=priority,
            vip=vip,
            assigned_to=None,
            change_linen=change_linen,
            checklist=checklist_for(kind, change_linen),
            restock=standard_amenities(room["room_type"]) if kind in RESTOCKED_KINDS else {},
            guest_amenities=[],
            scheduled_time=None,
            work_seconds=0,
            working_since=None,
            started_at=None,
            finished_at=None,
            inspections=[],
            revision=0,
            created_at=self.clock(),
            source_event_id=str(cause.event_id) if cause else None,
        )
        task = Task.model_validate({**fields, **(extra or {})})  # extra as before: it wins
        event = HkTaskCreated.new(
            HkTaskCreatedPayload(
                task_id=task_id,
                kind=kind.value,
                room_number=room["number"],
                stay_id=stay_id,
                priority=priority,
            ),
            **(caused_by(cause) if cause else origin or {}),
        )
        created = await self.repository.add_task_once(task, event)
        if created:
            self.events_written()
            log.info("task created", task_id=task_id, kind=kind.value, room_number=room["number"])
        return created


# Tasks that leave the room's amenities restocked when finished.
RESTOCKED_KINDS = (
    TaskKind.DEPARTURE_CLEANING,
    TaskKind.STAYOVER_SERVICE,
    TaskKind.ARRIVAL_PREPARATION,
)


def _vacated(reason: str):
    def vacate(room: dict[str, Any]) -> RoomChange:
        return RoomChange(
            status_after_check_out(RoomStatus(room["status"])),
            reason,
            vacated=True,
            do_not_disturb=False,
        )

    return vacate
