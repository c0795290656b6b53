"""Housekeeping use cases in-process on the embedded store, with a clock the test moves.

The schedulers' passes are driven directly, so a period from 10:00 to 12:00 takes no
time; tests/e2e/test_housekeeping_*.py prove the same through the real process and broker.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from mongomock_motor import AsyncMongoMockClient

from services.housekeeping.amenities import StockKeeper, default_stock
from services.housekeeping.maintenance import MaintenanceService
from services.housekeeping.repository import (
    TASK_FIELDS,
    HousekeepingRepository,
    task_from_document,
    task_to_document,
)
from services.housekeeping.rooms import RoomKeeper
from services.housekeeping.service import HousekeepingService
from services.housekeeping.tasks import TaskConflict, TaskService
from services.housekeeping.workers import DailyPlanWorker, RoomPeriodWorker
from shared.errors import Conflict, NotFound, Unprocessable
from shared.events import (
    GuestCreated,
    GuestProfilePayload,
    StayCheckedIn,
    StayCheckedInPayload,
    StayCheckedOut,
    StayCheckedOutPayload,
)
from shared.property_setup import load_property

PROPERTY = "demo-hotel"


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Housekeeping:
    """The service's parts wired as main.py does, on a database the test can reopen."""

    def __init__(self, database, clock: FakeClock) -> None:
        self.events = 0
        self.repository = HousekeepingRepository(database, PROPERTY)
        self.rooms = RoomKeeper(self.repository, events_written=self._written)
        self.stock = StockKeeper(self.repository)
        self.maintenance = MaintenanceService(
            self.repository, self.rooms, clock=clock, events_written=self._written
        )
        self.service = HousekeepingService(
            self.repository, self.rooms, self.maintenance, clock=clock, events_written=self._written
        )
        self.tasks = TaskService(
            self.repository,
            self.rooms,
            self.service,
            self.maintenance,
            self.stock,
            clock=clock,
            events_written=self._written,
            default_linen_every=1,
            attendants=["amy", "ben"],
        )
        self.periods = RoomPeriodWorker(self.maintenance, poll_seconds=60)
        self.planner = DailyPlanWorker(
            self.tasks, clock=clock, plan_at=time(7), timezone="UTC", poll_seconds=60
        )

    def _written(self) -> None:
        self.events += 1

    async def prepare(self) -> Housekeeping:
        await self.repository.prepare(load_property(), default_stock(20, 5))
        return self

    async def status(self, room: str) -> str:
        return (await self.rooms.room(room))["status"]

    async def published(self, event_type: str) -> list[dict]:
        import json

        found = []
        for name in ("rooms", "tasks", "maintenance", "room_checks", "room_periods"):
            async for doc in self.repository.rooms.database[name].find(
                {"outbox.0": {"$exists": True}}
            ):
                found += [json.loads(e["body"]) for e in doc["outbox"] if e["type"] == event_type]
        return found


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2027, 3, 1, 8, 0, tzinfo=UTC))


@pytest.fixture
async def hk(clock: FakeClock) -> Housekeeping:
    database = AsyncMongoMockClient(tz_aware=True).get_database("hk")
    return await Housekeeping(database, clock).prepare()


def checked_in(
    room: str,
    arrival: date,
    nights: int,
    guest_id: str = "g1",
    stay_id: str = "s1",
    vip: bool = False,
) -> StayCheckedIn:
    return StayCheckedIn.new(
        StayCheckedInPayload(
            stay_id=stay_id,
            reservation_id=f"r-{stay_id}",
            guest_id=guest_id,
            room_number=room,
            room_type="king",
            arrival=arrival,
            departure=arrival + timedelta(days=nights),
            vip=vip,
        ),
        producer="frontdesk",
        property_id=PROPERTY,
    )


def checked_out(room: str, stay_id: str = "s1") -> StayCheckedOut:
    return StayCheckedOut.new(
        StayCheckedOutPayload(
            stay_id=stay_id,
            reservation_id=f"r-{stay_id}",
            guest_id="g1",
            room_number=room,
            room_type="king",
            arrival=date(2027, 3, 1),
            departure=date(2027, 3, 2),
            nights=1,
            room_revenue=Decimal("480"),
            total_spend=Decimal("480"),
        ),
        producer="frontdesk",
        property_id=PROPERTY,
    )


