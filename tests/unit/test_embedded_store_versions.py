"""mongomock's version checks parsed once (shared/embedded_versions.py): `$set` changes
documents as mongomock's own does, refuses what it refuses, and no longer parses a
version string for every field it sets."""

from typing import Any

import pytest
from packaging import version

from shared import embedded_versions
from shared.mongo import connect_database
from shared.settings import ServiceSettings

UPDATES: list[dict[str, Any]] = [
    {"$set": {"status": "clean", "count": 3}},
    {"$set": {"guest.name": "A", "guest.tags": ["x", {"y": 1}]}},
    {"$set": {"items.1": "second", "items.4": "fifth"}},  # an array grows with nulls
    {"$set": {"outbox": []}, "$push": {"log": {"at": 1}}},
    {"$setOnInsert": {"made": True}, "$set": {"status": "new"}},
]


async def _apply(update: dict[str, Any], upsert_id: str) -> list[dict[str, Any]]:
    database = connect_database(ServiceSettings(service_name="set-test", http_port=1))
    rooms = database["rooms"]
    await rooms.insert_many(
        [{"_id": f"r{n}", "items": ["first"], "guest": {"name": "Z"}} for n in range(3)]
    )
    await rooms.update_many({}, update)
    await rooms.update_one({"_id": upsert_id}, update, upsert=True)
    return await rooms.find({}).to_list(None)


@pytest.mark.parametrize("update", UPDATES)
async def test_set_changes_documents_as_mongomocks_own(update) -> None:
    ours = await _apply(update, "up")
    embedded_versions.uninstall()
    try:
        theirs = await _apply(update, "up")
    finally:
        embedded_versions.install()
    assert ours == theirs


async def test_set_refuses_what_mongomock_refuses() -> None:
    rooms = connect_database(ServiceSettings(service_name="set-test", http_port=1))["rooms"]
    await rooms.insert_one({"_id": "r", "items": []})
    for bad in ({"$set": {"items.-1": "x"}}, {"$set": {"$x": 1}}, {"$set": {"b\0": 1}}):
        with pytest.raises(Exception) as ours:
            await rooms.update_one({"_id": "r"}, bad)
        embedded_versions.uninstall()
        try:
            with pytest.raises(Exception) as theirs:
                await rooms.update_one({"_id": "r"}, bad)
        finally:
            embedded_versions.install()
        assert type(ours.value) is type(theirs.value)
        assert str(ours.value) == str(theirs.value)
    assert await rooms.find_one({"_id": "r"}) == {"_id": "r", "items": []}


async def test_a_set_parses_no_version(monkeypatch) -> None:
    parsed = [0]
    parse = version.parse

    def counting(text: str) -> version.Version:
        parsed[0] += 1
        return parse(text)

    monkeypatch.setattr(version, "parse", counting)
    rooms = connect_database(ServiceSettings(service_name="set-test", http_port=1))["rooms"]
    await rooms.insert_many([{"_id": f"r{n}"} for n in range(50)])
    parsed[0] = 0
    await rooms.update_many({}, {"$set": {"a": 1, "b": 2}})
    assert parsed[0] == 0
    embedded_versions.uninstall()
    try:
        await rooms.update_many({}, {"$set": {"a": 1, "b": 2}})
    finally:
        embedded_versions.install()
    assert parsed[0] == 100  # mongomock's own: one per field per document
