"""The index plan of the reservation service: every query its use cases make (recorded by
shared/index_plan.py while the use-case tests run) is served by one of the indexes its
repository creates. A query no index serves fails the test, by name."""

from __future__ import annotations

import inspect

import pytest

import tests.integration.reservation_harness as harness
import tests.integration.test_reservation_use_cases as use_cases
from shared.index_plan import QueryRecorder, indexes_of, unserved


async def test_every_reservation_query_is_served_by_an_index(
        monkeypatch: pytest.MonkeyPatch) -> None:
    recorders: list[QueryRecorder] = []
    connect = harness.connect_database

    def recording(settings):
        recorders.append(QueryRecorder(connect(settings)))
        return recorders[-1]

    monkeypatch.setattr(harness, "connect_database", recording)
    scenarios = [function for name, function in inspect.getmembers(use_cases)
                 if name.startswith("test_") and inspect.iscoroutinefunction(function)
                 and not inspect.signature(function).parameters]
    for scenario in scenarios:
        await scenario()

    shapes = set().union(*(recorder.seen for recorder in recorders))
    database = recorders[0].database
    collections = sorted({shape.collection for shape in shapes})
    indexes = {name: await indexes_of(database, name) for name in collections}
    missing = await unserved(database, shapes)
    print(f"\nreservation index plan: {len(scenarios)} use-case scenarios, {len(shapes)} query "
          f"shapes over {len(collections)} collections, "
          f"{sum(map(len, indexes.values()))} indexes, {len(missing)} without an index")
    for shape in sorted(shapes, key=str):
        print(f"  {'MISSING ' if shape in missing else ''}{shape}")
    assert len(scenarios) >= 5
    assert missing == [], [str(shape) for shape in missing]


def test_every_frontdesk_query_is_served_by_an_index(monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    from mongomock_motor import AsyncMongoMockClient

    import tests.integration.frontdesk_harness as desk_harness
    import tests.integration.test_frontdesk_service_layer as desk_cases

    recorders: list[QueryRecorder] = []

    class RecordingClient:
        def __init__(self, **options) -> None:
            self._client = AsyncMongoMockClient(**options)

        def get_database(self, name: str) -> QueryRecorder:
            recorders.append(QueryRecorder(self._client.get_database(name)))
            return recorders[-1]

    monkeypatch.setattr(desk_harness, "AsyncMongoMockClient", RecordingClient)
    scenarios = [function for name, function in inspect.getmembers(desk_cases)
                 if name.startswith("test_") and not inspect.iscoroutinefunction(function)
                 and not inspect.signature(function).parameters]
    for scenario in scenarios:
        scenario()

    async def check() -> tuple[int, list]:
        shapes = set().union(*(recorder.seen for recorder in recorders))
        # Each scenario had a store of its own: a shape is served if any store serves it.
        database = recorders[0].database
        indexes = {name: await indexes_of(database, name)
                   for name in {shape.collection for shape in shapes}}
        missing = set(shapes)
        for recorder in recorders:
            missing &= set(await unserved(recorder.database, shapes))
        missing = sorted(missing, key=str)
        print(f"\nfrontdesk index plan: {len(scenarios)} use-case scenarios, {len(shapes)} query "
              f"shapes over {len(indexes)} collections, {sum(map(len, indexes.values()))} "
              f"indexes, {len(missing)} without an index")
        for shape in sorted(shapes, key=str):
            print(f"  {'MISSING ' if shape in missing else ''}{shape}")
        return len(shapes), missing

    count, missing = asyncio.run(check())
    assert len(scenarios) >= 5 and count > 0
    assert missing == [], [str(shape) for shape in missing]
