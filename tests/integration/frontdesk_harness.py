"""The front desk's service layer on the embedded store, for tests that drive use cases
directly. `InterleavingDatabase` yields to the event loop around every store call, as a
network driver does, so concurrent use cases really interleave between their reads and
writes (mongomock-motor alone runs each call without yielding)."""

from __future__ import annotations

import asyncio
import json
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from mongomock_motor import AsyncMongoMockClient

from services.frontdesk.business_day import BusinessDay
from services.frontdesk.config import Settings
from services.frontdesk.folio_service import FolioService
from services.frontdesk.projections import Projections
from services.frontdesk.records import PropertyClock
from services.frontdesk.repository import FrontDeskRepository
from services.frontdesk.service import FrontDeskService
from shared.crypto import PersonalDataCipher
from shared.events import ReservationCreated, ReservationCreatedPayload
from shared.property_setup import PropertySetup

PROPERTY = "demo-hotel"


class _InterleavingCollection:
    def __init__(self, collection: Any, rng: random.Random) -> None:
        self._collection = collection
        self._rng = rng

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._collection, name)
        if not asyncio.iscoroutinefunction(attribute):
            return attribute

        async def interleaved(*args: Any, **kwargs: Any) -> Any:
            for _ in range(self._rng.randint(0, 3)):
                await asyncio.sleep(0)
            result = await attribute(*args, **kwargs)
            await asyncio.sleep(0)
            return result

        return interleaved


class InterleavingDatabase:
    def __init__(self, database: Any, seed: int = 11) -> None:
        self._database = database
        self._rng = random.Random(seed)

    def __getitem__(self, name: str) -> _InterleavingCollection:
        return _InterleavingCollection(self._database[name], self._rng)


def property_file(tmp_path: Path, rooms_per_type: dict[str, int]) -> Path:
    """A property with the given number of rooms per type, 20 rooms a floor."""
    room_types, number = [], 0
    for code, count in rooms_per_type.items():
        rooms = []
        for _ in range(count):
            floor, index = 2 + number // 20, number % 20
            features = (
                ["non_smoking"]
                + (["sea_view"] if index % 4 == 0 else [])
                + (["accessible"] if index % 10 == 1 else [])
            )
            rooms.append({"number": f"{floor}{index:02d}", "floor": floor, "features": features})
            number += 1
        room_types.append(
            {
                "code": code,
                "name": code.title(),
                "bed": "king" if code != "twin" else "twin",
                "max_occupancy": 2,
                "nightly_rate": "500.00",
                "rooms": rooms,
            }
        )
    path = tmp_path / "property.json"
    path.write_text(
        json.dumps(
            {
                "property_id": PROPERTY,
                "name": "Test Hotel",
                "currency": "CNY",
                "room_types": room_types,
            }
        )
    )
    return path


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Desk:
    service: FrontDeskService
    folio: FolioService
    projections: Projections
    database: Any
    business_day: BusinessDay

    def __iter__(self):
        return iter((self.service, self.folio, self.projections, self.database))


async def build(
    setup: PropertySetup,
    clock: FixedClock | None = None,
    *,
    interleave: bool = False,
    database: Any = None,
    seed: int = 11,
) -> Desk:
    """`database`: another store than plain mongomock (benchmarks.checkin_cpu passes the
    services' embedded store, with its keyed lookups)."""
    if database is None:
        database = AsyncMongoMockClient(tz_aware=True).get_database("frontdesk_test")
    if interleave:
        database = InterleavingDatabase(database, seed)
    repository = FrontDeskRepository(database, PROPERTY)
    await repository.prepare(setup)
    settings = Settings()
    cipher = PersonalDataCipher.from_settings(settings.pii_keys, settings.pii_current_key)
    property_clock = PropertyClock(clock or FixedClock(datetime(2027, 3, 10, 2, 0, tzinfo=UTC)))
    service = FrontDeskService(
        repository, events_written=lambda: None, setup=setup, cipher=cipher, clock=property_clock
    )
    folio = FolioService(
        repository, events_written=lambda: None, cipher=cipher, clock=property_clock
    )
    business_day = BusinessDay(repository, folio, property_clock, events_written=lambda: None)
    return Desk(service, folio, Projections(repository, folio), database, business_day)


def booking(
    number: int, room_type: str, arrival: date, departure: date, rate: str = "500.00", **extra: Any
) -> ReservationCreated:
    nights = (departure - arrival).days
    rates = {date.fromordinal(arrival.toordinal() + n).isoformat(): rate for n in range(nights)}
    return ReservationCreated.new(
        ReservationCreatedPayload(
            reservation_id=f"res-{number}",
            confirmation_number=f"C{number:05d}",
            guest_id=extra.pop("guest_id", f"guest-{number}"),
            guest_name=f"Guest {number}",
            room_type=room_type,
            arrival=arrival,
            departure=departure,
            adults=1,
            channel="web",
            nightly_rates=rates,
            total_amount=sum((Decimal(r) for r in rates.values()), Decimal("0")),
            **extra,
        ),
        producer="reservation",
        property_id=PROPERTY,
    )
