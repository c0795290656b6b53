"""Housekeeping's screens in a real browser: a guest leaves, the board shows the room
dirty; an attendant starts and finishes the cleaning against its checklist; the board
shows it clean; the supervisor passes the inspection; the board shows it inspected. A
guest's do-not-disturb sign and an out-of-order room are marked on their tiles."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.e2e.test_housekeeping_service import check_in
from tests.support.amqp import publish_events, wait_for
from tests.support.browser import expect_url, screenshot, sign_in
from tests.support.journeys import checkout
from tests.support.stack import Stack

pytestmark = pytest.mark.e2e


async def tile_status(page, room: str) -> str:
    return await page.get_attribute(f"#room-{room}", "data-status")


async def test_the_board_turns_a_room_dirty_then_clean_then_inspected(
    stack: Stack, amqp_url: str, browser_page
) -> None:
    # The out-of-order period starts on the scheduler's next pass: a short one here.
    stack.start("housekeeping", SCHEDULER_POLL_SECONDS="2")
    api = stack.client("housekeeping")
    base = stack.services["housekeeping"].url
    profile, departure = checkout(0)
    room = departure.payload.room_number
    await publish_events(
        amqp_url, [profile, departure, check_in("301", "guest-dnd", date(2027, 1, 1), 3)]
    )
    await wait_for(
        lambda: (
            api.get(f"/rooms/{room}").json()["status"] == "vacant_dirty"
            and api.get("/rooms/301").json()["status"].startswith("occupied")
        ),
        message="the departure and the arrival applied",
    )
    assert api.put("/rooms/301/do-not-disturb", json={"on": True}).status_code == 200
    now = datetime.now(UTC)
    assert (
        api.post(
            "/rooms/402/out-of-order-periods",
            json={
                "start": (now - timedelta(minutes=1)).isoformat(),
                "end": (now + timedelta(days=1)).isoformat(),
                "reason": "leaking tap",
            },
        ).status_code
        == 201
    )
    await wait_for(
        lambda: api.get("/rooms/402").json()["status"] == "out_of_order",
        message="room 402 out of order",
    )

    page = browser_page
    await sign_in(page, base, "/app/housekeeping", stack.credentials.by_name["housekeeping"])
    assert await tile_status(page, room) == "vacant_dirty"
    assert await page.get_attribute("#room-301", "data-dnd") == "yes"
    assert "DND" in await page.inner_text("#room-301")
    assert "OOO" in await page.inner_text("#room-402")
    await screenshot(page, "housekeeping-board-dirty")

    await page.click("nav >> text=Tasks")
    task = page.locator(f"article[data-room='{room}']")
    await task.locator("input[name=attendant]").fill("Ana")
    await task.locator("button.start").click()
    await expect_url(page, "**/app/housekeeping/tasks?notice=*")
    task = page.locator(f"article[data-room='{room}']")
    assert await task.get_attribute("data-status") == "in_progress"
    boxes = task.locator("input[type=checkbox]")
    assert await boxes.count() >= 1
    for index in range(await boxes.count()):
        await boxes.nth(index).check()
    await screenshot(page, "housekeeping-tasks-checklist")
    await task.locator("button.finish").click()
    await expect_url(page, "**/app/housekeeping/tasks?notice=*")

    await page.goto(f"{base}/app/housekeeping")
    assert await tile_status(page, room) == "vacant_clean"
    await screenshot(page, "housekeeping-board-clean")

    await page.goto(f"{base}/app/housekeeping/tasks")
    task = page.locator(f"article[data-room='{room}']")
    assert await task.get_attribute("data-status") == "done"
    await task.locator("input[name=inspector]").fill("Supervisor Wu")
    await screenshot(page, "housekeeping-tasks-inspection")
    await task.locator("button.pass").click()
    await expect_url(page, "**/app/housekeeping/tasks?notice=*")

    await page.goto(f"{base}/app/housekeeping")
    assert await tile_status(page, room) == "vacant_inspected"
    await screenshot(page, "housekeeping-board-inspected")
    assert api.get(f"/rooms/{room}").json()["status"] == "vacant_inspected"
    print(f"\nroom {room}: vacant_dirty -> vacant_clean -> vacant_inspected on the board")
