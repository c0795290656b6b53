"""What a find returns from the embedded store (shared/embedded_results.py): the same
documents, in the same order, with the same fields in the same order and the same
(aware) datetimes as mongomock's own sort, projection and tz-aware copy give, and
independent of what is stored; the common projections no longer go through mongomock's
per-document projection."""

from collections import OrderedDict
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from bson import Decimal128
from mongomock import collection as mongomock_collection

from shared import embedded_results
from shared.mongo import connect_database
from shared.settings import ServiceSettings

AT = datetime(2027, 6, 2, 10, 0, 0, 123000, tzinfo=UTC)

PROJECTIONS = [
    None,
    {},
    {"number": 1, "floor": 1},
    {"number": True, "floor": 1, "_id": 0},
    {"_id": 1, "at": 1},
    {"at": 1, "_id": 1, "missing": 1},
    {"outbox": 0, "lease": 0},
    {"outbox": 0, "_id": 0},
    {"guest": 0, "_id": 1},
    {"_id": 0},
    {"_id": 1},
    {"guest.names": 1},  # dotted: mongomock's way
    {"outbox": {"$slice": 1}, "number": 1},  # an operator: mongomock's way
]
SORTS = [
    None,
    [("number", 1)],
    [("number", -1)],
    [("floor", 1), ("number", -1)],
    [("code", 1)],  # ints and a string: mixed types, mongomock's way
    [("maybe", 1)],  # missing in some documents: mongomock's way
    [("at", -1)],
    [("guest.tier", 1)],
]


def _documents() -> list[dict]:
    documents = []
    for n in range(12):
        document = {
            "_id": f"r{n:02d}" if n % 5 else {"room": n},
            "number": f"{(n * 7) % 12:03d}",
            "floor": n % 3,
            "code": n if n != 4 else "four",
            "at": AT + timedelta(minutes=n),
            "money": Decimal128(f"{n}.50"),
            "outbox": [{"event_id": f"e{n}", "occurred_at": AT}] if n % 2 else [],
            "guest": {"names": ["A", "B"], "tier": n % 4, "seen": [AT, {"at": AT}]},
            "lease": None,
        }
        if n % 3:
            document["maybe"] = n
        documents.append(document)
    return documents


async def _all_results(database) -> list:
    rooms = database["rooms"]
    results: list[tuple[Any, Any, Any]] = []
    for projection in PROJECTIONS:
        for sort in SORTS:
            cursor = rooms.find({"floor": {"$lt": 3}}, projection)
            if sort:
                cursor = cursor.sort(sort)
            try:
                found = await cursor.to_list(None)
            except Exception as error:  # the same error either way
                found = repr(error)
            results.append((projection, sort, _shape(found)))
        results.append(
            (projection, "one", _shape(await rooms.find_one({"_id": "r01"}, projection)))
        )
    return results


