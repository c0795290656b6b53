"""Housekeeping as a real process on the real broker: tasks from events, exact counts."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from shared.events import (
    GuestAnonymized,
    GuestAnonymizedPayload,
    GuestCreated,
    GuestProfilePayload,
    GuestRequestRaised,
    GuestRequestRaisedPayload,
    RoomAssigned,
    RoomAssignedPayload,
    StayCheckedIn,
    StayCheckedInPayload,
    StayRoomMoved,
    StayRoomMovedPayload,
)
from tests.support.amqp import EventTap, publish_events, wait_for
from tests.support.journeys import PROPERTY, checkout
from tests.support.stack import Stack, at_hotel

pytestmark = pytest.mark.e2e

CHECKOUTS = 500
PROBLEM = "application/problem+json"


def departure_tasks(client: httpx.Client) -> int:
    return client.get("/tasks", params={"kind": "departure_cleaning", "limit": 1}).json()["total"]


async def test_500_checkouts_make_500_departure_tasks_and_a_replay_makes_none(
    stack: Stack, amqp_url: str
) -> None:
    stack.start("housekeeping")
    checkouts = [checkout(n)[1] for n in range(CHECKOUTS)]
    housekeeping = stack.client("housekeeping")
    async with EventTap(amqp_url, ["hk.task.created", "room.status_changed"]) as tap:
        await publish_events(amqp_url, checkouts)
        await wait_for(
            lambda: departure_tasks(housekeeping) >= CHECKOUTS,
            timeout=120,
            message="departure tasks",
        )
        await stack.wait_quiet()
        first = departure_tasks(housekeeping)
        replayed = await publish_events(amqp_url, checkouts, shuffle=True)
        await stack.wait_quiet()
        await wait_for(
            lambda: len(tap.bodies("hk.task.created")) >= CHECKOUTS,
            timeout=30,
            message="hk.task.created events",
        )
        await stack.wait_quiet()  # any event a replay caused is out by now
    after_replay = departure_tasks(housekeeping)
    created_ids = [b["payload"]["task_id"] for b in tap.bodies("hk.task.created")]
    status_changes = tap.bodies("room.status_changed")
    assert first == CHECKOUTS and after_replay == CHECKOUTS
    assert len(created_ids) == len(set(created_ids)) == CHECKOUTS
    # Ten rooms, each vacant_inspected -> vacant_dirty once; every later checkout finds it dirty.
    assert [(b["payload"]["old_status"], b["payload"]["new_status"]) for b in status_changes] == [
        ("vacant_inspected", "vacant_dirty")
    ] * 10
    assert all(b["payload"]["room_type"] for b in status_changes)
    print(
        f"\n{CHECKOUTS} checkouts -> {first} departure tasks; {replayed} replayed -> "
        f"{after_replay}; hk.task.created published {len(created_ids)}; "
        f"room.status_changed {len(status_changes)}"
    )


def check_in(room: str, guest_id: str, arrival: date, nights: int) -> StayCheckedIn:
    return StayCheckedIn.new(
        StayCheckedInPayload(
            stay_id=f"stay-{uuid.uuid4()}",
            reservation_id=f"res-{uuid.uuid4()}",
            guest_id=guest_id,
            room_number=room,
            room_type="king",
            arrival=arrival,
            departure=arrival + timedelta(days=nights),
        ),
        producer="frontdesk",
        property_id=PROPERTY,
    )


def guest(guest_id: str, habits: list[str], amenities: list[str] = ()) -> GuestCreated:
    return GuestCreated.new(
        GuestProfilePayload(
            guest_id=guest_id, preferences={"housekeeping": habits, "amenities": list(amenities)}
        ),
        producer="loyalty",
        property_id=PROPERTY,
    )


async def test_the_daily_plan_honours_do_not_disturb_no_service_and_linen_habits(
    stack: Stack, amqp_url: str
) -> None:
    stack.start("housekeeping")
    housekeeping = stack.client("housekeeping")
    arrival = date(2027, 5, 1)
    guests = [
        guest("g-eco", ["linen_every:3"]),
        guest("g-quiet", ["no_service"]),
        guest("g-dnd", []),
    ]
    stays = [
        check_in("401", "g-eco", arrival, 10),
        check_in("402", "g-quiet", arrival, 10),
        check_in("403", "g-dnd", arrival, 10),
    ]
    await publish_events(amqp_url, guests)
    await stack.wait_quiet()
    await publish_events(amqp_url, stays)
    await wait_for(
        lambda: all(
            housekeeping.get(f"/rooms/{n}").json()["status"].startswith("occupied")
            for n in ("401", "402", "403")
        ),
        message="rooms occupied",
    )

    dnd = housekeeping.put("/rooms/403/do-not-disturb", json={"on": True})
    assert dnd.status_code == 200 and dnd.json()["do_not_disturb"] is True
    linen_nights, per_day = [], {}
    for night in range(1, 10):
        day = (arrival + timedelta(days=night)).isoformat()
        plan = housekeeping.post(f"/plans/{day}", json={"attendants": ["amy", "ben"]})
        assert plan.status_code == 200, plan.text
        again = housekeeping.post(f"/plans/{day}", json={"attendants": ["amy", "ben"]}).json()
        assert again["stayovers_created"] == []
        items = housekeeping.get("/tasks", params={"kind": "stayover_service", "day": day}).json()
        per_day[day] = sorted(task["room_number"] for task in items["items"])
        linen_nights += [night for task in items["items"] if task["change_linen"]]
        assert plan.json()["skipped"] == {"402": "no_service_requested", "403": "do_not_disturb"}
    assert set(map(tuple, per_day.values())) == {("401",)}
    assert linen_nights == [3, 6, 9]
    print(
        f"\n9 mornings planned twice each: stay-over tasks {sum(map(len, per_day.values()))} "
        f"(room 401 only); do-not-disturb 403 and no-service 402 got none; linen on nights "
        f"{linen_nights}"
    )


def write_clock(path: Path, moment: datetime) -> None:
    path.write_text(moment.isoformat())


async def test_an_out_of_order_period_applies_at_10_and_12_across_a_restart(
    stack: Stack, amqp_url: str
) -> None:
    clock_file = stack.work_dir / "clock"
    store = str(stack.work_dir / "hk-store")
    settings = {
        "TEST_CLOCK_FILE": str(clock_file),
        "SCHEDULER_POLL_SECONDS": "0.2",
        "EMBEDDED_STORE_DIR": store,
        "PLAN_AT": "23:59",
    }
    write_clock(clock_file, datetime(2027, 6, 1, 9, 0, tzinfo=UTC))
    stack.start("housekeeping", **settings)
    housekeeping = stack.client("housekeeping")

    def status() -> str:
        return stack.client("housekeeping").get("/rooms/801").json()["status"]

    async with EventTap(amqp_url, ["room.status_changed"]) as tap:
        period = housekeeping.post(
            "/rooms/801/out-of-order-periods",
            json={
                "start": "2027-06-01T10:00:00Z",
                "end": "2027-06-01T12:00:00Z",
                "reason": "air conditioning replaced",
            },
        )
        assert period.status_code == 201, period.text
        await stack.wait_quiet(workers=("room-periods",))  # a whole pass at 09:00
        at_nine = status()
        write_clock(clock_file, datetime(2027, 6, 1, 10, 0, tzinfo=UTC))
        await wait_for(lambda: status() == "out_of_order", timeout=20, message="out of order")

        stack.services["housekeeping"].kill()  # SIGKILL while the room is out of order
        write_clock(clock_file, datetime(2027, 6, 1, 12, 0, tzinfo=UTC))
        stack.restart("housekeeping", **settings)
        await wait_for(lambda: status() == "vacant_inspected", timeout=20, message="back")
        await stack.wait_quiet(workers=("room-periods",))  # a second transition would be out
        changes = [
            (b["payload"]["old_status"], b["payload"]["new_status"])
            for b in tap.bodies("room.status_changed")
        ]
    assert at_nine == "vacant_inspected"
    assert changes == [("vacant_inspected", "out_of_order"), ("out_of_order", "vacant_inspected")]
    (stored,) = stack.client("housekeeping").get("/rooms/801/out-of-order-periods").json()
    assert stored["state"] == "ended"
    print(
        f"\nroom 801: 09:00 {at_nine}; 10:00 out_of_order; killed, restarted at 12:00: "
        f"{status()}; room.status_changed published {changes}"
    )


async def test_bad_input_gets_a_clear_problem(stack: Stack, amqp_url: str) -> None:
    stack.start("housekeeping")
    housekeeping = stack.client("housekeeping")
    _, departed = checkout(7)
    await publish_events(amqp_url, [departed])
    await wait_for(lambda: departure_tasks(housekeeping) == 1, message="the departure task")
    task = housekeeping.get("/tasks", params={"stay_id": departed.payload.stay_id}).json()["items"][
        0
    ]
    room = task["room_number"]

    unknown = housekeeping.get("/rooms/9999")
    nobody_cleaned = housekeeping.post(
        f"/rooms/{room}/inspection", json={"inspector": "sue", "passed": True}
    )
    not_started = housekeeping.post(
        f"/tasks/{task['task_id']}/finish", json={"completed_items": task["checklist"]}
    )
    assert (
        housekeeping.post(f"/tasks/{task['task_id']}/start", json={"attendant": "amy"}).status_code
        == 200
    )
    missing = housekeeping.post(
        f"/tasks/{task['task_id']}/finish", json={"completed_items": task["checklist"][:2]}
    )
    finished = housekeeping.post(
        f"/tasks/{task['task_id']}/finish", json={"completed_items": task["checklist"]}
    )
    twice = housekeeping.post(
        f"/tasks/{task['task_id']}/finish", json={"completed_items": task["checklist"]}
    )
    extra = housekeeping.post(
        f"/tasks/{task['task_id']}/inspection",
        json={"inspector": "sue", "passed": True, "score": 10},
    )
    backwards = housekeeping.post(
        "/rooms/801/out-of-order-periods",
        json={"start": "2027-06-01T12:00:00Z", "end": "2027-06-01T10:00:00Z", "reason": "x"},
    )
    unknown_task = housekeeping.post("/tasks/nope/start", json={"attendant": "amy"})

    assert finished.status_code == 200 and finished.json()["status"] == "done"
    for response, status, words in (
        (unknown, 404, "not a room"),
        (nobody_cleaned, 409, "nobody has cleaned"),
        (not_started, 409, "start it"),
        (missing, 422, "checklist items not done"),
        (twice, 409, "already finished"),
        (extra, 422, "score"),
        (backwards, 422, "end after it starts"),
        (unknown_task, 404, "no task"),
    ):
        assert response.status_code == status, (response.status_code, response.text)
        assert response.headers["content-type"] == PROBLEM
        assert words in response.json()["detail"]
    assert housekeeping.get(f"/rooms/{room}").json()["status"] == "vacant_clean"


async def test_requests_room_moves_assignments_checks_and_erasure_flow_through_events(
    stack: Stack, amqp_url: str
) -> None:
    stack.start("housekeeping")
    housekeeping = stack.client("housekeeping")
    arrival = date(2027, 7, 1)
    stay = check_in("501", "g-fam", arrival, 3)
    assigned = RoomAssigned.new(
        RoomAssignedPayload(
            reservation_id="res-fam",
            guest_id="g-fam",
            room_number="502",
            room_type="king",
            arrival=arrival,
            departure=arrival + timedelta(days=2),
            rule="preference",
            vip=True,
        ),
        producer="frontdesk",
        property_id=PROPERTY,
    )
    requests = [
        GuestRequestRaised.new(
            GuestRequestRaisedPayload(
                request_id=f"req-{kind}",
                stay_id=stay.payload.stay_id,
                room_number="501",
                kind=kind,
                details=details,
                taken_by="desk-1",
                urgent=urgent,
            ),
            producer="frontdesk",
            property_id=PROPERTY,
        )
        for kind, details, urgent in (
            ("cleaning", "spilled coffee", True),
            ("turndown", "at 21:00", False),
            ("amenities", "two extra towels", False),
            ("maintenance", "the air conditioning is noisy", True),
        )
    ]
    moved = StayRoomMoved.new(
        StayRoomMovedPayload(
            stay_id=stay.payload.stay_id,
            guest_id="g-fam",
            from_room="501",
            to_room="503",
            reason="noise",
        ),
        producer="frontdesk",
        property_id=PROPERTY,
    )
    erased = GuestAnonymized.new(
        GuestAnonymizedPayload(guest_id="g-fam", requested_at=datetime.now(UTC)),
        producer="loyalty",
        property_id=PROPERTY,
    )

    async with EventTap(
        amqp_url,
        [
            "hk.task.created",
            "maintenance.requested",
            "room.item_check_reported",
            "room.status_changed",
        ],
    ) as tap:
        await publish_events(amqp_url, [guest("g-fam", [], ["fruit", "baby_cot"])])
        await stack.wait_quiet()
        await publish_events(amqp_url, [stay, assigned])
        await stack.wait_quiet()
        await publish_events(amqp_url, [*requests, moved], copies=2)
        await stack.wait_quiet()

        kinds = {t["task_id"]: t for t in housekeeping.get("/tasks").json()["items"]}
        arrival_task = kinds["arrival|res-fam|502"]
        assert arrival_task["guest_amenities"] == ["fruit", "baby_cot"]
        assert arrival_task["priority"] == 1  # a VIP's room
        assert kinds["request|req-cleaning"]["kind"] == "urgent_cleaning"
        assert kinds["request|req-turndown"]["kind"] == "turndown"
        assert kinds["request|req-amenities"]["kind"] == "amenity_delivery"
        move_out = kinds[f"move-out|{stay.payload.stay_id}|501"]
        assert move_out["kind"] == "departure_cleaning"
        assert housekeeping.get("/rooms/501").json()["status"] == "vacant_dirty"
        assert housekeeping.get("/rooms/503").json()["status"] == "occupied_inspected"
        (repair,) = housekeeping.get("/maintenance-requests").json()
        assert (repair["category"], repair["priority"], repair["source"]) == (
            "air_conditioning",
            "urgent",
            "guest",
        )

        check = {
            "checked_by": "amy",
            "minibar": [{"description": "cola", "quantity": 2, "amount": "15.00"}],
            "damages": [{"description": "broken glass", "amount": "30.50"}],
        }
        first = housekeeping.post(f"/tasks/{move_out['task_id']}/room-check", json=check)
        second = housekeeping.post(f"/tasks/{move_out['task_id']}/room-check", json=check)
        assert first.status_code == 201 and second.status_code == 409

        await publish_events(amqp_url, [erased])
        await stack.wait_quiet()
        await wait_for(lambda: len(tap.bodies("room.item_check_reported")) == 1, timeout=20)
        await stack.wait_quiet()

    assert len(tap.bodies("hk.task.created")) == 5  # arrival, 3 requests, move-out: once each
    assert len(tap.bodies("maintenance.requested")) == 1
    (reported,) = tap.bodies("room.item_check_reported")
    assert reported["payload"]["check_id"] == f"check|{stay.payload.stay_id}|501"
    assert reported["payload"]["minibar"] == [
        {"description": "cola", "quantity": 2, "amount": "15.00"}
    ]
    after = {t["task_id"]: t for t in housekeeping.get("/tasks").json()["items"]}
    assert after["arrival|res-fam|502"]["guest_amenities"] == []
    assert all("guest_id" not in t for t in after.values())


async def test_the_morning_plan_runs_by_itself_at_seven_once_across_a_restart(
    stack: Stack, amqp_url: str
) -> None:
    clock_file = stack.work_dir / "clock"
    settings = {
        "TEST_CLOCK_FILE": str(clock_file),
        "SCHEDULER_POLL_SECONDS": "0.2",
        "EMBEDDED_STORE_DIR": str(stack.work_dir / "hk-store"),
        "PLAN_AT": "07:00",
        "ATTENDANTS": '["amy", "ben"]',
    }
    write_clock(clock_file, at_hotel("2027-08-02", 6, 59))  # the hotel's morning
    stack.start("housekeeping", **settings)
    housekeeping = stack.client("housekeeping")
    await publish_events(
        amqp_url,
        [check_in(room, f"g-{room}", date(2027, 8, 1), 3) for room in ("301", "302", "303")],
    )
    await stack.wait_quiet()

    def stayovers() -> list[dict]:
        return (
            stack.client("housekeeping")
            .get("/tasks", params={"kind": "stayover_service", "day": "2027-08-02"})
            .json()["items"]
        )

    await stack.wait_quiet(workers=("daily-plan",))  # a whole scheduler pass at 06:59
    before_seven = len(stayovers())
    write_clock(clock_file, at_hotel("2027-08-02", 7))
    await wait_for(lambda: len(stayovers()) == 3, timeout=20, message="the morning's stay-overs")
    stack.services["housekeeping"].kill()
    write_clock(clock_file, at_hotel("2027-08-02", 9))
    stack.restart("housekeeping", **settings)
    await stack.wait_quiet(workers=("daily-plan",))  # whole scheduler passes after the restart
    tasks = stayovers()
    assert before_seven == 0 and len(tasks) == 3
    assert sorted(task["assigned_to"] for task in tasks) in (
        ["amy", "amy", "ben"],
        ["amy", "ben", "ben"],
    )
    assert housekeeping.get("/plans/2027-08-02").json()["attendants"] == ["amy", "ben"]
    assert housekeeping.get("/rooms/301").json()["status"] == "occupied_dirty"
    print(
        f"\nmorning plan: 06:59 {before_seven} stay-overs; 07:00 {len(tasks)}; after a kill "
        f"and restart at 09:00 still {len(stayovers())}"
    )
