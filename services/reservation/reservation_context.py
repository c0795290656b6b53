"""What every reservation use case stands on: the repository and its inventory, the
clock, the cipher, this process's lease, the events' origin, and the loads and checks
they share. The use cases (inventory_holds.py, booking_document.py, new_bookings.py,
amendments.py, closing.py, guest_records.py) subclass it; service.py puts them together."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from shared.clock import Clock
from shared.crypto import PersonalDataCipher
from shared.errors import Conflict, NotFound, Unprocessable
from shared.logging import current_correlation_id
from shared.process_lease import ProcessLease

from .domain import ReservationStatus
from .policies import local_date
from .repository import ReservationRepository

PRODUCER = "reservation"
# Extra outbox entries (an integrator's report) to write with the reservation's change.
AlsoPublish = Callable[[dict[str, Any]], list[dict[str, Any]]]


class NoAvailability(Conflict):
    title = "No availability"


class StillInFlight(Conflict):
    """The same request (key or channel reference) is being booked right now."""

    title = "Request in progress"


def outbox_push(entries: Iterable[dict[str, Any]]) -> dict[str, Any]:
    return {"outbox": {"$each": list(entries)}}


class ReservationContext:
    def __init__(
        self,
        repository: ReservationRepository,
        *,
        currency: str,
        max_nights: int,
        events_written: Callable[[], None],
        clock: Clock,
        cipher: PersonalDataCipher,
        in_flight_wait_seconds: float = 10.0,
        lease: ProcessLease | None = None,
    ) -> None:
        self.repository = repository
        # Names this process as the owner of half-done writes (shared/process_lease.py).
        self.lease = lease
        self.inventory = repository.inventory
        self.currency = currency
        self.max_nights = max_nights
        self.events_written = events_written
        self.clock = clock
        self.cipher = cipher
        self.in_flight_wait_seconds = in_flight_wait_seconds

    @property
    def property_id(self) -> str:
        return self.repository.property_id

    @property
    def owner(self) -> str | None:
        return self.lease.owner if self.lease else None

    async def owner_died(self, owner: str | None) -> bool:
        return self.lease is not None and await self.lease.lapsed(owner)

    async def get_reservation(self, reservation_id: str) -> dict[str, Any]:
        reservation = await self.repository.get(reservation_id)
        if reservation is None:
            raise NotFound(f"no reservation {reservation_id!r}")
        return reservation

    async def _confirmed(self, reservation_id: str) -> dict[str, Any]:
        current = await self.get_reservation(reservation_id)
        if current["status"] in (ReservationStatus.IN_HOUSE, ReservationStatus.CHECKED_OUT):
            raise Conflict(
                f"reservation {reservation_id!r} is {current['status']}: the guest "
                "checked in, so it can no longer be cancelled, amended or marked "
                "a no-show",
                status=current["status"],
            )
        if current["status"] != ReservationStatus.CONFIRMED:
            raise Conflict(f"reservation {reservation_id!r} is {current['status']}")
        if current.get("amendment"):
            raise Conflict(f"reservation {reservation_id!r} is being changed right now")
        return current

    async def _room_type(self, code: str) -> dict[str, Any]:
        room_type = await self.repository.room_type(code)
        if room_type is None:
            raise Unprocessable(f"unknown room type {code!r}")
        return room_type

    def _check_stay(self, arrival: date, departure: date, *, arrival_changed: bool) -> None:
        if departure <= arrival:
            raise Unprocessable("departure must be after arrival")
        nights = (departure - arrival).days
        if nights > self.max_nights:
            raise Unprocessable(f"a stay is at most {self.max_nights} nights, not {nights}")
        if arrival_changed and arrival < local_date(self.clock()):
            raise Unprocessable(f"arrival {arrival.isoformat()} is in the past")

    @staticmethod
    def _check_occupancy(
        room_type: dict[str, Any], people: int, rooms: int, adults: int | None = None
    ) -> None:
        if adults is not None and adults < rooms:
            raise Unprocessable("every room needs at least one adult")
        if people > room_type["max_occupancy"] * rooms:
            raise Unprocessable(
                f"{rooms} {room_type['name']} room(s) sleep at most "
                f"{room_type['max_occupancy'] * rooms}"
            )

    def event_origin(self) -> dict[str, Any]:
        return {
            "producer": PRODUCER,
            "property_id": self.property_id,
            "correlation_id": current_correlation_id(),
        }

    async def publish_for(self, reservation: dict[str, Any], entries: list[dict[str, Any]]) -> None:
        """Queues more messages on a reservation's outbox (a repeated report)."""
        await self.repository.update_reservation(
            {"_id": reservation["_id"]}, {"$push": outbox_push(entries)}
        )
        self.events_written()


def capacity_of(room_type: dict[str, Any]) -> int:
    return room_type["rooms"] + room_type.get("overbooking_allowance", 0)


def guest_name_of(reservation: dict[str, Any]) -> str:
    return f"{reservation['guest']['first_name']} {reservation['guest']['last_name']}"


def request_text(request: dict[str, Any]) -> str:
    return f"{request['kind']}: {request['detail']}" if request.get("detail") else request["kind"]
