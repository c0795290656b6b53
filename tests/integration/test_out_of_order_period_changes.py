"""Issue 12: an out-of-order period whose end moved (ended early, extended) published
nothing, so reservation kept selling by the first end: a room given back stayed unsold,
a room kept longer was sold on the added nights. Housekeeping's events are fed to
reservation here in a shuffled order with repeats, as the broker may deliver them."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

from mongomock_motor import AsyncMongoMockClient

from services.housekeeping.amenities import StockKeeper, default_stock
from services.housekeeping.maintenance import MaintenanceService
from services.housekeeping.repository import HousekeepingRepository
from services.housekeeping.rooms import RoomKeeper
from services.reservation.room_periods import RoomPeriods
from shared.clock import PropertyClock
from shared.events import EVENTS_BY_TYPE
from shared.property_setup import load_property
from tests.integration.frontdesk_harness import interleaving_store
from tests.integration.reservation_harness import PROPERTY, Clock, office

MARCH_10 = date(2027, 3, 10)


def at_hotel(day: int, hour: int) -> datetime:
    return PropertyClock().local_time(date(2027, 3, day), hour).astimezone(UTC)


async def housekeeping(clock: Clock, interleave_seed: int | None = None) -> MaintenanceService:
    database: Any = (
        AsyncMongoMockClient(tz_aware=True).get_database("hk")
        if interleave_seed is None
        else interleaving_store(interleave_seed)
    )
    repository = HousekeepingRepository(database, PROPERTY)
    await repository.prepare(load_property(), default_stock(20, 5))
    StockKeeper(repository)
    rooms = RoomKeeper(repository, events_written=lambda: None)
    return MaintenanceService(repository, rooms, clock=clock, events_written=lambda: None)


async def period_events(maintenance: MaintenanceService, period_id: str) -> list:
    period = await maintenance.repository.periods.find_one({"_id": period_id})
    return [
        EVENTS_BY_TYPE[entry["type"]].model_validate(json.loads(entry["body"]))
        for entry in period["outbox"]
    ]


async def test_a_period_whose_end_moved_sells_by_its_new_end() -> None:
    clock = Clock(datetime(2027, 3, 9, 2, tzinfo=UTC))
    maintenance = await housekeeping(clock)
    hotel = await office(clock)
    await hotel.room_type("business", rooms=1)
    periods = RoomPeriods(hotel.reservations, hotel.repository.reservations.database)

    period = await maintenance.add_period(
        "601",
        kind="out_of_order",
        start=at_hotel(10, 12),
        end=at_hotel(12, 11),
        reason="leak",
        return_status=None,
        request_id=None,
    )  # the nights of the 10th and 11th
    await maintenance.change_period_end(period["_id"], at_hotel(14, 11))  # to the 13th
    await maintenance.change_period_end(period["_id"], at_hotel(11, 10))  # only the 10th
    scheduled, longer, shorter = await period_events(maintenance, period["_id"])
    assert [e.type for e in (scheduled, longer, shorter)] == [
        "maintenance.out_of_order_scheduled",
        "maintenance.out_of_order_changed",
        "maintenance.out_of_order_changed",
    ]
    assert [n.day for n in longer.payload.nights] == [10, 11, 12, 13]
    assert [n.day for n in shorter.payload.nights] == [10]
    assert (scheduled.payload.revision, longer.payload.revision, shorter.payload.revision) == (
        0,
        1,
        2,
    )

    await periods.scheduled(scheduled)
    assert await hotel.sold("business", MARCH_10, 4) == {
        "2027-03-10": 1,
        "2027-03-11": 1,
        "2027-03-12": 0,
        "2027-03-13": 0,
    }
    await periods.changed(shorter)  # the newest arrives before the one it replaces
    await periods.changed(longer)  # stale: changes nothing
    await periods.scheduled(scheduled)  # redelivered: changes nothing
    assert await hotel.sold("business", MARCH_10, 4) == {
        "2027-03-10": 1,
        "2027-03-11": 0,
        "2027-03-12": 0,
        "2027-03-13": 0,
    }
    left = await hotel.reservations.availability(MARCH_10, MARCH_10 + timedelta(days=4))
    assert left["business"]["nights"] == {
        "2027-03-10": 0,
        "2027-03-11": 1,
        "2027-03-12": 1,
        "2027-03-13": 1,
    }


async def test_two_changes_at_once_give_one_revision_each() -> None:
    """Two moves of the end read together must not both publish revision 1 (reservation
    would keep whichever came last, not the newer); the store interleaves their calls."""
    import asyncio

    from shared.errors import Conflict

    outcomes = []
    for seed in range(6):
        clock = Clock(datetime(2027, 3, 9, 2, tzinfo=UTC))
        maintenance = await housekeeping(clock, interleave_seed=seed)
        period = await maintenance.add_period(
            "601",
            kind="out_of_order",
            start=at_hotel(10, 12),
            end=at_hotel(12, 11),
            reason="leak",
            return_status=None,
            request_id=None,
        )
        answers = await asyncio.gather(
            *(
                maintenance.change_period_end(period["_id"], at_hotel(day, 11))
                for day in (13, 14, 15)
            ),
            return_exceptions=True,
        )
        events = await period_events(maintenance, period["_id"])
        revisions = [e.payload.revision for e in events]
        refused = sum(isinstance(a, Conflict) for a in answers)
        final = await maintenance.repository.periods.find_one({"_id": period["_id"]})
        outcomes.append(
            (
                len(set(revisions)) == len(revisions),
                refused + len(revisions) == 4,
                events[-1].payload.end == final["end"].replace(tzinfo=UTC),
            )
        )
    assert outcomes == [(True, True, True)] * 6, outcomes
