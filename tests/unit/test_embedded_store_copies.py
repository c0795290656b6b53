"""The embedded store's copies (shared/embedded_copy.py): documents come back and go in
as independent trees, a refused update is still rolled back, and an update of a plain
document no longer goes through copy.deepcopy (its snapshot was most of an update's CPU)."""

import copy
from datetime import UTC, datetime

import pytest
from bson import Decimal128
from pymongo.errors import DuplicateKeyError

from shared import embedded_copy, embedded_snapshot
from shared.mongo import connect_database
from shared.settings import ServiceSettings

AT = datetime(2027, 6, 2, 10, 0, tzinfo=UTC)


def _database():
    return connect_database(ServiceSettings(service_name="copies-test", http_port=1))


def _stay(n: int) -> dict:
    return {
        "_id": f"s{n}",
        "code": n,
        "at": AT,
        "money": Decimal128("480.50"),
        "outbox": [{"event_id": f"e{n}", "occurred_at": AT, "body": "{}"}],
        "guest": {"names": ["A", "B"], "tier": {"level": 1}},
    }


async def test_reads_and_writes_are_independent_copies() -> None:
    stays = _database()["stays"]
    mine = _stay(1)
    await stays.insert_one(mine)
    mine["guest"]["names"].append("changed after the insert")
    read = await stays.find_one({"_id": "s1"})
    assert read["guest"]["names"] == ["A", "B"]
    read["outbox"][0]["body"] = "changed in a read"
    read["guest"]["tier"]["level"] = 9
    pushed = {"event_id": "e2", "occurred_at": AT, "body": "{}"}
    await stays.update_one({"_id": "s1"}, {"$push": {"outbox": pushed}, "$set": {"n": [1]}})
    pushed["body"] = "changed after the update"
    again = await stays.find_one({"_id": "s1"})
    assert [e["body"] for e in again["outbox"]] == ["{}", "{}"]
    assert again["guest"]["tier"] == {"level": 1}
    assert again["at"] == AT and again["money"] == Decimal128("480.50")


async def test_a_refused_update_is_rolled_back() -> None:
    stays = _database()["stays"]
    await stays.create_index("code", unique=True)
    await stays.insert_many([_stay(1), _stay(2)])
    with pytest.raises(DuplicateKeyError):
        await stays.update_one(
            {"_id": "s2"}, {"$set": {"code": 1, "guest.tier.level": 5}, "$push": {"outbox": {}}}
        )
    kept = await stays.find_one({"_id": "s2"})
    assert kept["code"] == 2 and kept["guest"]["tier"] == {"level": 1}
    assert len(kept["outbox"]) == 1


async def test_an_update_does_not_deep_copy_through_the_copy_module(monkeypatch) -> None:
    stays = _database()["stays"]
    await stays.insert_many([_stay(n) for n in range(20)])
    calls = [0]
    deepcopy = copy.deepcopy

    def counting(value, memo=None):
        calls[0] += 1
        return deepcopy(value, memo)

    monkeypatch.setattr(copy, "deepcopy", counting)
    await stays.update_many({}, {"$set": {"outbox": [], "at": AT}})
    await stays.find({}).to_list(None)
    assert calls[0] == 0
    embedded_copy.uninstall()  # mongomock's own copies: every update snapshots its document
    try:
        await stays.update_many({}, {"$set": {"outbox": [], "at": AT}})
    finally:
        embedded_copy.install()
        embedded_snapshot.install()  # it wraps the copy module installed before it
    assert calls[0] >= 20


def test_the_copy_rebuilds_dicts_and_lists_and_shares_scalars() -> None:
    document = _stay(3)
    copied = embedded_copy.deep(document)
    assert copied == document
    assert copied["guest"] is not document["guest"]
    assert copied["outbox"][0] is not document["outbox"][0]
    assert copied["at"] is document["at"]
    odd = {"tags": {1, 2}}
    assert embedded_copy.deep(odd)["tags"] is not odd["tags"]  # not a BSON type: copied


async def test_filters_reach_mongomock_as_given_with_the_same_answers() -> None:
    """mongomock-motor's copy of every filter and sort (for beanie's strings, not
    installed) is skipped: the same calls answer as they did with it."""
    from mongomock_motor import patches

    async def answers() -> list:
        stays = _database()["stays"]
        await stays.create_index("code", unique=True)
        await stays.insert_many([_stay(n) for n in range(6)])
        await stays.update_many({"code": {"$in": [1, 2]}}, {"$set": {"at": AT}})
        await stays.update_one({"guest.tier": {"level": 1}, "code": 3}, {"$inc": {"code": 10}})
        await stays.delete_one({"$or": [{"code": 4}, {"_id": "nope"}]})
        return [
            await stays.find({"code": {"$gte": 2}}, {"code": 1}).sort([("code", -1)]).to_list(None),
            await stays.find({"outbox.event_id": {"$in": ("e1", "e5")}}).to_list(None),
            await stays.count_documents({"guest.names": "A", "at": {"$lte": AT}}),
        ]

    given = await answers()
    assert patches._normalize_strings is embedded_copy.as_given
    embedded_copy.uninstall()
    try:
        copied = await answers()
    finally:
        embedded_copy.install()
        embedded_snapshot.install()  # it wraps the copy module installed before it
    assert given == copied
    assert given[0][0] == {"_id": "s3", "code": 13}
