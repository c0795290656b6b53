"""Snapshots and journal: a start reads the snapshot and the writes after it; a SIGKILL at
any moment, snapshots included, loses no write that returned."""

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from shared.mongo import close_database, connect_database, embedded_files
from shared.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[2]


def settings(folder: Path, **extra) -> ServiceSettings:
    return ServiceSettings(
        service_name="snap-test", http_port=1, embedded_store_dir=str(folder), **extra
    )


def wait_for(condition, timeout: float = 10, every: float = 0.02) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(every)


async def test_a_clean_stop_leaves_one_snapshot_and_a_start_reads_it(tmp_path) -> None:
    database = connect_database(settings(tmp_path))
    await database["guests"].create_index("email", unique=True)
    await database["guests"].insert_many([{"_id": i, "email": f"g{i}@x"} for i in range(50)])
    await database["guests"].update_one({"_id": 3}, {"$set": {"tier": "gold"}})
    await database["guests"].delete_one({"_id": 4})
    close_database(database)
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock")) == [
        "snap-test.snapshot"
    ]

    restarted = connect_database(settings(tmp_path))
    files = embedded_files(restarted)
    assert files is not None and files.loaded == 49 + 1  # documents + the unique index
    assert await restarted["guests"].count_documents({}) == 49
    assert (await restarted["guests"].find_one({"email": "g3@x"}))["tier"] == "gold"
    await restarted["guests"].insert_one({"_id": 4, "email": "g4@x"})
    try:
        await restarted["guests"].insert_one({"_id": 99, "email": "g5@x"})
        raise AssertionError("the unique index did not come back")
    except Exception as error:  # noqa: BLE001
        assert "Duplicate" in str(error)


async def test_snapshots_are_taken_while_running_and_the_journal_restarts(tmp_path) -> None:
    database = connect_database(settings(tmp_path, embedded_store_snapshot_writes=20))
    files = embedded_files(database)
    assert files is not None
    # Two snapshots (at 20 and 40 writes) in forked children; only the last 5 writes
    # remain in a journal. Each child is let finish before the next 20 writes: one still
    # running when the next is due defers that one to a later write (a loaded machine
    # would otherwise decide where the generations fall).
    for first in (0, 20, 40):
        for i in range(first, min(first + 20, 45)):
            await database["rooms"].insert_one({"_id": i})
        wait_for(lambda: not files.snapshot_running)
    assert files.files.snapshot_generation() == 2
    assert files.files.generations() == [3]
    assert (tmp_path / "snap-test.journal.3").stat().st_size > 0
    restarted = connect_database(settings(tmp_path))
    assert embedded_files(restarted).loaded == 40 + 5
    assert await restarted["rooms"].count_documents({}) == 45


async def test_an_update_is_journaled_as_the_update_when_that_is_smaller(tmp_path) -> None:
    database = connect_database(settings(tmp_path))
    await database["profiles"].insert_one({"_id": "p", "history": ["stay"] * 2000, "n": 0})
    journal = tmp_path / "snap-test.journal.1"
    before = journal.stat().st_size
    for _ in range(100):
        await database["profiles"].update_one({"_id": "p"}, {"$inc": {"n": 1}})
    per_update = (journal.stat().st_size - before) / 100
    assert per_update < 100, per_update  # not the 20 KB document each time
    await database["profiles"].update_one({"_id": "p"}, {"$set": {"history": []}})
    restarted = connect_database(settings(tmp_path))
    assert await restarted["profiles"].find_one({"_id": "p"}) == {
        "_id": "p",
        "history": [],
        "n": 100,
    }


def test_a_torn_last_record_is_cut_off(tmp_path) -> None:
    import asyncio

    async def write() -> None:
        database = connect_database(settings(tmp_path))
        await database["x"].insert_one({"_id": 1})

    asyncio.run(write())
    with open(tmp_path / "snap-test.journal.1", "ab") as journal:
        journal.write(b"\x40\x00\x00\x00\x03c")  # a record cut short by a crash
    restarted = connect_database(settings(tmp_path))
    assert embedded_files(restarted).loaded == 1