async def schedule(
    hk: Housekeeping, room: str, start: datetime, end: datetime, kind: str, reason: str
) -> dict[str, Any]:
    """An out-of-order (or out-of-service) period that returns the room as it was."""
    return await hk.maintenance.add_period(
        room, kind=kind, start=start, end=end, reason=reason, return_status=None, request_id=None
    )


def profile(guest_id: str, *habits: str, version: int = 1) -> GuestCreated:
    return GuestCreated.new(
        GuestProfilePayload(
            guest_id=guest_id,
            version=version,
            preferences={
                "housekeeping": list(habits),
                "amenities": ["fruit"],
                "pillow": ["feather"],
            },
        ),
        producer="loyalty",
        property_id=PROPERTY,
    )


async def test_linen_every_third_night_comes_on_nights_3_6_and_9(
    hk: Housekeeping, clock: FakeClock
) -> None:
    arrival = date(2027, 3, 1)
    await hk.service.on_guest_profile(profile("g1", "linen_every:3", "time:10:30"))
    await hk.service.on_check_in(checked_in("401", arrival, nights=10))
    linen_nights = []
    for night in range(1, 10):
        result = await hk.tasks.plan_day(arrival + timedelta(days=night))
        (task_id,) = result["stayovers_created"]
        task = await hk.tasks.task(task_id)
        assert task.night == night and task.scheduled_time == "10:30"
        if task.change_linen:
            linen_nights.append(night)
            assert task.checklist[0] == "change_linen"
    assert linen_nights == [3, 6, 9]
    print(f"\nlinen changed on nights {linen_nights} of a 10-night stay")


async def test_do_not_disturb_and_no_service_get_no_stayover_that_day(hk: Housekeeping) -> None:
    arrival = date(2027, 3, 1)
    await hk.service.on_guest_profile(profile("g-quiet", "no_service"))
    await hk.service.on_check_in(checked_in("401", arrival, 3, "g-dnd", "s-dnd"))
    await hk.service.on_check_in(checked_in("402", arrival, 3, "g-quiet", "s-quiet"))
    await hk.service.on_check_in(checked_in("403", arrival, 3, "g-plain", "s-plain"))
    await hk.tasks.set_do_not_disturb("401", True)

    plan = await hk.tasks.plan_day(date(2027, 3, 2))
    assert plan["stayovers_created"] == ["stayover|403|2027-03-02"]
    assert plan["skipped"] == {"401": "do_not_disturb", "402": "no_service_requested"}
    again = await hk.tasks.plan_day(date(2027, 3, 2))
    assert again["stayovers_created"] == [] and sum(map(len, again["assigned"].values())) == 0
    total, _ = await hk.tasks.tasks(limit=10, offset=0, kind="stayover_service")
    assert total == 1


