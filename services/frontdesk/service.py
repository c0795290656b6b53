"""Front desk use cases: keep the arrivals list, check guests in and out."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from shared.events import (ReservationCreated, StayCheckedIn, StayCheckedInPayload,
                           StayCheckedOut, StayCheckedOutPayload)
from shared.logging import current_correlation_id, get_logger
from shared.outbox import push_outbox, with_outbox
from shared.problems import Conflict, NotFound

from .domain import StayStatus, new_stay_id, nights_between, settle
from .repository import FrontDeskRepository

log = get_logger(__name__)
PRODUCER = "frontdesk"


class NoRoomFree(Conflict):
    title = "No room free"


class FrontDeskService:
    def __init__(self, repository: FrontDeskRepository, *,
                 events_written: Callable[[], None]) -> None:
        self.repository = repository
        self.events_written = events_written

    async def record_reservation(self, event: ReservationCreated) -> None:
        payload = event.payload
        created = await self.repository.record_arrival({
            "_id": payload.reservation_id,
            "property_id": event.property_id,
            "confirmation_number": payload.confirmation_number,
            "guest_id": payload.guest_id,
            "guest_name": payload.guest_name,
            "room_type": payload.room_type,
            "arrival": payload.arrival.isoformat(),
            "departure": payload.departure.isoformat(),
            "adults": payload.adults,
            "nightly_rates": {night: str(rate) for night, rate in payload.nightly_rates.items()},
            "currency": payload.currency,
            "source_event_id": str(event.event_id),
        })
        log.info("arrival recorded" if created else "arrival already known",
                 reservation_id=payload.reservation_id)

    async def check_in(self, reservation_id: str) -> dict[str, Any]:
        arrival = await self.repository.arrival(reservation_id)
        if arrival is None:
            raise NotFound(f"no arrival for reservation {reservation_id!r} "
                           "(not booked, or its booking has not reached the desk yet)")
        if await self.repository.stay_for_reservation(reservation_id):
            raise Conflict(f"reservation {reservation_id!r} is already checked in")

        stay_id = new_stay_id()
        nights = nights_between(date.fromisoformat(arrival["arrival"]),
                                date.fromisoformat(arrival["departure"]))
        room = await self._allocate_room(arrival["room_type"], nights, stay_id)
        stay = {
            "_id": stay_id,
            "property_id": arrival["property_id"],
            "reservation_id": reservation_id,
            "guest_id": arrival["guest_id"],
            "room_number": room["number"],
            "room_type": arrival["room_type"],
            "arrival": arrival["arrival"],
            "departure": arrival["departure"],
            "nightly_rates": arrival["nightly_rates"],
            "currency": arrival["currency"],
            "status": StayStatus.IN_HOUSE.value,
            "checked_in_at": datetime.now(UTC),
        }
        event = StayCheckedIn.new(StayCheckedInPayload(
            stay_id=stay_id, reservation_id=reservation_id, guest_id=stay["guest_id"],
            room_number=room["number"], room_type=stay["room_type"],
            arrival=stay["arrival"], departure=stay["departure"],
        ), **self._origin(stay))
        try:
            await self.repository.insert_stay(with_outbox(stay, event))
        except Exception:
            await self.repository.release_room_nights(stay_id)
            raise
        self.events_written()
        log.info("guest checked in", stay_id=stay_id, room_number=room["number"])
        return stay

    async def _allocate_room(self, room_type: str, nights: list[date],
                             stay_id: str) -> dict[str, Any]:
        for room in await self.repository.rooms_of_type(room_type):
            if await self.repository.claim_room_nights(room["number"], nights, stay_id):
                return room
        raise NoRoomFree(f"no {room_type} room is free for every night of the stay")

    async def check_out(self, stay_id: str) -> dict[str, Any]:
        stay = await self.repository.stay(stay_id)
        if stay is None:
            raise NotFound(f"no stay {stay_id!r}")
        settlement = settle(stay_id, stay["nightly_rates"], stay["currency"])
        event = StayCheckedOut.new(StayCheckedOutPayload(
            stay_id=stay_id, reservation_id=stay["reservation_id"], guest_id=stay["guest_id"],
            room_number=stay["room_number"], room_type=stay["room_type"],
            arrival=stay["arrival"], departure=stay["departure"], nights=settlement.nights,
            room_revenue=settlement.room_charges,
            total_spend=settlement.room_charges + settlement.other_charges,
            currency=settlement.currency,
        ), **self._origin(stay))
        checked_out = await self.repository.check_out(
            stay_id,
            {"settlement": _storable(settlement.model_dump()),
             "checked_out_at": datetime.now(UTC)},
            push_outbox(event))
        if checked_out is None:
            raise Conflict(f"stay {stay_id!r} is already checked out")
        self.events_written()
        log.info("guest checked out", stay_id=stay_id, balance=str(settlement.balance))
        return checked_out

    async def get_stay(self, stay_id: str) -> dict[str, Any]:
        stay = await self.repository.stay(stay_id)
        if stay is None:
            raise NotFound(f"no stay {stay_id!r}")
        return stay

    async def arrivals_on(self, day: date) -> list[dict[str, Any]]:
        return await self.repository.arrivals_on(day)

    @staticmethod
    def _origin(stay: dict[str, Any]) -> dict[str, Any]:
        return {"producer": PRODUCER, "property_id": stay["property_id"],
                "correlation_id": current_correlation_id()}


def _storable(values: dict[str, Any]) -> dict[str, Any]:
    """Money as strings: exact in both stores, no float ever."""
    return {key: str(value) if isinstance(value, Decimal) else value for key, value in values.items()}
