"""The retention job anonymises exactly what is past its period, once, on the embedded store."""

from __future__ import annotations

from datetime import UTC, datetime

from shared.mongo import connect_database
from shared.retention import MARKER, RetentionJob, RetentionRule
from shared.settings import ServiceSettings

NOW = datetime(2030, 6, 1, 12, tzinfo=UTC)
RULE = RetentionRule(
    "stays",
    date_field="departure",
    keep_days=365,
    erase={"guest_name": "[anonymised]", "id_number": None},
)


async def test_records_past_the_period_are_anonymised_once_and_the_rest_kept() -> None:
    database = connect_database(
        ServiceSettings(service_name="t", http_port=1, mongodb_database=f"retention_{id(NOW)}")
    )
    stays = database["stays"]
    departures = {
        "old-1": "2029-05-30",
        "old-2": "2029-05-31T23:00:00+00:00",
        "edge": "2029-06-01",
        "new": "2030-05-01",
    }
    for stay_id, departure in departures.items():
        await stays.insert_one(
            {
                "_id": stay_id,
                "departure": departure,
                "guest_name": "Li Wei",
                "id_number": "v1:dev-1:sealed",
                "total": "960.00",
            }
        )
    job = RetentionJob(database, [RULE], clock=lambda: NOW, batch=1)

    handled = [await job.work_once() for _ in range(4)]
    assert handled == [1, 1, 0, 0]  # one per pass (batch=1), then nothing left
    by_id = {doc["_id"]: doc for doc in await stays.find({}).to_list(10)}
    for stay_id in ("old-1", "old-2"):
        assert by_id[stay_id]["guest_name"] == "[anonymised]"
        assert by_id[stay_id]["id_number"] is None
        assert by_id[stay_id]["total"] == "960.00" and by_id[stay_id][MARKER] == NOW.isoformat()
    for stay_id in ("edge", "new"):
        assert by_id[stay_id]["guest_name"] == "Li Wei" and MARKER not in by_id[stay_id]
