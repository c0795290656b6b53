"""The reservation use cases in-process on the embedded store, with a clock the test moves."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from services.reservation.blocks import BlockService
from services.reservation.config import Settings
from services.reservation.domain import ReservationCreate
from services.reservation.policies import RoomTypeUpsert
from services.reservation.repository import ReservationRepository
from services.reservation.service import ReservationService
from services.reservation.setup import PropertySetupService
from shared.crypto import PersonalDataCipher
from shared.mongo import connect_database
from shared.property_setup import load_property

PROPERTY = "demo-hotel"


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime(2027, 1, 1, 9, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Office:
    repository: ReservationRepository
    reservations: ReservationService
    setup: PropertySetupService
    blocks: BlockService
    clock: Clock

    async def room_type(
        self, code: str, rooms: int, allowance: int = 0, max_occupancy: int = 4
    ) -> None:
        await self.setup.save_room_type(
            code,
            RoomTypeUpsert(
                name=code.title(),
                beds=["king"],
                max_occupancy=max_occupancy,
                rooms=rooms,
                nightly_rate="500.00",
                overbooking_allowance=allowance,
            ),
        )

    async def book(self, **fields: Any) -> dict[str, Any]:
        reservation, _ = await self.reservations.create_reservation(booking(**fields))
        return reservation

    async def sold(self, room_type: str, first: date, nights: int) -> dict[str, int]:
        keys = [(first + timedelta(days=n)).isoformat() for n in range(nights)]
        sold = await self.repository.inventory.sold(room_type, keys)
        return {night: sold.get((room_type, night), 0) for night in keys}


def booking(**fields: Any) -> ReservationCreate:
    number = fields.pop("number", 0)
    body = {
        "guest": {
            "first_name": "Mei",
            "last_name": f"Chen{number}",
            "email": f"guest{number}@example.com",
        },
        "room_type": "king",
        "arrival": "2027-03-10",
        "departure": "2027-03-12",
        "adults": 1,
        "channel": "web",
    }
    return ReservationCreate.model_validate({**body, **fields})


async def office(clock: Clock | None = None) -> Office:
    clock = clock or Clock()
    # The service's own embedded store, interleaving when the tests switch it on
    # (tests/conftest.py), so concurrent use cases here race as they would on MongoDB.
    # Seeded and without timed waits, so a Hypothesis example replays the same interleaving.
    database = connect_database(
        Settings(
            mongodb_url=None,
            embedded_store_dir=None,
            embedded_store_seed=7,
            embedded_store_max_delay_ms=0,
        )
    )
    repository = ReservationRepository(database, PROPERTY)
    await repository.prepare(load_property())
    reservations = ReservationService(
        repository,
        currency="CNY",
        max_nights=60,
        events_written=lambda: None,
        clock=clock,
        cipher=PersonalDataCipher.from_settings(None, None),
        in_flight_wait_seconds=1,
    )
    setup = PropertySetupService(repository, events_written=lambda: None, clock=clock)
    blocks = BlockService(repository, reservations, clock=clock)
    return Office(repository, reservations, setup, blocks, clock)