async def test_a_task_is_started_paused_finished_inspected_and_the_room_follows(
    hk: Housekeeping, clock: FakeClock
) -> None:
    await hk.service.on_check_in(checked_in("501", date(2027, 3, 1), 1))
    await hk.service.on_check_out(checked_out("501"))
    assert await hk.status("501") == "vacant_dirty"
    task_id = "departure|s1"
    task = await hk.tasks.task(task_id)
    await hk.tasks.start(task_id, "amy")
    clock.now += timedelta(minutes=20)
    await hk.tasks.pause(task_id)
    clock.now += timedelta(minutes=30)  # a break: not cleaning time
    await hk.tasks.start(task_id, "amy")
    clock.now += timedelta(minutes=10)
    with pytest.raises(Unprocessable):
        await hk.tasks.finish(task_id, task.checklist[:-1])
    done = await hk.tasks.finish(task_id, task.checklist)
    assert done.work_seconds == 30 * 60
    assert await hk.status("501") == "vacant_clean"
    with pytest.raises(TaskConflict):
        await hk.tasks.finish(task_id, task.checklist)

    clock.now += timedelta(minutes=5)
    reopened = await hk.tasks.inspect(
        task_id,
        inspector="sue",
        passed=False,
        notes="dust",
        failed_items=["dust_surfaces"],
        maintenance=[],
    )
    assert reopened.status == "open" and await hk.status("501") == "vacant_dirty"
    await hk.tasks.start(task_id, "amy")
    clock.now += timedelta(minutes=5)
    await hk.tasks.finish(task_id, task.checklist)
    clock.now += timedelta(minutes=15)
    passed = await hk.tasks.inspect_room(
        "501", inspector="sue", passed=True, notes=None, failed_items=[], maintenance=[]
    )
    assert passed.status == "inspected" and await hk.status("501") == "vacant_inspected"
    with pytest.raises(TaskConflict, match="nobody has cleaned room 501"):
        await hk.tasks.inspect_room(
            "501", inspector="sue", passed=True, notes=None, failed_items=[], maintenance=[]
        )

    changes = [
        (b["payload"]["old_status"], b["payload"]["new_status"])
        for b in await hk.published("room.status_changed")
    ]
    assert changes == [
        ("vacant_inspected", "occupied_inspected"),
        ("occupied_inspected", "vacant_dirty"),
        ("vacant_dirty", "vacant_clean"),
        ("vacant_clean", "vacant_dirty"),
        ("vacant_dirty", "vacant_clean"),
        ("vacant_clean", "vacant_inspected"),
    ]
    times = await hk.tasks.housekeeping.repository.tasks_matching({"_id": task_id})
    assert [r.seconds_after_finish for r in times[0].inspections] == [300, 900]
    stock = {i["item"]: i["on_hand"] for i in await hk.stock.items()}
    assert stock["shampoo"] == 16  # two finishes, two bottles each


async def test_an_out_of_order_period_moves_the_room_out_and_back_at_its_times(
    hk: Housekeeping, clock: FakeClock
) -> None:
    start = datetime(2027, 3, 1, 10, 0, tzinfo=UTC)
    await schedule(hk, "601", start, start + timedelta(hours=2), "out_of_order", "leak")
    seen = []
    for hour, minute in ((9, 59), (10, 0), (11, 0), (11, 59), (12, 0), (13, 0)):
        clock.now = datetime(2027, 3, 1, hour, minute, tzinfo=UTC)
        await hk.periods.work_once()
        await hk.periods.work_once()  # a second pass at the same time changes nothing
        seen.append((f"{hour:02}:{minute:02}", await hk.status("601")))
    assert seen == [
        ("09:59", "vacant_inspected"),
        ("10:00", "out_of_order"),
        ("11:00", "out_of_order"),
        ("11:59", "out_of_order"),
        ("12:00", "vacant_inspected"),
        ("13:00", "vacant_inspected"),
    ]
    assert len(await hk.published("room.status_changed")) == 2


async def test_a_period_entirely_missed_while_down_is_applied_on_return(
    hk: Housekeeping, clock: FakeClock
) -> None:
    start = datetime(2027, 3, 1, 10, 0, tzinfo=UTC)
    await schedule(hk, "602", start, start + timedelta(hours=2), "out_of_service", "painting")
    clock.now = datetime(2027, 3, 1, 12, 30, tzinfo=UTC)
    await hk.periods.work_once()
    changes = [
        (b["payload"]["old_status"], b["payload"]["new_status"])
        for b in await hk.published("room.status_changed")
    ]
    assert changes == [
        ("vacant_inspected", "out_of_service"),
        ("out_of_service", "vacant_inspected"),
    ]


async def test_the_morning_plan_runs_once_at_its_time_and_balances_work(
    hk: Housekeeping, clock: FakeClock
) -> None:
    for n, room in enumerate(("401", "402", "403", "404")):
        await hk.service.on_check_in(
            checked_in(room, date(2027, 2, 27), 5, f"g{n}", f"s{n}", vip=room == "404")
        )
    clock.now = datetime(2027, 3, 1, 6, 59, tzinfo=UTC)
    await hk.planner.work_once()
    assert await hk.repository.plan("2027-03-01") is None
    clock.now = datetime(2027, 3, 1, 7, 0, tzinfo=UTC)
    await hk.planner.work_once()
    await hk.planner.work_once()
    _, tasks = await hk.tasks.tasks(limit=50, offset=0, day="2027-03-01")
    assert len(tasks) == 4
    by_attendant = {}
    for task in tasks:
        by_attendant.setdefault(task.assigned_to, []).append(task.room_number)
    assert sorted(map(len, by_attendant.values())) == [2, 2]
    vip = next(t for t in tasks if t.room_number == "404")
    assert vip.priority < min(t.priority for t in tasks if t.room_number != "404")


