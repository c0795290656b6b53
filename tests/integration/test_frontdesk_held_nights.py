"""Allocation reads the rooms held on each night from the front desk's own cache
(held_nights.py) and still never double-books, never misses another process's claim or
release, and never refuses a guest on the cache's word. "Another process" is another
FrontDeskService on the same store.

Guard removed (run 2026-12-02, not committed): `HeldNights.cached` answering the cached
nights whatever the count: `test_another_process_claim_...` fails (this process tried
the other's room: 2 claims for 1 check-in); `HeldNights.claimed` not applied:
`test_this_process_claims_...` fails (claims of rooms the cache showed free);
`HeldNights.released` not applied: `test_this_process_release_...` fails (the room
still shown held, the store asked); the
rollback of a partial claim not counted: `test_a_claim_given_back_...` fails (the other
process still shows the room held); allocation refusing on the cache's word without
asking the store: `test_a_release_whose_count_was_lost_...` fails (NoRoomFree); a
release whose count failed keeping the cache: `test_a_release_this_process_could_not_...`
fails (the cache's word taken)."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from services.frontdesk.domain import CheckIn
from services.frontdesk.held_nights import NIGHT_READS
from shared.property_setup import PropertySetup, load_property
from tests.integration.frontdesk_harness import (
    Desk,
    booking,
    build,
    interleaving_store,
    property_file,
)

ARRIVAL, DEPARTURE = date(2027, 3, 10), date(2027, 3, 11)  # the harness clock's day
NIGHT = ARRIVAL.isoformat()


def hotel(tmp_path: Path, rooms: int) -> PropertySetup:
    return load_property(str(property_file(tmp_path, {"king": rooms})))


async def two_desks(setup: PropertySetup) -> tuple[Desk, Desk]:
    """Two front desk processes on one store, each with its own caches."""
    database = interleaving_store()
    return await build(setup, database=database), await build(setup, database=database)


async def book(desk: Desk, *numbers: int) -> None:
    for number in numbers:
        await desk.projections.reservation_created(booking(number, "king", ARRIVAL, DEPARTURE))


def count_claims(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every room night this desk tries to claim, whether it gets it or not."""
    tried: list[str] = []
    insert = desk.service.repository.room_nights.insert_one

    async def counted(document: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        tried.append(document["room_number"])
        return await insert(document, *args, **kwargs)

    monkeypatch.setattr(desk.service.repository.room_nights, "insert_one", counted)
    return tried


def reads(source: str) -> float:
    return NIGHT_READS.labels(source)._value.get()


async def test_this_process_claims_move_the_cache_without_reading_the_nights(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    desk = await build(hotel(tmp_path, 4), database=interleaving_store())
    await book(desk, 1, 2, 3, 4)
    await desk.service.check_in(CheckIn(reservation_id="res-1"))  # the night read, cached

    def no_read(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the room nights were read again")

    monkeypatch.setattr(desk.service.repository.room_nights, "find", no_read)
    tried = count_claims(desk, monkeypatch)
    cached = reads("cached")
    stays = [await desk.service.check_in(CheckIn(reservation_id=f"res-{n}")) for n in (2, 3, 4)]

    assert len({stay["room_number"] for stay in stays}) == 3
    assert len(tried) == 3  # each check-in claimed a room the cache rightly showed free
    assert reads("cached") == cached + 3  # what ops see on /metrics


async def test_this_process_release_frees_the_room_in_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    desk = await build(hotel(tmp_path, 2), database=interleaving_store())
    await book(desk, 1, 2, 3)
    first = await desk.service.check_in(CheckIn(reservation_id="res-1"))
    await desk.service.check_in(CheckIn(reservation_id="res-2"))  # full, and cached so
    assert await desk.service.repository.release_room_nights(first["_id"], from_night=ARRIVAL)

    def no_read(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the room nights were read again")

    monkeypatch.setattr(desk.service.repository.room_nights, "find", no_read)
    third = await desk.service.check_in(CheckIn(reservation_id="res-3"))

    assert third["room_number"] == first["room_number"]


async def test_another_process_claim_makes_this_one_read_the_night_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ours, other = await two_desks(hotel(tmp_path, 4))
    await book(ours, 1, 2, 3)
    await ours.service.check_in(CheckIn(reservation_id="res-1"))  # cached
    await other.service.check_in(CheckIn(reservation_id="res-2"))  # the room the rules chose next
    tried = count_claims(ours, monkeypatch)
    from_store = reads("store")

    third = await ours.service.check_in(CheckIn(reservation_id="res-3"))

    assert reads("store") == from_store + 1
    assert tried == [third["room_number"]]  # never tried the other process's room
    held = await ours.database["room_nights"].find({"night": NIGHT}).to_list(None)
    assert len({night["room_number"] for night in held}) == 3


async def test_a_release_whose_count_was_lost_never_refuses_a_guest(tmp_path: Path) -> None:
    """Another process released a room night and died before counting it: this process's
    cache still shows the room held, the store knows it is free, and the store decides."""
    ours, other = await two_desks(hotel(tmp_path, 2))
    await book(ours, 1, 2, 3)
    first = await ours.service.check_in(CheckIn(reservation_id="res-1"))
    await ours.service.check_in(CheckIn(reservation_id="res-2"))  # full, and cached so
    await other.database["room_nights"].delete_one({"stay_id": first["_id"]})  # not counted

    third = await ours.service.check_in(CheckIn(reservation_id="res-3"))

    assert third["room_number"] == first["room_number"]


async def test_a_claim_given_back_is_dropped_from_every_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A claim of two nights whose second is held gives the first back; another process
    that read the first night in between learns it is free again."""
    ours, other = await two_desks(hotel(tmp_path, 2))
    second_night = date(2027, 3, 11)
    assert await other.service.repository.claim_room_nights("201", [second_night], "stay-b")
    insert = ours.service.repository.room_nights.insert_one
    seen: list[set[str]] = []

    async def read_by_the_other_process_after(document: dict[str, Any]) -> Any:
        inserted = await insert(document)
        seen.append(await other.service.repository.taken_rooms([ARRIVAL], among=["200", "201"]))
        return inserted

    monkeypatch.setattr(
        ours.service.repository.room_nights, "insert_one", read_by_the_other_process_after
    )
    assert not await ours.service.repository.claim_room_nights(
        "201", [ARRIVAL, second_night], "stay-a"
    )

    assert seen == [{"201"}]  # the other process saw (and cached) the first night held
    assert await other.service.repository.taken_rooms([ARRIVAL], among=["200", "201"]) == set()


async def test_two_processes_checking_in_at_once_never_share_a_room_night(
    tmp_path: Path,
) -> None:
    """Twenty guests for twenty rooms through two desks at once, on the interleaving
    store: everyone gets a room, no room night twice."""
    ours, other = await two_desks(hotel(tmp_path, 20))
    await book(ours, *range(20))
    stays = await asyncio.gather(
        *(
            (ours if n % 2 else other).service.check_in(CheckIn(reservation_id=f"res-{n}"))
            for n in range(20)
        )
    )
    held = await ours.database["room_nights"].find({"night": NIGHT}).to_list(None)
    assert Counter(stay["room_number"] for stay in stays).most_common(1)[0][1] == 1
    assert {night["room_number"]: night["stay_id"] for night in held} == {
        stay["room_number"]: stay["_id"] for stay in stays
    }


async def test_a_release_this_process_could_not_count_drops_its_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store failed between a release's delete and its count: the process cannot
    tell its cache from the store any more, so it reads the nights again."""
    desk = await build(hotel(tmp_path, 2), database=interleaving_store())
    await book(desk, 1, 2, 3)
    first = await desk.service.check_in(CheckIn(reservation_id="res-1"))
    await desk.service.check_in(CheckIn(reservation_id="res-2"))  # full, and cached so
    counters = desk.service.repository.counters

    async def store_down(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("the store went away")

    monkeypatch.setattr(counters, "find_one_and_update", store_down)
    with pytest.raises(ConnectionError):
        await desk.service.repository.release_room_nights(first["_id"])
    monkeypatch.undo()
    from_store = reads("store")

    third = await desk.service.check_in(CheckIn(reservation_id="res-3"))

    assert third["room_number"] == first["room_number"]
    assert reads("store") == from_store + 1  # the night read again, not the cache's word
