"""The reservations office, loyalty and ops screens in a real browser: a booking made
from the booking form takes a room off the availability calendar and is found by the
search; loyalty shows the guest's profile, tier and the stay's points in the ledger; ops
sees a poison message in loyalty's parking lot and replays it from the screen."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest

from shared.events import StayCheckedOut, StayCheckedOutPayload
from tests.support.amqp import publish_events, publish_raw, wait_for
from tests.support.browser import expect_url, screenshot, sign_in
from tests.support.journeys import PROPERTY
from tests.support.stack import Stack

pytestmark = pytest.mark.e2e

ARRIVAL, DEPARTURE = date(2027, 5, 10), date(2027, 5, 12)


async def rooms_left(page, room_type: str, night: date) -> int:
    cell = page.locator(
        f"#calendar tr[data-room-type={room_type}] td[data-night='{night.isoformat()}']"
    )
    return int(await cell.inner_text())


async def test_booking_calendar_search_loyalty_ledger_and_the_parking_lot_from_the_screens(
    stack: Stack, amqp_url: str, browser_page
) -> None:
    stack.start("reservation", "loyalty")
    base, loyalty_base = stack.services["reservation"].url, stack.services["loyalty"].url
    page = browser_page

    await sign_in(page, base, "/app/reservation", stack.credentials.by_name["reservations"])
    await page.goto(f"{base}/app/reservation?from={ARRIVAL.isoformat()}")
    before = await rooms_left(page, "king", ARRIVAL)
    await screenshot(page, "reservation-calendar")

    await page.click("nav >> text=New booking")
    await page.fill("#first_name", "Lan")
    await page.fill("#last_name", "Zhou")
    await page.fill("#email", "lan.zhou@example.com")
    await page.select_option("#room_type", "king")
    await page.fill("#arrival", ARRIVAL.isoformat())
    await page.fill("#departure", DEPARTURE.isoformat())
    await page.fill("#adults", "2")
    await screenshot(page, "reservation-booking-form")
    await page.click("#book")
    await expect_url(page, "**/app/reservation/search?confirmation_number=*")
    results = await page.inner_text("#results")
    assert "Lan Zhou" in results and "confirmed" in results, results
    await screenshot(page, "reservation-search")

    await page.goto(f"{base}/app/reservation?from={ARRIVAL.isoformat()}")
    assert await rooms_left(page, "king", ARRIVAL) == before - 1
    assert await rooms_left(page, "king", DEPARTURE) == before  # the departure night is free

    booked = stack.client("reservation").get("/reservations", params={"name": "Zhou"}).json()
    (reservation,) = booked["items"]
    guest_id = reservation["guest_id"]
    loyalty = stack.client("loyalty")
    await wait_for(
        lambda: loyalty.get(f"/guests/{guest_id}").status_code == 200,
        message="the guest's profile in loyalty",
    )
    await publish_events(
        amqp_url,
        [
            StayCheckedOut.new(
                StayCheckedOutPayload(
                    stay_id=f"stay-{uuid.uuid4()}",
                    reservation_id=reservation["id"],
                    guest_id=guest_id,
                    room_number="401",
                    room_type="king",
                    arrival=ARRIVAL,
                    departure=DEPARTURE,
                    nights=2,
                    room_revenue=Decimal("1000.00"),
                    total_spend=Decimal("1000.00"),
                ),
                producer="frontdesk",
                property_id=PROPERTY,
            )
        ],
    )
    await wait_for(
        lambda: loyalty.get(f"/guests/{guest_id}/points").json()["balance"] > 0,
        message="the stay's points",
    )

    await sign_in(page, loyalty_base, "/app/loyalty", stack.credentials.by_name["loyalty"])
    await screenshot(page, "loyalty-find")
    await page.fill("#guest_id", guest_id)
    await page.click("form[method=get] button")
    await expect_url(page, f"**/app/loyalty/guests/{guest_id}*")
    balance = loyalty.get(f"/guests/{guest_id}/points").json()["balance"]
    assert await page.inner_text("#balance") == str(balance)
    assert await page.locator("#ledger tbody tr").count() == 1
    assert "Lan" in await page.inner_text("h1")
    await screenshot(page, "loyalty-guest")

    # Ops: a poison message in loyalty's parking lot, replayed from the screen.
    await publish_raw(
        amqp_url,
        "stay.checked_out",
        b'{"type": "stay.checked_out", "payload": {}}',
        type="stay.checked_out",
        message_id="malformed-ops-1",
        content_type="application/json",
    )
    ops = stack.client("loyalty", "ops")
    await wait_for(
        lambda: any(
            m["message_id"] == "malformed-ops-1"
            for queue in ops.get("/admin/parking").json().values()
            for m in queue
        ),
        message="the poison message parked",
    )
    await page.context.clear_cookies()
    await sign_in(page, loyalty_base, "/app/ops/parking", stack.credentials.by_name["ops"])
    assert "malformed-ops-1" in await page.inner_text("main")
    await screenshot(page, "ops-parking")
    await page.click("form[action$='/replay'] button >> nth=0")
    await page.wait_for_selector("text=replayed")
    assert "1 message(s)" in await page.inner_text(".notice")
    print(
        f"\nbooked from the form (king {before} -> {before - 1} on {ARRIVAL}); "
        f"{balance} points on the loyalty screen; a parked message replayed from the ops screen"
    )