async def test_bad_input_is_refused(hk: Housekeeping) -> None:
    with pytest.raises(NotFound):
        await hk.rooms.room("9999")
    with pytest.raises(NotFound):
        await hk.tasks.start("no-such-task", "amy")
    with pytest.raises(Conflict, match="has no guest"):
        await hk.tasks.set_do_not_disturb("201", True)  # nobody lives there


async def test_the_typed_task_keeps_the_stored_document_as_it_is(hk: Housekeeping) -> None:
    """Issue 17: the task aggregate is read and written as the same document, field for
    field (no migration): tasks of several kinds, one worked, paused, finished and
    inspected (failed, then passed), each read and written back equal, no field added."""
    await hk.service.on_check_in(checked_in("501", date(2027, 3, 1), 3))
    await hk.tasks.plan_day(date(2027, 3, 2))
    await hk.service.on_check_out(checked_out("501"))
    worked = "departure|s1"
    checklist = (await hk.tasks.task(worked)).checklist
    await hk.tasks.start(worked, "amy")
    await hk.tasks.pause(worked)
    await hk.tasks.start(worked, "amy")
    await hk.tasks.finish(worked, checklist)
    verdict = {"inspector": "sue", "notes": None, "maintenance": []}
    await hk.tasks.inspect(worked, passed=False, failed_items=["dust_surfaces"], **verdict)
    await hk.tasks.start(worked, "ben")
    await hk.tasks.finish(worked, checklist)
    await hk.tasks.inspect(worked, passed=True, failed_items=[], **verdict)
    # the outbox relay's lease on the document is the store's, not the task's
    lease = {"outbox_lease_until": None, "outbox_lease_owner": "relay-1"}
    await hk.repository.tasks.update_one({"_id": worked}, {"$set": lease})
    assert (await hk.tasks.task(worked)).status == "inspected"
    stored = await hk.repository.tasks.find({}, TASK_FIELDS).to_list(None)
    assert {document["kind"] for document in stored} >= {"departure_cleaning", "stayover_service"}
    for document in stored:
        assert task_to_document(task_from_document(document)) == document
    # a document of an older shape (fields written later missing) stays that shape
    older = {key: stored[0][key] for key in ("_id", "property_id", "kind", "room_number")}
    assert task_to_document(task_from_document({**older, "status": "open"})) == {
        **older,
        "status": "open",
    }


