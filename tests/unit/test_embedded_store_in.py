"""`$in` over a long list in the embedded store (shared/embedded_in.py): the same answers
as mongomock's, for plain values, arrays, missing fields, unhashable values and regular
expressions; and the relay's pull of hundreds of confirmed events does not walk the list
of their ids for each entry."""

import re

import pytest

from shared import embedded_in
from shared.mongo import connect_database
from shared.settings import ServiceSettings

IDS = tuple(f"e{n}" for n in range(0, 400, 2))


def _database():
    return connect_database(ServiceSettings(service_name="in-test", http_port=1))


@pytest.fixture(params=["set", "mongomock"])
def way(request, monkeypatch):
    if request.param == "mongomock":
        embedded_in.uninstall()
        request.addfinalizer(embedded_in.install)
    return request.param


async def test_the_answers_are_mongomocks(way) -> None:
    things = _database()["things"]
    await things.insert_many(
        [
            {"_id": 1, "e": "e2"},
            {"_id": 2, "e": "e3"},
            {"_id": 3, "e": ["e1", "e4"]},
            {"_id": 4},
            {"_id": 5, "e": {"nested": "e2"}},
            {"_id": 6, "e": 8},
            {"_id": 7, "e": None},
        ]
    )

    async def ids(condition) -> list[int]:
        return [t["_id"] for t in await things.find({"e": condition}).to_list(None)]

    assert await ids({"$in": IDS}) == [1, 3]
    assert await ids({"$nin": IDS}) == [2, 4, 5, 6, 7]
    assert await ids({"$in": (*IDS, None)}) == [1, 3, 4, 7]  # missing counts as null
    assert await ids({"$in": (*IDS, {"nested": "e2"})}) == [1, 3, 5]  # unhashable value
    assert await ids({"$in": (*IDS, re.compile("^e3$"))}) == [1, 2, 3]
    assert await ids({"$in": (*IDS, 8.0)}) == [1, 3, 6]  # 8 == 8.0, as MongoDB has it


async def test_the_relays_pull_does_not_walk_the_ids_per_entry(monkeypatch) -> None:
    """mongomock's `$in` walks the whole list for each value it evaluates (a pass over
    the ids per outbox entry pulled); here it is used only for what the set cannot take."""
    walked = [0]
    original = embedded_in._original_in

    def walking(doc_val, search_val):
        walked[0] += 1
        return original(doc_val, search_val)

    monkeypatch.setattr(embedded_in, "_original_in", walking)
    outboxes = _database()["outboxes"]
    await outboxes.insert_many(
        [
            {"_id": n, "outbox": [{"event_id": f"e{2 * n}"}, {"event_id": "late"}]}
            for n in range(200)
        ]
    )
    await outboxes.update_many({}, {"$pull": {"outbox": {"event_id": {"$in": IDS}}}})
    left = {e["event_id"] for d in await outboxes.find().to_list(None) for e in d["outbox"]}
    assert left == {"late"}
    assert walked[0] == 0

    ids = list(IDS)
    assert await outboxes.count_documents({"outbox.event_id": {"$in": ids}}) == 0
    ids[0] = "late"  # the same list, changed in place: noticed
    assert await outboxes.count_documents({"outbox.event_id": {"$in": ids}}) == 200
    assert walked[0] == 0


def test_a_list_changed_in_place_is_noticed() -> None:
    ids = list(IDS)
    assert not embedded_in.in_op("late", ids)
    ids[0] = "late"  # the same list object, changed in place
    assert embedded_in.in_op("late", ids)
    assert not embedded_in.in_op("e0", ids)
