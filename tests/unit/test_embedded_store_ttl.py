"""An index's TTL survives the journal's compaction: a restart after a restart must not
find the same index twice with different options (it stopped a service from starting)."""

from shared.mongo import connect_database
from shared.settings import ServiceSettings


async def test_a_ttl_index_survives_two_restarts(tmp_path) -> None:
    settings = ServiceSettings(service_name="ttl-test", http_port=1,
                               embedded_store_dir=str(tmp_path))
    for _ in range(3):  # start, restart (compacts), restart again (replays the compaction)
        database = connect_database(settings)
        await database["keys"].create_index("expires_at", expireAfterSeconds=0)
        indexes = await database["keys"].index_information()
        assert indexes["expires_at_1"].get("expireAfterSeconds") == 0