def _shape(value):
    """Values with their exact types and dict key order (== ignores both)."""
    if isinstance(value, dict):
        return (type(value).__name__, [(k, _shape(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [_shape(v) for v in value])
    if isinstance(value, datetime):
        return ("datetime", value.isoformat(), str(value.tzinfo))
    return (type(value).__name__, value)


async def _stored(name: str):
    database = connect_database(ServiceSettings(service_name=name, http_port=1))
    rooms = database["rooms"]
    await rooms.insert_many(_documents())
    # An update stores an OrderedDict (mongomock's way): both kinds are read back.
    await rooms.update_one({"_id": "r03"}, {"$set": {"lease": "x", "at": AT}})
    await rooms.replace_one({"_id": "r07"}, {**_documents()[7], "floor": 0})
    return database


async def test_results_are_mongomock_s_own() -> None:
    embedded_results.install()
    fast = await _all_results(await _stored("results-fast"))
    embedded_results.uninstall()
    try:
        own = await _all_results(await _stored("results-own"))
    finally:
        embedded_results.install()
    assert len(fast) == len(own) == len(PROJECTIONS) * (len(SORTS) + 1)
    for mine, theirs in zip(fast, own, strict=True):
        assert mine == theirs, (mine[0], mine[1])


async def test_results_are_copies_and_datetimes_aware() -> None:
    rooms = (await _stored("results-copies"))["rooms"]
    read = await rooms.find_one({"_id": "r01"}, {"guest": 1, "at": 1})
    assert read["at"] == AT + timedelta(minutes=1) and read["at"].utcoffset() == timedelta(0)
    assert read["guest"]["seen"][1]["at"].utcoffset() == timedelta(0)
    read["guest"]["names"].append("changed in a read")
    read["guest"]["seen"][1]["at"] = None
    again = await rooms.find_one({"_id": "r01"}, {"guest": 1})
    assert again["guest"]["names"] == ["A", "B"]
    assert again["guest"]["seen"][1]["at"] == AT


async def test_an_aware_datetime_of_another_zone_is_read_back_in_utc() -> None:
    rooms = connect_database(ServiceSettings(service_name="results-zone", http_port=1))["rooms"]
    local = datetime(2027, 6, 2, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    await rooms.insert_one({"_id": 1, "at": local, "nested": OrderedDict(at=local)})
    read = await rooms.find_one({"_id": 1})
    assert read["at"] == datetime(2027, 6, 2, 10, 0, tzinfo=UTC) and read[
        "at"
    ].utcoffset() == timedelta(0)
    assert type(read["nested"]) is dict and read["nested"]["at"].utcoffset() == timedelta(0)


async def test_a_plain_projection_and_sort_skip_mongomock_s_per_document_steps(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rooms = (await _stored("results-calls"))["rooms"]
    calls = {"project": 0, "sort": 0}
    project, sort_key = (
        mongomock_collection._project_by_spec,
        mongomock_collection.filtering.resolve_sort_key,
    )

    def counting_project(*args, **kwargs):
        calls["project"] += 1
        return project(*args, **kwargs)

    def counting_sort(*args, **kwargs):
        calls["sort"] += 1
        return sort_key(*args, **kwargs)

    monkeypatch.setattr(mongomock_collection, "_project_by_spec", counting_project)
    monkeypatch.setattr(mongomock_collection.filtering, "resolve_sort_key", counting_sort)
    found = await rooms.find({}, {"number": 1, "floor": 1}).sort("number").to_list(None)
    assert [room["number"] for room in found] == sorted(room["number"] for room in found)
    assert calls == {"project": 0, "sort": 0}
    embedded_results.uninstall()  # mongomock's own: a projection and a sort key per document
    try:  # (a collection binds its sort when it is made: a new store)
        rooms = (await _stored("results-calls-own"))["rooms"]
        await rooms.find({}, {"number": 1, "floor": 1}).sort("number").to_list(None)
    finally:
        embedded_results.install()
    assert calls == {"project": 12, "sort": 12}


async def _stored_as(name: str) -> list:
    database = connect_database(ServiceSettings(service_name=name, http_port=1))
    rooms = database["rooms"]
    local = datetime(2027, 6, 2, 12, 0, 0, 123456, tzinfo=timezone(timedelta(hours=2)))
    naive = datetime(2027, 6, 2, 9, 0, 0, 999999)
    await rooms.insert_one(
        {
            "_id": 1,
            "at": local,
            "naive": naive,
            "nested": OrderedDict(at=local, list=[naive, (local, "x")], doc={"at": naive}),
            "money": Decimal128("1.50"),
        }
    )
    await rooms.update_one({"_id": 1, "at": local}, {"$set": {"later": [local, {"at": naive}]}})
    await rooms.update_one({"naive": {"$lte": naive}}, {"$push": {"seen": local}})
    return [_shape(document) for document in database.delegate["rooms"]._store._documents.values()]


async def test_stored_documents_are_mongomock_s_own() -> None:
    fast = await _stored_as("stored-fast")
    embedded_results.uninstall()
    try:
        own = await _stored_as("stored-own")
    finally:
        embedded_results.install()
    assert fast == own
    assert "seen" in str(own)  # the filters by datetime matched both ways
