"""An update's snapshot of what it can change (shared/embedded_snapshot.py): every kind of
update leaves the same documents and counts as with mongomock's whole-document copy, a
refused update is rolled back whole, and the copy owns only the paths the update names."""

from collections import OrderedDict
from typing import Any

import pytest
from pymongo.errors import DuplicateKeyError

from shared import embedded_copy, embedded_snapshot
from shared.mongo import connect_database
from shared.settings import ServiceSettings

UPDATES: list[Any] = [
    {"$set": {"holds.r9": 1}, "$inc": {"sold": 1}},  # a new hold on a night
    {"$unset": {"holds.r1": ""}, "$inc": {"sold": -2}},
    {"$set": {"holds.r1": 2}},  # as it was: matched, not modified
    {"$set": {"guest.tier.level": 2, "guest.names.1": "C"}},  # a list on the path
    {"$push": {"outbox": {"event_id": "new"}}, "$set": {"status": "confirmed"}},
    {"$pull": {"outbox": {"event_id": "e1"}}},
    {"$addToSet": {"guest.names": "Z"}},
    {"$set": {"outbox.$.sent": True}},  # positional: the filter names outbox.event_id
    {"$rename": {"status": "state"}},
    {"$max": {"sold": 5}, "$min": {"night": "2027-01-01"}},
    {"$currentDate": {"touched": True}},
    {"$set": {"deep.a.b.c": 1}},  # made along the way
    {"status": "replaced", "holds": {}},  # a replacement
    [{"$set": {"sold": {"$add": ["$sold", 1]}}}],  # a pipeline: copied whole
]


def _night(n: int) -> dict[str, Any]:
    return {
        "_id": f"n{n}",
        "night": "2027-06-02",
        "sold": 3,
        "status": "open",
        "holds": {"r1": 2, "r2": 1},
        "guest": {"names": ["A", "B"], "tier": {"level": 1}},
        "outbox": [{"event_id": "e1"}, {"event_id": "e2"}],
    }


async def _after(update: Any, *, scoped: bool) -> tuple[list[Any], list[tuple[int, int]]]:
    if not scoped:
        embedded_snapshot.uninstall()
    try:
        nights = connect_database(ServiceSettings(service_name="snap-test", http_port=1))["n"]
        await nights.insert_many([_night(n) for n in range(3)])
        counts = []
        if isinstance(update, list) or any(k.startswith("$") for k in update):
            result = await nights.update_many({"outbox.event_id": "e1"}, update)
            counts.append((result.matched_count, result.modified_count))
        result = await (
            nights.replace_one({"_id": "n0"}, update)
            if isinstance(update, dict) and not any(k.startswith("$") for k in update)
            else nights.update_one({"_id": "n0", "outbox.event_id": "e2"}, update)
        )
        counts.append((result.matched_count, result.modified_count))
        documents = await nights.find({}, {"touched": 0}).sort("_id").to_list(None)
        return documents, counts
    finally:
        embedded_snapshot.install()


@pytest.mark.parametrize("update", UPDATES)
async def test_every_kind_of_update_ends_as_with_mongomocks_whole_copy(update) -> None:
    assert await _after(update, scoped=True) == await _after(update, scoped=False)


async def test_an_update_a_unique_index_refuses_is_rolled_back_whole() -> None:
    nights = connect_database(ServiceSettings(service_name="snap-test", http_port=1))["n"]
    await nights.create_index("guest.tier.level", unique=True)
    first, second = _night(1), _night(2)
    second["guest"]["tier"]["level"] = 2
    await nights.insert_many([first, second])
    with pytest.raises(DuplicateKeyError):
        await nights.update_one(
            {"_id": "n2"},
            {"$set": {"guest.tier.level": 1, "holds.r9": 4}, "$push": {"outbox": {"x": 1}}},
        )
    assert await nights.find_one({"_id": "n2"}) == second


def test_the_snapshot_owns_the_named_paths_and_shares_the_rest() -> None:
    night = OrderedDict(_night(1))  # mongomock stores an upserted document as one
    copy = embedded_snapshot.snapshot(night, frozenset({("holds", "r1"), ("sold",)}))
    assert copy == night and type(copy) is OrderedDict and copy is not night
    assert copy["holds"] is not night["holds"]  # the dict on the path is its own
    assert copy["guest"] is night["guest"] and copy["outbox"] is night["outbox"]
    listed = embedded_snapshot.snapshot(night, frozenset({("outbox", "$", "sent")}))
    assert listed["outbox"] is not night["outbox"]  # a list on the path: copied whole
    assert listed["outbox"][0] is not night["outbox"][0]
    assert listed["holds"] is night["holds"]


def test_what_an_update_can_write() -> None:
    paths = embedded_snapshot.written_paths
    assert paths({"$set": {"a.b": 1}, "$rename": {"c": "d"}}) == {("a", "b"), ("c",), ("d",)}
    assert paths({"status": "replaced"}) == frozenset()  # the top level only
    assert paths([{"$set": {"a": 1}}]) is None  # a pipeline: unknown
    assert paths({"$set": {"a": 1}, "$unknown": {"b": 1}}) is None


async def test_one_hold_of_a_full_night_copies_one_hold(monkeypatch) -> None:
    nights = connect_database(ServiceSettings(service_name="snap-test", http_port=1))["n"]
    night = {**_night(1), "holds": {f"r{n}": 1 for n in range(600)}, "sold": 600}
    await nights.insert_one(night)
    copied: list[Any] = []

    def counting(value: Any, memo: Any = None) -> Any:
        copied.append(len(value["holds"]) if isinstance(value, dict) else value)  # as it was then
        return embedded_copy.deep(value, memo)

    monkeypatch.setattr(embedded_copy._CopyModule, "deepcopy", staticmethod(counting))
    await nights.update_one({"_id": "n1", "holds.r5": 1}, {"$unset": {"holds.r5": ""}})
    assert copied == [1]  # the hold it changed, not the night's 600
    embedded_snapshot.uninstall()
    try:
        await nights.update_one({"_id": "n1", "holds.r6": 1}, {"$unset": {"holds.r6": ""}})
    finally:
        embedded_snapshot.install()
    assert copied == [1, 599]  # then the whole night
