"""One way to get a service's database, on a real MongoDB or on the embedded store.

With `MONGODB_URL` set, motor talks to a real MongoDB (replica set or sharded cluster
past one machine). Without it, mongomock-motor gives the same async API in memory, for
a one-command local run and fast tests. Repositories use only what both support.

The embedded store is for one process. Lookups by `_id` or by the fields of an index
find their documents through key maps instead of scanning (shared/embedded_keys.py).
With `EMBEDDED_STORE_DIR` it keeps a snapshot and a journal of the documents each write
changed (shared/embedded_journal.py): start-up loads the snapshot and replays only the
writes after it, snapshots are taken in the background and at a clean stop, so a
process killed with SIGKILL comes back with its data, as it would on a real MongoDB.
Writes go to the OS before the call returns (and so before any ack): that survives a
process dying, not a machine losing power, which is what a real MongoDB is for.

mongomock-motor runs each call to completion without handing control back to the event
loop, so two requests in one process never interleave and a missing guard never shows up
as a race. `EMBEDDED_STORE_INTERLEAVE` makes every store call yield to the event loop
before and after it, and wait up to `EMBEDDED_STORE_MAX_DELAY_MS` at random, as a network
round trip to a real MongoDB does. The tests run with it on; make run may too.
"""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from typing import Any

from mongomock.store import ServerStore
from mongomock_motor import AsyncMongoMockClient
from motor.motor_asyncio import AsyncIOMotorClient

from shared import (
    embedded_copy,
    embedded_cursor,
    embedded_in,
    embedded_results,
    embedded_snapshot,
    embedded_versions,
)
from shared.embedded_journal import CODEC, EmbeddedStoreFiles
from shared.embedded_keys import ChangeLog, KeyedDatabaseStore
from shared.settings import ServiceSettings

__all__ = ["CODEC", "close_database", "connect_database", "embedded_files", "ping"]

embedded_copy.install()  # documents copied as trees of dicts and lists (shared/embedded_copy.py)
embedded_in.install()  # `$in` over a long tuple by a set (shared/embedded_in.py)
embedded_results.install()  # sorts, projections, aware datetimes (shared/embedded_results.py)
embedded_cursor.install()  # to_list(length) and limits as motor's (shared/embedded_cursor.py)
embedded_versions.install()  # mongomock's version checks parsed once (shared/embedded_versions.py)
embedded_snapshot.install()  # an update copies what it can change (shared/embedded_snapshot.py)

_JOURNALED_WRITES = frozenset(
    {
        "insert_one",
        "insert_many",
        "update_one",
        "update_many",
        "replace_one",
        "delete_one",
        "delete_many",
        "find_one_and_update",
        "find_one_and_replace",
        "find_one_and_delete",
        "bulk_write",
        "create_index",
        "drop_index",
        "drop",
    }
)


class _Interleaving:
    """Hands control back to the event loop around a store call, as a network driver does."""

    def __init__(self, max_delay_ms: float, seed: int | None) -> None:
        self._max_delay = max_delay_ms / 1000
        self._random = random.Random(seed)

    async def pause(self) -> None:
        for _ in range(self._random.randint(1, 3)):
            await asyncio.sleep(0)
        if self._max_delay and self._random.random() < 0.25:
            await asyncio.sleep(self._random.uniform(0, self._max_delay))


class _InterleavingCursor:
    """A find() cursor whose evaluation yields first, like a query's round trip."""

    _CHAINING = frozenset(
        {
            "sort",
            "limit",
            "skip",
            "batch_size",
            "hint",
            "max_time_ms",
            "collation",
            "comment",
            "allow_disk_use",
        }
    )

    def __init__(self, cursor: Any, interleaving: _Interleaving) -> None:
        self._cursor = cursor
        self._interleaving = interleaving

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._cursor, name)
        if name not in self._CHAINING:
            return attribute

        def chained(*args: Any, **kwargs: Any) -> _InterleavingCursor:
            attribute(*args, **kwargs)
            return self

        return chained

    async def to_list(self, *args: Any, **kwargs: Any) -> list[Any]:
        await self._interleaving.pause()
        result: list[Any] = await self._cursor.to_list(*args, **kwargs)
        await self._interleaving.pause()
        return result

    def __aiter__(self) -> _InterleavingCursor:
        return self

    async def __anext__(self) -> Any:
        await self._interleaving.pause()
        return await self._cursor.__anext__()


