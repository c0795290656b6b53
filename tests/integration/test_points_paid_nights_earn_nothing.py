"""Issue 12: a stay whose nights were paid with points earned points on those nights too
(loyalty earned on the folio's room charges, points payments included): a redeemed
night gave back points for itself. The desk's own stay.checked_out, from a folio with a
night paid with points, fed to loyalty: only the night paid in money earns."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from pathlib import Path

from services.frontdesk.domain import CheckIn
from shared.events import StayCheckedOut
from tests.integration.points_support import (
    CHECK_OUT_MORNING,
    allowances_of,
    booked_desk,
    loyalty_service,
    night_paid_with_points,
)


async def checked_out_by_the_desk(tmp_path: Path) -> StayCheckedOut:
    desk, clock = await booked_desk(tmp_path)
    await allowances_of(desk, clock).applied(night_paid_with_points())
    stay = await desk.service.check_in(CheckIn(reservation_id="res-1"))
    clock.now = CHECK_OUT_MORNING
    await desk.folio.check_out(stay["_id"])
    closed = await desk.database["stays"].find_one({"_id": stay["_id"]})
    [entry] = [e for e in closed["outbox"] if e["type"] == "stay.checked_out"]
    return StayCheckedOut.model_validate(json.loads(entry["body"]))


async def points_earned(event: StayCheckedOut) -> int:
    service = await loyalty_service()
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
