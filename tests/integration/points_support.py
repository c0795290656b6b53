"""What the points tests (a night paid with points meeting the desk's folio, issue 12)
set up alike: one guest booked for two king nights from 10 March, the redemption of the
first of them, a desk checked in the morning of the arrival, and a loyalty service on a
store of its own."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from mongomock_motor import AsyncMongoMockClient

from services.frontdesk.points_allowances import PointsAllowances
from services.loyalty import ledger
from services.loyalty.guests import GuestStore
from services.loyalty.repository import LoyaltyRepository
from services.loyalty.service import LoyaltyService
from shared.events import RedemptionApplied, RedemptionAppliedPayload
from shared.property_setup import load_property
from tests.integration.frontdesk_harness import (
    PROPERTY,
    Desk,
    FixedClock,
    booking,
    build,
    property_file,
)

MARCH_10, MARCH_12 = date(2027, 3, 10), date(2027, 3, 12)
REDEMPTION = "redeem|spring"
# the night after the last one: the check-out's morning, before the audit hour
CHECK_OUT_MORNING = datetime(2027, 3, 12, 2, tzinfo=UTC)


def night_paid_with_points() -> RedemptionApplied:
    """Reservation's word that guest-1 paid the night of 10 March with 3000 points."""
    return RedemptionApplied.new(
        RedemptionAppliedPayload(
            reservation_id="res-1",
            guest_id="guest-1",
            redemption_id=REDEMPTION,
            redeemed_for="night",
            night=MARCH_10,
            points=3000,
            value=Decimal("500.00"),
        ),
        producer="reservation",
        property_id=PROPERTY,
    )


async def booked_desk(
    tmp_path: Path, *, interleave: bool = False, seed: int = 11, store_delay_ms: float = 0
) -> tuple[Desk, FixedClock]:
    """A desk with two king rooms, res-1 (guest-1, two nights from 10 March) booked, on
    the morning of its arrival; the clock is the test's to move."""
    clock = FixedClock(datetime(2027, 3, 10, 6, tzinfo=UTC))
    setup = load_property(str(property_file(tmp_path, {"king": 2})))
    desk = await build(
        setup, clock, interleave=interleave, seed=seed, store_delay_ms=store_delay_ms
    )
    await desk.projections.reservation_created(booking(1, "king", MARCH_10, MARCH_12))
    return desk, clock


def allowances_of(desk: Desk, clock: FixedClock) -> PointsAllowances:
    """The desk's handler of redemptions, on the same store and clock."""
    return PointsAllowances(desk.service.repository, clock, lambda: None)


async def loyalty_service() -> LoyaltyService:
    """Loyalty on a fresh store, its clock just after the check-out."""
    repository = LoyaltyRepository(AsyncMongoMockClient(tz_aware=True).get_database("loyalty"))
    await repository.prepare()
    store = GuestStore(
        repository,
        property_id=PROPERTY,
        clock=lambda: datetime(2027, 3, 12, 3, tzinfo=UTC),
        events_written=lambda: None,
    )
    return LoyaltyService(store, rules=ledger.EarningRules(), inactivity=timedelta(days=730))
