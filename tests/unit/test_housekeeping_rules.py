"""Housekeeping rules without I/O: room status, stay-over service, priorities, workload."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from services.housekeeping import domain
from services.housekeeping.domain import (
    BadTransition,
    IncompleteChecklist,
    RoomStatus,
    Task,
    TaskKind,
    TaskStatus,
)
from services.housekeeping.maintenance import category_from_text
from services.housekeeping.planning import Habits, balance, habits_from, priority_for, stayover_for
from services.housekeeping.repository import task_changes

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("rule", "before", "after"),
    [
        (domain.status_after_cleaning, "vacant_dirty", "vacant_clean"),
        (domain.status_after_cleaning, "occupied_dirty", "occupied_clean"),
        (domain.status_after_cleaning, "out_of_order", "out_of_order"),
        (domain.status_after_night, "occupied_inspected", "occupied_dirty"),
        (domain.status_after_night, "vacant_clean", "vacant_clean"),
        (domain.status_after_check_out, "out_of_service", "out_of_service"),
        (domain.status_after_check_in, "vacant_clean", "occupied_clean"),
    ],
)
def test_room_status_rules(rule, before: str, after: str) -> None:
    assert rule(RoomStatus(before)) == RoomStatus(after)


def test_inspection_passes_to_inspected_and_fails_to_dirty() -> None:
    assert domain.status_after_inspection(RoomStatus.VACANT_CLEAN, True) == "vacant_inspected"
    assert domain.status_after_inspection(RoomStatus.OCCUPIED_CLEAN, False) == "occupied_dirty"


def test_a_period_ends_with_the_cleanliness_it_had_and_the_guest_it_has() -> None:
    back = domain.status_after_period_ends
    assert (
        back(RoomStatus.OUT_OF_ORDER, RoomStatus.VACANT_INSPECTED, occupied=False)
        == "vacant_inspected"
    )
    assert back(RoomStatus.OUT_OF_ORDER, RoomStatus.VACANT_CLEAN, occupied=True) == "occupied_clean"
    assert back(RoomStatus.VACANT_DIRTY, RoomStatus.VACANT_CLEAN, occupied=False) == "vacant_dirty"


def test_habits_are_read_from_the_profile_preferences() -> None:
    assert habits_from({"housekeeping": ["no_service", "time:14:30", "linen_every:3"]}) == Habits(
        no_service=True, preferred_time="14:30", linen_every_nights=3
    )
    assert habits_from({"housekeeping": ["time:25:00", "linen_every:0", "whatever"]}) == Habits()


def test_linen_every_third_night_falls_on_nights_3_6_9() -> None:
    arrival = date(2027, 3, 1)
    services = [
        stayover_for(
            arrival + timedelta(days=n),
            arrival,
            arrival + timedelta(days=10),
            do_not_disturb=False,
            habits=Habits(linen_every_nights=3),
            default_linen_every=1,
        )
        for n in range(0, 11)
    ]
    assert services[0] is None and services[10] is None  # arrival day; departure day
    assert [s.night for s in services if s and s.change_linen] == [3, 6, 9]


def test_do_not_disturb_and_no_service_mean_no_stayover() -> None:
    arrival, day, departure = date(2027, 3, 1), date(2027, 3, 2), date(2027, 3, 4)
    assert (
        stayover_for(
            day, arrival, departure, do_not_disturb=True, habits=Habits(), default_linen_every=1
        )
        is None
    )
    assert (
        stayover_for(
            day,
            arrival,
            departure,
            do_not_disturb=False,
            habits=Habits(no_service=True),
            default_linen_every=1,
        )
        is None
    )


def test_arrivals_and_vips_go_first() -> None:
    plain = priority_for(TaskKind.DEPARTURE_CLEANING)
    assert priority_for(TaskKind.DEPARTURE_CLEANING, arrival_due=True) < plain
    assert priority_for(TaskKind.DEPARTURE_CLEANING, arrival_due=True, vip=True) == 1
    assert priority_for(TaskKind.TURNDOWN, urgent=True) == 1


def a_task(task_id: str, kind: str, room_number: str, **fields: Any) -> Task:
    return Task.model_validate(
        {"_id": task_id, "property_id": "p", "kind": kind, "room_number": room_number}
        | {"status": "open", **fields}
    )


def test_work_is_balanced_by_minutes_most_pressing_first() -> None:
    tasks = [a_task(f"t{n}", "stayover_service", f"40{n}", priority=4) for n in range(6)]
    tasks.append(a_task("dep", "departure_cleaning", "501", priority=1))
    assigned = balance(tasks, ["amy", "ben"])
    assert assigned["dep"] == "amy"
    minutes = {"amy": 45, "ben": 0}
    for task in tasks[:-1]:
        minutes[assigned[task.id]] += 25
    assert abs(minutes["amy"] - minutes["ben"]) <= 25
    assert balance(tasks, []) == {}


def test_a_task_cannot_be_finished_twice_or_inspected_before_cleaning() -> None:
    task = a_task("t", "departure_cleaning", "401", checklist=["a", "b"])
    with pytest.raises(BadTransition, match="start it"):
        domain.finish(task, ["a", "b"], NOW)
    with pytest.raises(BadTransition, match="nobody has finished cleaning"):
        domain.inspect(task, True, NOW)
    started = domain.start(task, "amy", NOW)
    assert (started.status, started.attendant, started.started_at) == ("in_progress", "amy", NOW)
    with pytest.raises(IncompleteChecklist) as missing:
        domain.finish(started, ["a"], NOW + timedelta(minutes=5))
    assert missing.value.missing == ["b"]
    done = domain.finish(started, ["a", "b"], NOW + timedelta(minutes=5))
    assert done.status == "done" and done.work_seconds == 300 and done.working_since is None
    with pytest.raises(BadTransition, match="already finished"):
        domain.finish(started.model_copy(update={"status": TaskStatus.DONE}), ["a", "b"], NOW)
    failed = domain.inspect(done, False, NOW + timedelta(minutes=9))
    assert (failed.status, failed.finished_at, failed.reopened) == ("open", None, True)


def test_a_move_is_a_task_and_the_repository_writes_only_what_it_changed() -> None:
    """The rules answer the moved Task (no Mongo fragments); task_changes is the update."""
    task = a_task("t", "departure_cleaning", "401", checklist=["a"])
    started = domain.start(task, "amy", NOW)
    assert task_changes(task, started) == {
        "status": "in_progress",
        "working_since": NOW,
        "attendant": "amy",
        "started_at": NOW,
    }
    paused = domain.pause(started, NOW + timedelta(minutes=3))
    assert task_changes(started, paused) == {
        "status": "paused",
        "working_since": None,
        "work_seconds": 180,
    }
    # started again: the first start is kept, not written again
    later = NOW + timedelta(minutes=10)
    resumed = domain.start(paused, "ben", later)
    assert task_changes(paused, resumed) == {
        "status": "in_progress",
        "working_since": later,
        "attendant": "ben",
    }
    done = domain.finish(resumed, ["a"], later + timedelta(minutes=2))
    assert task_changes(resumed, done) == {
        "status": "done",
        "working_since": None,
        "finished_at": later + timedelta(minutes=2),
        "work_seconds": 300,
        "completed_items": ["a"],
    }
    failed = domain.inspect(done, False, later + timedelta(minutes=5))
    assert task_changes(done, failed) == {
        "status": "open",
        "inspected_at": later + timedelta(minutes=5),
        "finished_at": None,
        "reopened": True,
    }
    assert task.status == "open" and task.started_at is None  # the task read is untouched


@pytest.mark.parametrize(
    ("words", "category"),
    [
        ("The air conditioning is noisy", "air_conditioning"),
        ("no wifi", "network"),
        ("TV remote broken", "tv"),
        ("toilet blocked", "bathroom"),
        ("smoke alarm beeps", "safety"),
        ("it smells odd", "other"),
    ],
)
def test_a_guests_words_find_the_maintenance_category(words: str, category: str) -> None:
    assert category_from_text(words) == category


def test_stock_levels_are_bounded_to_what_the_store_can_hold() -> None:
    from pydantic import ValidationError

    from services.housekeeping.schemas import MAX_STOCK, StockUpdate

    assert StockUpdate(on_hand=MAX_STOCK).on_hand == MAX_STOCK
    with pytest.raises(ValidationError):
        StockUpdate(reorder_point=2**64)


def test_an_inspection_without_notes_is_shown() -> None:
    """TaskPublic.of drops None values, nested ones too: an inspection passed without
    notes must still be a valid Inspection (it answered 500 on every such inspection)."""
    from datetime import UTC, datetime

    from services.housekeeping.domain import Inspection, Task, TaskPublic

    at = datetime(2027, 3, 10, 11, tzinfo=UTC)
    inspection = Inspection(
        inspector="supervisor-1", passed=True, failed_items=[], at=at, seconds_after_finish=0
    )
    task = Task.model_validate(
        {
            "_id": "departure|s-1",
            "property_id": "demo-hotel",
            "kind": "departure_cleaning",
            "status": "inspected",
            "room_number": "501",
            "inspections": [inspection.model_dump()],
        }
    )
    shown = TaskPublic.of(task)
    assert [(i.inspector, i.notes) for i in shown.inspections] == [("supervisor-1", None)]
