"""An index's TTL survives the journal's compaction: a restart after a restart must not
find the same index twice with different options (it stopped a service from starting)."""

from shared.mongo import connect_database
from shared.settings import ServiceSettings


async def test_a_ttl_index_survives_two_restarts(tmp_path) -> None:
    settings = ServiceSettings(
        service_name="ttl-test", http_port=1, embedded_store_dir=str(tmp_path)
    )
    for _ in range(3):  # start, restart (compacts), restart again (replays the compaction)
        database = connect_database(settings)
        await database["keys"].create_index("expires_at", expireAfterSeconds=0)
        indexes = await database["keys"].index_information()
        assert indexes["expires_at_1"].get("expireAfterSeconds") == 0


async def test_datetimes_still_compare_after_a_restart_from_snapshot_or_journal(tmp_path) -> None:
    """Documents loaded back must hold datetimes as the store keeps them: a query comparing
    datetimes failed after every restart ("can't compare offset-naive and offset-aware"),
    which parked every later message of a restarted service."""
    from datetime import UTC, datetime, timedelta

    from shared.mongo import close_database

    for clean_stop in (True, False):  # the snapshot a clean stop writes; the journal alone
        settings = ServiceSettings(
            service_name=f"tz-{clean_stop}", http_port=1, embedded_store_dir=str(tmp_path)
        )
        database = connect_database(settings)
        await database["x"].insert_one({"_id": 1, "at": datetime.now(UTC)})
        await database["x"].update_one({"_id": 1}, {"$set": {"later": datetime.now(UTC)}})
        if clean_stop:
            close_database(database)
        restarted = connect_database(settings)
        soon = datetime.now(UTC) + timedelta(days=1)
        assert (
            await restarted["x"].count_documents({"at": {"$lt": soon}, "later": {"$lt": soon}}) == 1
        )