async def test_room_effects_a_crash_left_behind_are_applied_by_the_next_pass_once(
    hk: Housekeeping, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    await hk.service.on_check_out(checked_out("502", "s-crash"))
    task = await hk.tasks.task("departure|s-crash")
    await hk.tasks.start(task.id, "ben")
    real_change = hk.rooms.change

    async def crash(*args, **kwargs):
        raise ConnectionError("the process died here")

    monkeypatch.setattr(hk.rooms, "change", crash)
    with pytest.raises(ConnectionError):
        await hk.tasks.finish(task.id, task.checklist)
    monkeypatch.setattr(hk.rooms, "change", real_change)
    assert (await hk.tasks.task(task.id)).status == "done"
    assert await hk.status("502") == "vacant_dirty"

    clock.now += timedelta(seconds=10)
    await hk.planner.work_once()  # too early: a request in flight may still be on it
    assert await hk.status("502") == "vacant_dirty"
    clock.now += timedelta(minutes=1)
    await hk.planner.work_once()
    await hk.planner.work_once()
    assert await hk.status("502") == "vacant_clean"
    assert (await hk.tasks.task(task.id)).effects_due is None
    changes = [
        (b["payload"]["old_status"], b["payload"]["new_status"])
        for b in await hk.published("room.status_changed")
    ]
    assert changes == [("vacant_inspected", "vacant_dirty"), ("vacant_dirty", "vacant_clean")]


async def test_reports_and_stock_alerts_follow_the_work_done(
    hk: Housekeeping, clock: FakeClock
) -> None:
    from services.housekeeping.reports import Reports

    reports = Reports(hk.repository)
    for n, (room, attendant, minutes) in enumerate(
        (("801", "amy", 40), ("802", "amy", 20), ("803", "ben", 30))
    ):
        await hk.service.on_check_out(checked_out(room, f"s{n}"))
        task = await hk.tasks.task(f"departure|s{n}")
        await hk.tasks.start(task.id, attendant)
        clock.now += timedelta(minutes=minutes)
        await hk.tasks.finish(task.id, task.checklist)
        clock.now += timedelta(minutes=10)
        await hk.tasks.inspect(
            task.id, inspector="sue", passed=True, notes=None, failed_items=[], maintenance=[]
        )

    rooms = await reports.rooms_by_status()
    assert rooms["by_status"] == {"vacant_inspected": 40}
    work = await reports.work_by_attendant(None)
    assert work["attendants"] == {
        "amy": {"tasks": 2, "work_seconds": 3600},
        "ben": {"tasks": 1, "work_seconds": 1800},
    }
    times = await reports.times(None)
    assert times["average_cleaning_seconds"] == {"departure_cleaning": 1800}
    assert times["average_inspection_seconds"] == 600 and times["inspections"] == 3

    # Deluxe rooms restock 2 pairs of slippers each: 20 - 3 * 2 = 14; reorder point 15.
    await hk.stock.configure("slippers", {"reorder_point": 15})
    alerts = [item["item"] for item in await hk.stock.alerts()]
    assert alerts == ["slippers"]
    await hk.stock.receive("slippers", 10)
    assert await hk.stock.alerts() == []


async def test_amenity_stock_never_goes_below_zero(hk: Housekeeping) -> None:
    """Issue 12: finishing cleanings took bottles the store room did not have (-1)."""
    import asyncio

    await hk.stock.configure("shampoo", {"on_hand": 3, "reorder_point": 1})
    # three finishes at once, two bottles each: only three bottles exist
    await asyncio.gather(*(hk.stock.consume({"shampoo": 2}, f"task|t{n}") for n in range(3)))
    await hk.stock.consume({"shampoo": 2}, "task|t0")  # a redelivered finish takes nothing
    shampoo = next(i for i in await hk.stock.items() if i["item"] == "shampoo")
    assert shampoo["on_hand"] == 0
    assert shampoo.get("shortfall") == 3  # what the finishes could not take is counted
    assert [i["item"] for i in await hk.stock.alerts()].count("shampoo") == 1
    await hk.stock.receive("shampoo", 5)
    shampoo = next(i for i in await hk.stock.items() if i["item"] == "shampoo")
    assert shampoo["on_hand"] == 5


async def test_the_room_check_is_made_before_the_folio_closes(
    hk: Housekeeping, clock: FakeClock
) -> None:
    """Issue 12: the departure check existed only after check-out, too late for the bill.
    The desk's stay.room_check_requested now brings the departure task (one, the same
    check-out would bring) and the attendant reports the check on it."""
    from shared.events import ItemCharge, StayRoomCheckRequested, StayRoomCheckRequestedPayload

    await hk.service.on_check_in(checked_in("401", date(2027, 3, 1), 1))
    asked = StayRoomCheckRequested.new(
        StayRoomCheckRequestedPayload(
            stay_id="s1",
            guest_id="g1",
            room_number="401",
            room_type="king",
            requested_at=clock.now,
            settle_by=clock.now + timedelta(minutes=15),
        ),
        producer="frontdesk",
        property_id=PROPERTY,
    )
    await hk.service.on_room_check_requested(asked)
    await hk.service.on_room_check_requested(asked)  # redelivered
    [task] = await hk.repository.tasks_matching({"stay_id": "s1"})
    assert task.kind == "departure_cleaning" and task.room_check_requested
    check = await hk.tasks.report_room_check(
        task.id,
        damages=[ItemCharge(description="cracked TV", amount=Decimal("1000.00"))],
        missing_items=[],
        minibar=[],
        checked_by="amy",
        currency="CNY",
    )
    assert check["stay_id"] == "s1"
    assert len(await hk.published("room.item_check_reported")) == 1
    await hk.service.on_check_out(checked_out("401"))
    assert len(await hk.repository.tasks_matching({"stay_id": "s1"})) == 1  # still one task
    assert await hk.status("401") == "vacant_dirty"


async def test_the_bookings_special_requests_reach_arrival_preparation(hk: Housekeeping) -> None:
    """Issue 12: celebration, children's items and accessibility from the booking never
    reached housekeeping's arrival preparation."""
    from shared.events import RoomAssigned, RoomAssignedPayload

    await hk.service.on_room_assigned(
        RoomAssigned.new(
            RoomAssignedPayload(
                reservation_id="r-1",
                guest_id="g-new",
                room_number="401",
                room_type="king",
                arrival=date(2027, 3, 2),
                departure=date(2027, 3, 4),
                rule="guest_requests",
                stay_id="s-1",  # given at check-in, no VIP, no profile: prepared for the requests
                special_requests=[
                    "celebration: anniversary",
                    "family",
                    "accessible",
                    "bed: twin",
                    "quiet",
                ],
            ),
            producer="frontdesk",
            property_id=PROPERTY,
        )
    )
    [task] = await hk.repository.tasks_matching({"reservation_id": "r-1"})
    assert task.kind == "arrival_preparation"
    assert task.booking_requests == [
        "celebration set-up: anniversary",
        "children's items",
        "accessibility check",
    ]


async def test_a_merged_guests_habits_apply_to_the_stay(hk: Housekeeping) -> None:
    """Issue 12: after a loyalty merge the room kept the merged-away id, so the guest's
    "no service" habit (on the surviving profile) was ignored."""
    from shared.events import GuestMerged, GuestMergedPayload

    arrival = date(2027, 3, 1)
    await hk.service.on_guest_profile(profile("g-main", "no_service"))
    await hk.service.on_check_in(checked_in("401", arrival, 3, "g-walk-in", "s-1"))
    await hk.service.on_guest_merged(
        GuestMerged.new(
            GuestMergedPayload(surviving_guest_id="g-main", merged_guest_ids=["g-walk-in"]),
            producer="loyalty",
            property_id=PROPERTY,
        )
    )
    result = await hk.tasks.plan_day(arrival + timedelta(days=1))
    assert result["stayovers_created"] == []
    assert (await hk.rooms.room("401"))["occupant"]["guest_id"] == "g-main"


async def test_a_running_out_of_order_period_is_ended_early_or_extended(
    hk: Housekeeping, clock: FakeClock
) -> None:
    """Issue 12: a running period could not be ended early nor extended."""
    start = datetime(2027, 3, 1, 10, 0, tzinfo=UTC)
    leak = await schedule(hk, "601", start, start + timedelta(hours=4), "out_of_order", "leak")
    paint = await schedule(hk, "602", start, start + timedelta(hours=2), "out_of_order", "paint")
    later = await schedule(
        hk,
        "602",
        start + timedelta(hours=6),
        start + timedelta(hours=8),
        "out_of_service",
        "carpet",
    )
    clock.now = start + timedelta(minutes=30)
    await hk.periods.work_once()
    assert await hk.status("601") == await hk.status("602") == "out_of_order"

    clock.now = start + timedelta(hours=1)  # the leak is fixed early: back at once
    ended = await hk.maintenance.change_period_end(leak["_id"], None)
    assert ended["state"] == "ended" and ended["end"] == clock.now
    assert await hk.status("601") != "out_of_order"
    extended = await hk.maintenance.change_period_end(
        paint["_id"], start + timedelta(hours=5)
    )  # the paint needs longer
    with pytest.raises(Conflict):  # but not into the room's next period
        await hk.maintenance.change_period_end(paint["_id"], start + timedelta(hours=7))
    clock.now = start + timedelta(hours=3)
    await hk.periods.work_once()
    assert extended["state"] == "active" and await hk.status("602") == "out_of_order"
    clock.now = start + timedelta(hours=5, minutes=1)
    await hk.periods.work_once()
    assert await hk.status("602") != "out_of_order"
    with pytest.raises(Conflict):  # an ended period stays ended
        await hk.maintenance.change_period_end(leak["_id"], start + timedelta(hours=9))
    assert later["state"] == "scheduled"


async def test_erasure_erases_the_guests_words_in_tasks_and_maintenance_requests(
    hk: Housekeeping,
) -> None:
    """Issue 15: a guest's requests reach housekeeping as tasks and maintenance requests
    that name the guest, so guest.anonymized erases their words there; another guest's
    and staff's texts stay."""
    from shared.events import GuestAnonymized, GuestAnonymizedPayload, GuestRequestRaised
    from shared.events import GuestRequestRaisedPayload as Raised

    def raised(request_id: str, kind: str, details: str, guest_id: str) -> GuestRequestRaised:
        return GuestRequestRaised.new(
            Raised(
                request_id=request_id,
                room_number="401",
                kind=kind,
                details=details,
                taken_by="desk-1",
                guest_id=guest_id,
            ),
            producer="frontdesk",
            property_id=PROPERTY,
        )

    mine = "feather pillows out please, my asthma after the operation"
    await hk.service.on_guest_request(raised("r-1", "amenities", mine, "guest-erased"))
    await hk.service.on_guest_request(
        raised("r-2", "maintenance", f"tap drips; {mine}", "guest-erased")
    )
    await hk.service.on_guest_request(raised("r-3", "amenities", "two towels", "guest-kept"))
    await hk.maintenance.request(
        request_id="m-staff",
        room_number="402",
        category="other",
        priority="normal",
        description="loose handle",
        reported_by="amy",
        source="staff",
        origin={"producer": "housekeeping", "property_id": PROPERTY},
    )
    erasure = GuestAnonymized.new(
        GuestAnonymizedPayload(guest_id="guest-erased", requested_at=datetime.now(UTC)),
        producer="loyalty",
        property_id=PROPERTY,
    )
    await hk.service.on_guest_anonymized(erasure)
    await hk.service.on_guest_anonymized(erasure)  # redelivered: no harm

    database = hk.repository.rooms.database
    tasks = {
        t["request_id"]: t async for t in database["tasks"].find({"request_id": {"$ne": None}})
    }
    requests = {m["_id"]: m async for m in database["maintenance"].find({}, {"outbox": 0})}
    assert tasks["r-1"]["details"] == "[erased]" and tasks["r-1"]["guest_id"] is None
    assert tasks["r-3"]["details"] == "two towels" and tasks["r-3"]["guest_id"] == "guest-kept"
    assert requests["r-2"]["description"] == "[erased]" and requests["r-2"]["guest_id"] is None
    assert requests["m-staff"]["description"] == "loose handle"
    stored = repr(tasks) + repr(requests)
    assert "asthma" not in stored
    print("\nerasure in housekeeping: 1 task and 1 maintenance request erased, 2 others kept")


async def test_a_changed_period_end_tells_reservation_its_nights_as_they_are_now(
    hk: Housekeeping, clock: FakeClock
) -> None:
    """maintenance.out_of_order_changed: ended early or extended, reservation learns the
    period's nights (before, the change published nothing and the nights stayed held)."""
    start = datetime(2027, 3, 1, 10, 0, tzinfo=UTC)
    pipe = await schedule(hk, "601", start, start + timedelta(days=3), "out_of_order", "pipe")
    scheduled = await hk.published("maintenance.out_of_order_scheduled")
    # 10:00 UTC is 18:00 at the hotel: the night of the last day has begun by then
    assert [e["payload"]["nights"] for e in scheduled] == [
        ["2027-03-01", "2027-03-02", "2027-03-03", "2027-03-04"]
    ]
    clock.now = start + timedelta(hours=2)
    await hk.periods.work_once()
    await hk.maintenance.change_period_end(pipe["_id"], start + timedelta(days=1))  # fixed sooner
    await hk.maintenance.change_period_end(pipe["_id"], start + timedelta(days=5))  # or not
    changed = await hk.published("maintenance.out_of_order_changed")
    assert [(e["payload"]["period_id"], e["payload"]["nights"]) for e in changed] == [
        (pipe["_id"], ["2027-03-01", "2027-03-02"]),
        (pipe["_id"], [f"2027-03-0{day}" for day in range(1, 7)]),
    ]
