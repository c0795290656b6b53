"""The embedded store's interleaving mode (shared/mongo.py): with it on, two tasks that
read, check and write a document race between their calls as they would on a networked
MongoDB, so an unguarded read-check-write loses an update; with it off, mongomock runs
each task's calls through without yielding and the same code looks correct. And make
run hands the setting to the services it starts, so a local run can interleave too.

With the mode's pauses removed (_Interleaving.pause returning at once; run 2026-12-01,
not committed) the first two failed: "assert 20 < 20" and ['reader', 'other']."""

from __future__ import annotations

import asyncio
import subprocess
from typing import Any

import pytest

import scripts.local_stack as local_stack
from shared.mongo import connect_database
from shared.settings import ServiceSettings


def store(interleave: bool) -> Any:
    return connect_database(
        ServiceSettings(
            service_name="interleave-test",
            http_port=1,
            mongodb_url=None,
            embedded_store_dir=None,
            embedded_store_interleave=interleave,
            embedded_store_seed=3,
            embedded_store_max_delay_ms=0,
        )
    )


async def unguarded_increments(database: Any, tasks: int) -> int:
    """`tasks` concurrent read-check-write increments of one counter, no guard."""
    counters = database["counters"]
    await counters.insert_one({"_id": "c", "value": 0})

    async def increment() -> None:
        document = await counters.find_one({"_id": "c"})
        await counters.update_one({"_id": "c"}, {"$set": {"value": document["value"] + 1}})

    await asyncio.gather(*(increment() for _ in range(tasks)))
    return (await counters.find_one({"_id": "c"}))["value"]


async def test_with_interleaving_an_unguarded_read_check_write_loses_updates() -> None:
    assert await unguarded_increments(store(interleave=False), 20) == 20  # luck, not a guard
    assert await unguarded_increments(store(interleave=True), 20) < 20


async def test_a_cursor_yields_before_it_answers() -> None:
    database = store(interleave=True)
    await database["rooms"].insert_many([{"_id": n} for n in range(3)])
    order: list[str] = []

    async def reader() -> None:
        await database["rooms"].find({}).to_list(None)
        order.append("reader")

    async def other() -> None:
        order.append("other")

    await asyncio.gather(reader(), other())
    assert order == ["other", "reader"]


def test_make_run_passes_the_setting_to_every_service(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[dict[str, str]] = []

    def popen(*args: Any, env: dict[str, str], **kwargs: Any) -> Any:
        started.append(env)
        return None

    monkeypatch.setenv("EMBEDDED_STORE_INTERLEAVE", "true")
    monkeypatch.setattr(subprocess, "Popen", popen)
    local_stack.ServiceProcess("reservation", 8001, env={"INSTANCE_NAME": "r"}).start()
    assert started[0]["EMBEDDED_STORE_INTERLEAVE"] == "true"
    assert ServiceSettings(service_name="x", http_port=1).embedded_store_interleave is True
