"""The embedded store keeps its data across a restart when it has a folder to journal to."""

from datetime import UTC, datetime

import pytest
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from shared.mongo import connect_database
from shared.settings import ServiceSettings


def settings(tmp_path) -> ServiceSettings:
    return ServiceSettings(service_name="store-test", http_port=1, embedded_store_dir=str(tmp_path))


async def test_writes_survive_a_restart_with_their_unique_indexes(tmp_path) -> None:
    database = connect_database(settings(tmp_path))
    await database["entries"].create_index("key", unique=True)
    await database["entries"].insert_one({"_id": "a", "key": 1, "at": datetime.now(UTC)})
    await database["entries"].find_one_and_update(
        {"_id": "a"},
        {"$inc": {"n": 2}, "$push": {"outbox": {"event_id": "e1"}}},
        return_document=ReturnDocument.AFTER,
    )
    await database["entries"].update_one({"_id": "a"}, {"$pull": {"outbox": {"event_id": "e1"}}})
    await database["entries"].update_one({"_id": "b"}, {"$setOnInsert": {"key": 2}}, upsert=True)
    await database["entries"].delete_one({"_id": "b"})
    with pytest.raises(DuplicateKeyError):
        await database["entries"].insert_one({"_id": "c", "key": 1})

    restarted = connect_database(settings(tmp_path))
    assert await restarted["entries"].find({}, {"at": 0}).to_list(None) == [
        {"_id": "a", "key": 1, "n": 2, "outbox": []}
    ]
    with pytest.raises(DuplicateKeyError):
        await restarted["entries"].insert_one({"_id": "d", "key": 1})
    # And once more, from the compacted journal the restart wrote.
    again = connect_database(settings(tmp_path))
    assert await again["entries"].count_documents({}) == 1


async def test_without_a_folder_the_store_lives_as_long_as_the_process(tmp_path) -> None:
    config = ServiceSettings(service_name="store-test-memory", http_port=1)
    await connect_database(config)["x"].insert_one({"_id": 1})
    assert await connect_database(config)["x"].count_documents({}) == 0