WRITER = """
import asyncio, sys
from shared.mongo import connect_database
from shared.settings import ServiceSettings

async def main():
    database = connect_database(ServiceSettings(
        service_name="snap-test", http_port=1, embedded_store_dir=sys.argv[1],
        embedded_store_snapshot_writes=int(sys.argv[2])))
    docs, counter = database["docs"], database["counter"]
    start = await docs.count_documents({})
    await counter.update_one({"_id": "c"}, {"$setOnInsert": {"n": start}}, upsert=True)
    i = start
    while True:
        await docs.insert_one({"_id": i, "pad": "x" * (i % 500)})
        await counter.update_one({"_id": "c"}, {"$inc": {"n": 1}})
        print("ack", i, flush=True)  # acknowledged: both writes returned
        i += 1

asyncio.run(main())
"""


async def test_sigkill_at_random_moments_loses_no_acknowledged_write(tmp_path) -> None:
    chance = random.Random(int(os.environ.get("STORE_KILL_SEED", "7")))
    acknowledged = -1
    for round_ in range(8):
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(tmp_path), str(chance.choice([25, 60, 200]))],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        assert writer.stdout is not None
        target = acknowledged + chance.randint(100, 600)
        for line in writer.stdout:
            if line.startswith("ack "):
                acknowledged = int(line.split()[1])
                if acknowledged >= target:
                    break
        time.sleep(chance.uniform(0, 0.05))
        # Odd rounds kill the whole process group the moment a snapshot is being
        # written, its forked child included; even rounds the writer alone, at random.
        if round_ % 2:
            wait_for(lambda: any(p.suffix == ".tmp" for p in tmp_path.iterdir()), 20, 0.0005)
            os.killpg(writer.pid, signal.SIGKILL)
        else:
            writer.send_signal(signal.SIGKILL)
        writer.wait()
        left = sorted(p.name for p in tmp_path.iterdir())
        for line in writer.stdout.read().splitlines():
            if line.startswith("ack "):
                acknowledged = int(line.split()[1])  # printed before the kill landed
        database = connect_database(settings(tmp_path))
        held = await database["docs"].count_documents({})
        counted = (await database["counter"].find_one({"_id": "c"}))["n"]
        print(
            f"round {round_}: acknowledged {acknowledged + 1}, held {held}, counter {counted};"
            f" files at the kill: {left}"
        )
        # Every acknowledged pair is there; at most the pair in flight is half done.
        assert acknowledged + 1 <= held <= acknowledged + 2
        assert counted in (held, held - 1)
        assert [
            d["_id"] for d in await database["docs"].find({}, {"_id": 1}).sort("_id").to_list(None)
        ] == list(range(held))
        if counted == held - 1:
            await database["counter"].update_one({"_id": "c"}, {"$inc": {"n": 1}})
        acknowledged = held - 1
        files = embedded_files(database)
        files.close()  # leaves the folder as a clean stop would, for the next round


async def test_a_journal_of_whole_calls_from_before_snapshots_is_folded_in(tmp_path) -> None:
    import bson

    legacy = tmp_path / "snap-test.journal"
    legacy.write_bytes(
        b"".join(
            bson.encode(record)
            for record in (
                {"c": "guests", "m": "create_index", "a": [[["email", 1]]], "k": {"unique": True}},
                {"c": "guests", "m": "insert_one", "a": [{"_id": 1, "email": "a@x"}], "k": {}},
                {
                    "c": "guests",
                    "m": "update_one",
                    "a": [{"_id": 1}, {"$set": {"tier": "gold"}}],
                    "k": {},
                },
            )
        )
    )
    database = connect_database(settings(tmp_path))
    assert await database["guests"].find_one({"email": "a@x"}) == {
        "_id": 1,
        "email": "a@x",
        "tier": "gold",
    }
    assert not legacy.exists() and (tmp_path / "snap-test.snapshot").exists()