class _EmbeddedCollection:
    """Passes every call to the mongomock-motor collection; journals successful writes
    (with a journal) and yields to the event loop around each call (when interleaving)."""

    def __init__(
        self,
        collection: Any,
        journal: EmbeddedStoreFiles | None,
        interleaving: _Interleaving | None,
    ) -> None:
        self._collection = collection
        self._journal = journal
        self._interleaving = interleaving

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._collection, name)
        interleaving = self._interleaving
        if interleaving is not None and name == "find":
            return lambda *args, **kwargs: _InterleavingCursor(
                attribute(*args, **kwargs), interleaving
            )
        journaled = self._journal is not None and name in _JOURNALED_WRITES
        if not journaled and (interleaving is None or not asyncio.iscoroutinefunction(attribute)):
            return attribute

        async def call(*args: Any, **kwargs: Any) -> Any:
            if interleaving is not None:
                await interleaving.pause()
            try:
                result = await attribute(*args, **kwargs)
            finally:
                if journaled:  # what the call changed, even if it failed half-way
                    assert self._journal is not None
                    self._journal.record_call(self._collection.name, name, args, kwargs)
            if interleaving is not None:
                await interleaving.pause()
            return result

        return call


class _EmbeddedDatabase:
    def __init__(
        self, database: Any, journal: EmbeddedStoreFiles | None, interleaving: _Interleaving | None
    ) -> None:
        self._database = database
        self._journal = journal
        self._interleaving = interleaving
        self._collections: dict[str, _EmbeddedCollection] = {}

    def __getitem__(self, name: str) -> _EmbeddedCollection:
        # One handle per name: mongomock-motor builds and patches a new collection on
        # every `database[name]`, and the outbox relay asks for each of its collections
        # on every pass (10% of the relay's CPU, py-spy; issue 14). A handle holds no
        # state of its own: the documents are the store's.
        collection = self._collections.get(name)
        if collection is None:
            collection = _EmbeddedCollection(
                self._database[name], self._journal, self._interleaving
            )
            self._collections[name] = collection
        return collection

    def __getattr__(self, name: str) -> Any:
        return getattr(self._database, name)


def connect_database(settings: ServiceSettings) -> Any:
    """The service's database: a motor database or its embedded stand-in."""
    if settings.mongodb_url:
        client: AsyncIOMotorClient[dict[str, Any]] = AsyncIOMotorClient(
            settings.mongodb_url, tz_aware=True, uuidRepresentation="standard"
        )
        return client.get_database(settings.database_name)

    changes = ChangeLog() if settings.embedded_store_dir else None
    server = ServerStore()
    server._databases[settings.database_name] = store = KeyedDatabaseStore(changes)
    database: Any = AsyncMongoMockClient(tz_aware=True, _store=server).get_database(
        settings.database_name
    )
    interleaving = (
        _Interleaving(settings.embedded_store_max_delay_ms, settings.embedded_store_seed)
        if settings.embedded_store_interleave
        else None
    )
    journal = None
    if settings.embedded_store_dir:
        assert changes is not None
        folder = Path(settings.embedded_store_dir)
        folder.mkdir(parents=True, exist_ok=True)
        journal = EmbeddedStoreFiles(
            folder,
            settings.database_name,
            store,
            changes,
            database.delegate.get_collection,
            snapshot_writes=settings.embedded_store_snapshot_writes,
            snapshot_seconds=settings.embedded_store_snapshot_minutes * 60,
        )
        journal.load()
    if journal is None and interleaving is None:
        return database
    return _EmbeddedDatabase(database, journal, interleaving)


def close_database(database: Any) -> None:
    """Clean stop: the embedded store writes its snapshot (a no-op on MongoDB)."""
    journal = getattr(database, "_journal", None)
    if isinstance(journal, EmbeddedStoreFiles):
        journal.close()


def embedded_files(database: Any) -> EmbeddedStoreFiles | None:
    journal = getattr(database, "_journal", None)
    return journal if isinstance(journal, EmbeddedStoreFiles) else None


async def ping(database: Any) -> bool:
    await database.command("ping")
    return True
