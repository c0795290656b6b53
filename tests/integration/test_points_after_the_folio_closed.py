"""Issue 12: a redemption whose event reached the stay after its folio closed was kept in
`allowances_after_close` and nothing acted on it: the guest paid the night in money and
lost the points. The desk now says so (`folio.points_returned`, in the write that keeps
it, once however often the redemption is delivered) and loyalty gives the points back,
once, keyed by the redemption."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

from services.frontdesk.domain import CheckIn
from services.loyalty.domain import RedemptionCreate
from shared.events import FolioPointsReturned
from tests.integration.frontdesk_harness import booking
from tests.integration.points_support import (
    CHECK_OUT_MORNING,
    MARCH_10,
    MARCH_12,
    REDEMPTION,
    allowances_of,
    booked_desk,
    loyalty_service,
    night_paid_with_points,
)
from tests.integration.test_loyalty_ledger_service import checked_out


async def returned_by_the_desk(tmp_path: Path) -> tuple[dict, list[FolioPointsReturned]]:
    """Checked out and settled in money; then the redemption reaches the desk, twice."""
    desk, clock = await booked_desk(tmp_path)
    stay = await desk.service.check_in(CheckIn(reservation_id="res-1"))
    clock.now = CHECK_OUT_MORNING
    await desk.folio.check_out(stay["_id"])
    allowances = allowances_of(desk, clock)
    for _ in range(2):
        await allowances.applied(night_paid_with_points())
    closed = await desk.database["stays"].find_one({"_id": stay["_id"]})
    returned = [
        FolioPointsReturned.model_validate(json.loads(entry["body"]))
        for entry in closed["outbox"]
        if entry["type"] == "folio.points_returned"
    ]
    return closed, returned


async def test_points_for_a_closed_folio_go_back_once(tmp_path: Path) -> None:
    closed, returned = await returned_by_the_desk(tmp_path)
    assert [a["redemption_id"] for a in closed["allowances_after_close"]] == [REDEMPTION]
    assert not any(p["method"] == "loyalty_points" for p in closed["payments"])
    [event] = returned  # one, however often the redemption was delivered
    assert (event.payload.redemption_id, event.payload.points, event.payload.value) == (
        REDEMPTION,
        3000,
        Decimal("500.00"),
    )
    assert (event.payload.guest_id, event.payload.reservation_id) == ("guest-1", "res-1")

    loyalty = await loyalty_service()
    await loyalty.earn_for_stay(checked_out("guest-1", 2, Decimal("1000.00"), date(2027, 2, 1)))
    await loyalty.record_reservation(booking(1, "king", MARCH_10, MARCH_12))
    before = (await loyalty.points_of("guest-1"))["balance"]
    await loyalty.redeem(
        "guest-1",
        RedemptionCreate(
            points=3000, kind="night", request_id="spring", reservation_id="res-1", night=MARCH_10
        ),
    )
    redeemed = (await loyalty.points_of("guest-1"))["balance"]
    for _ in range(2):  # the desk's event, redelivered
        await loyalty.return_redemptions(
            event,
            event.payload.guest_id,
            event.payload.reservation_id,
            event.payload.reason,
            only=event.payload.redemption_id,
        )
    after = await loyalty.points_of("guest-1")
    returns = [e for e in after["entries"] if e["entry_id"] == f"return|{REDEMPTION}"]
    print(f"\nbalance {before} -> redeemed {redeemed} -> returned {after['balance']}")
    assert (redeemed, after["balance"]) == (before - 3000, before)
    assert len(returns) == 1
