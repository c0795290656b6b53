"""A find cursor on the embedded store (shared/embedded_cursor.py) answers as motor's
does: `to_list(length)` gives at most `length` documents and leaves the rest on the
cursor, and a limit without a sort stops evaluating documents once it has enough, with
the same documents mongomock's own cursor returns."""

import pytest

from shared import embedded_cursor
from shared.mongo import connect_database
from shared.settings import ServiceSettings

HELD = 500


async def _rooms():
    database = connect_database(ServiceSettings(service_name="cursor-test", http_port=1))
    rooms = database["rooms"]
    await rooms.insert_many(
        [{"_id": f"r{n:03d}", "floor": n % 5, "number": (n * 37) % HELD} for n in range(HELD)]
    )
    return rooms


async def test_to_list_gives_at_most_length_and_goes_on_from_there() -> None:
    rooms = await _rooms()
    cursor = rooms.find({"floor": 1}).sort("number", 1)
    first = await cursor.to_list(30)
    second = await cursor.to_list(30)
    rest = await cursor.to_list(None)
    everything = await rooms.find({"floor": 1}).sort("number", 1).to_list(None)
    assert len(first) == 30 and len(second) == 30
    assert first + second + rest == everything
    assert len(everything) == HELD // 5
    assert await rooms.find({}).to_list(0) == []
    assert await cursor.to_list(5) == []  # exhausted
    with pytest.raises(ValueError):
        await rooms.find({}).to_list(-1)
    with pytest.raises(TypeError):
        await rooms.find({}).to_list("3")
    embedded_cursor.uninstall()
    try:  # mongomock-motor's own: the length is ignored, every match comes back
        assert len(await rooms.find({"floor": 1}).to_list(30)) == HELD // 5
    finally:
        embedded_cursor.install()


async def test_a_limit_without_a_sort_stops_at_the_limit(examined) -> None:
    """MongoDB stops a query with a limit and no sort once it has the limit: so does the
    embedded store (the relay's scan for pending outboxes evaluated every one of them)."""
    rooms = await _rooms()
    examined[0] = 0
    limited = await rooms.find({"floor": {"$gte": 0}}).limit(40).to_list(None)
    assert examined[0] == 40
    embedded_cursor.uninstall()
    try:
        examined[0] = 0
        theirs = await rooms.find({"floor": {"$gte": 0}}).limit(40).to_list(None)
        assert examined[0] == HELD  # mongomock's own: every document, then the slice
    finally:
        embedded_cursor.install()
    assert (
        limited
        == theirs
        == [{"_id": f"r{n:03d}", "floor": n % 5, "number": (n * 37) % HELD} for n in range(40)]
    )


@pytest.mark.parametrize(
    ("query", "sort", "skip", "limit"),
    [
        ({"floor": 2}, None, 0, 7),
        ({"floor": 2}, None, 0, -7),  # a negative limit: one batch of 7
        ({"floor": 2}, None, 3, 7),  # a skip: mongomock's way
        ({"floor": 2}, [("number", -1)], 0, 7),  # a sort: mongomock's way
        ({"floor": 9}, None, 0, 7),  # nothing matches
        ({}, None, 0, HELD + 10),  # a limit beyond the matches
    ],
)
async def test_limited_finds_agree_with_mongomocks_own(query, sort, skip, limit) -> None:
    rooms = await _rooms()

    async def answer() -> tuple[list[dict], list[dict]]:
        cursor = rooms.find(query).skip(skip).limit(limit)
        if sort:
            cursor = cursor.sort(sort)
        listed = await cursor.to_list(None)
        iterated = [room async for room in rooms.find(query, sort=sort, skip=skip, limit=limit)]
        return listed, iterated

    ours = await answer()
    embedded_cursor.uninstall()
    try:
        theirs = await answer()
    finally:
        embedded_cursor.install()
    assert ours == theirs
