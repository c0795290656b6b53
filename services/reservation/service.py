"""Reservation use cases: load, apply the rule, save the state and its events together."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from shared.events import (GuestContactCaptured, GuestContactPayload, ReservationCreated,
                           ReservationCreatedPayload)
from shared.logging import current_correlation_id, get_logger
from shared.outbox import push_outbox
from shared.problems import Conflict, NotFound, Unprocessable

from .domain import (ReservationCreate, ReservationStatus, new_confirmation_number,
                     new_reservation_id, nights_of, price_nights, total_of)
from .repository import ReservationRepository

log = get_logger(__name__)
PRODUCER = "reservation"


class NoAvailability(Conflict):
    title = "No availability"


class ReservationService:
    def __init__(self, repository: ReservationRepository, *, currency: str, max_nights: int,
                 events_written: Callable[[], None]) -> None:
        self.repository = repository
        self.currency = currency
        self.max_nights = max_nights
        self.events_written = events_written

    async def create_reservation(self, request: ReservationCreate) -> dict[str, Any]:
        room_type = await self.repository.room_type(request.room_type)
        if room_type is None:
            raise Unprocessable(f"unknown room type {request.room_type!r}")
        nights = nights_of(request.arrival, request.departure)
        if len(nights) > self.max_nights:
            raise Unprocessable(f"a stay is at most {self.max_nights} nights, not {len(nights)}")
        if request.adults + request.children > room_type["max_occupancy"]:
            raise Unprocessable(f"a {room_type['name']} sleeps at most {room_type['max_occupancy']}")

        nightly_rates = price_nights(nights, Decimal(room_type["nightly_rate"]))
        reservation_id = new_reservation_id()
        guest_id = await self.repository.guest_id_for(request.guest.email)
        document = {
            "_id": reservation_id,
            "property_id": self.repository.property_id,
            "confirmation_number": new_confirmation_number(),
            "status": ReservationStatus.PENDING.value,
            "guest_id": guest_id,
            "guest": request.guest.model_dump(),
            "room_type": request.room_type,
            "arrival": request.arrival.isoformat(),
            "departure": request.departure.isoformat(),
            "adults": request.adults,
            "children": request.children,
            "channel": request.channel.value,
            "special_requests": request.special_requests,
            "nightly_rates": {night: str(rate) for night, rate in nightly_rates.items()},
            "total_amount": str(total_of(nightly_rates)),
            "currency": self.currency,
            "created_at": datetime.now(UTC),
            "outbox": [],
        }
        # Pending first: the nights taken below always belong to a recorded reservation.
        await self.repository.insert_pending(document)
        await self._take_every_night_or_none(reservation_id, room_type, nights)
        confirmed = await self.repository.confirm(
            reservation_id, push_outbox(*self._created_events(document)))
        self.events_written()
        log.info("reservation confirmed", reservation_id=reservation_id,
                 room_type=request.room_type, nights=len(nights), channel=request.channel.value)
        return confirmed

    async def _take_every_night_or_none(self, reservation_id: str, room_type: dict[str, Any],
                                        nights: list[date]) -> None:
        taken: list[date] = []
        for night in nights:
            if not await self.repository.take_night(room_type, night):
                for night_taken in taken:  # compensate: give back what this request took
                    await self.repository.release_night(room_type["code"], night_taken)
                await self.repository.discard_pending(reservation_id)
                raise NoAvailability(f"no {room_type['name']} left on {night.isoformat()}",
                                     night=night.isoformat(), room_type=room_type["code"])
            taken.append(night)

    def _created_events(self, document: dict[str, Any]):
        correlation = {"producer": PRODUCER, "property_id": document["property_id"],
                       "correlation_id": current_correlation_id()}
        guest = document["guest"]
        yield ReservationCreated.new(ReservationCreatedPayload(
            reservation_id=document["_id"],
            confirmation_number=document["confirmation_number"],
            guest_id=document["guest_id"],
            guest_name=f"{guest['first_name']} {guest['last_name']}",
            room_type=document["room_type"],
            arrival=document["arrival"],
            departure=document["departure"],
            adults=document["adults"],
            channel=document["channel"],
            nightly_rates=document["nightly_rates"],
            total_amount=document["total_amount"],
            currency=document["currency"],
        ), **correlation)
        # Contact details go only in this guest-profile event, to those who reach the guest.
        yield GuestContactCaptured.new(GuestContactPayload(
            guest_id=document["guest_id"], first_name=guest["first_name"],
            last_name=guest["last_name"], email=guest["email"], phone=guest.get("phone"),
        ), **correlation)

    async def get_reservation(self, reservation_id: str) -> dict[str, Any]:
        reservation = await self.repository.get(reservation_id)
        if reservation is None:
            raise NotFound(f"no reservation {reservation_id!r}")
        return reservation

    async def availability(self, arrival: date, departure: date) -> dict[str, Any]:
        if departure <= arrival:
            raise Unprocessable("departure must be after arrival")
        nights = nights_of(arrival, departure)
        if len(nights) > self.max_nights:
            raise Unprocessable(f"ask for at most {self.max_nights} nights at a time")
        sold = await self.repository.sold_by_night(nights)
        result = {}
        for room_type in await self.repository.all_room_types():
            capacity = room_type["rooms"] + room_type["overbooking_allowance"]
            left_each_night = [capacity - sold.get((room_type["code"], n.isoformat()), 0)
                               for n in nights]
            result[room_type["code"]] = {
                "name": room_type["name"],
                "rooms_left": max(0, min(left_each_night)),
                "nightly_rate": Decimal(room_type["nightly_rate"]),
            }
        return result
