"""The front desk's service layer on the embedded store, for tests that drive use cases
directly. `interleaving_store` is the services' own embedded store in its interleaving
mode (shared/mongo.py): every store call and cursor yields to the event loop, as a network
driver does, so concurrent use cases really interleave between their reads and writes
(mongomock-motor alone runs each call without yielding)."""

from __future__ import annotations

import json
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
from shared.mongo import connect_database
from shared.property_setup import PropertySetup

PROPERTY = "demo-hotel"


def interleaving_store(seed: int = 11, max_delay_ms: float = 0) -> Any:
    """A fresh embedded store that yields around every call, seeded; without timed waits
    (the default) a failing interleaving replays the same way, with them the orders of
    two use cases of very different lengths vary more (at the price of replaying)."""
    return connect_database(
        Settings(
            mongodb_url=None,
            embedded_store_dir=None,
            embedded_store_interleave=True,
            embedded_store_seed=seed,
            embedded_store_max_delay_ms=max_delay_ms,
        )
    )


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
    store_delay_ms: float = 0,
) -> Desk:
    """`database`: another store than plain mongomock (benchmarks.checkin_cpu passes the
    services' embedded store, with its keyed lookups)."""
    if interleave:
        assert database is None, "interleave: the harness's own interleaving store"
        database = interleaving_store(seed, store_delay_ms)
    elif database is None:
        database = AsyncMongoMockClient(tz_aware=True).get_database("frontdesk_test")
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
