"""Issue 12: a stay whose nights were paid with points earned points on those nights too
(loyalty earned on the folio's room charges, points payments included): a redeemed
night gave back points for itself. The desk's own stay.checked_out, from a folio with a
night paid with points, fed to loyalty: only the night paid in money earns."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from mongomock_motor import AsyncMongoMockClient

from services.frontdesk.domain import CheckIn
from services.frontdesk.points_allowances import PointsAllowances
from services.loyalty import ledger
from services.loyalty.guests import GuestStore
from services.loyalty.repository import LoyaltyRepository
from services.loyalty.service import LoyaltyService
from shared.events import RedemptionApplied, RedemptionAppliedPayload, StayCheckedOut
from shared.property_setup import load_property
from tests.integration.frontdesk_harness import PROPERTY, FixedClock, booking, build, property_file

MARCH_10, MARCH_12 = date(2027, 3, 10), date(2027, 3, 12)


async def checked_out_by_the_desk(tmp_path: Path) -> StayCheckedOut:
    clock = FixedClock(datetime(2027, 3, 10, 6, tzinfo=UTC))
    desk = await build(load_property(str(property_file(tmp_path, {"king": 2}))), clock)
    await desk.projections.reservation_created(booking(1, "king", MARCH_10, MARCH_12))
    night_paid = RedemptionApplied.new(
        RedemptionAppliedPayload(
            reservation_id="res-1",
            guest_id="guest-1",
            redemption_id="redeem|spring",
            redeemed_for="night",
            night=MARCH_10,
            points=3000,
            value=Decimal("500.00"),
        ),
        producer="reservation",
        property_id=PROPERTY,
    )
    await PointsAllowances(desk.service.repository, clock, lambda: None).applied(night_paid)
    stay = await desk.service.check_in(CheckIn(reservation_id="res-1"))
    clock.now = datetime(2027, 3, 12, 2, tzinfo=UTC)
    await desk.folio.check_out(stay["_id"])
    closed = await desk.database["stays"].find_one({"_id": stay["_id"]})
    [entry] = [e for e in closed["outbox"] if e["type"] == "stay.checked_out"]
    return StayCheckedOut.model_validate(json.loads(entry["body"]))


async def points_earned(event: StayCheckedOut) -> int:
    repository = LoyaltyRepository(AsyncMongoMockClient(tz_aware=True).get_database("loyalty"))
    await repository.prepare()
    store = GuestStore(
        repository,
        property_id=PROPERTY,
        clock=lambda: datetime(2027, 3, 12, 3, tzinfo=UTC),
        events_written=lambda: None,
    )
    service = LoyaltyService(store, rules=ledger.EarningRules(), inactivity=timedelta(days=730))
    await service.earn_for_stay(event)
    await service.earn_for_stay(event)  # redelivered: once
    points = await service.points_of(event.payload.guest_id)
    return sum(e["points"] for e in points["entries"])


def test_a_night_paid_with_points_earns_no_points(tmp_path: Path) -> None:
    event = asyncio.run(checked_out_by_the_desk(tmp_path))
    # the revenue is the room's (two nights); what points paid is said beside it
    assert (event.payload.room_revenue, event.payload.paid_with_points) == (
        Decimal("1000.00"),
        Decimal("500.00"),
    )
    # 10 points a unit on the 500.00 paid in money; not on the night points paid
    assert asyncio.run(points_earned(event)) == 5_000
