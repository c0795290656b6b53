"""One way to get a service's database, on a real MongoDB or on the embedded store.

With `MONGODB_URL` set, motor talks to a real MongoDB (replica set or sharded cluster
past one machine). Without it, mongomock-motor gives the same async API in memory, for
a one-command local run and fast tests. Repositories use only what both support.

The embedded store is for one process. With `EMBEDDED_STORE_DIR` it journals every
successful write (the call and its arguments, BSON-encoded) to an append-only file and
replays it on start, so a process killed with SIGKILL comes back with its data, as it
would on a real MongoDB. The journal is rewritten as a compact snapshot at each start.
Writes go to the OS before the call returns (and so before any ack): that survives a
process dying, not a machine losing power, which is what a real MongoDB is for.
Upserts must name their `_id` in the filter so that a replay recreates the same ids.

mongomock-motor runs each call to completion without handing control back to the event
loop, so two requests in one process never interleave and a missing guard never shows up
as a race. `EMBEDDED_STORE_INTERLEAVE` makes every store call yield to the event loop
before and after it, and wait up to `EMBEDDED_STORE_MAX_DELAY_MS` at random, as a network
round trip to a real MongoDB does. The tests run with it on; make run may too.
"""

from __future__ import annotations

import asyncio
import os
import random
from pathlib import Path
from typing import Any

import bson
from bson.codec_options import CodecOptions
from motor.motor_asyncio import AsyncIOMotorClient
from mongomock_motor import AsyncMongoMockClient
from pymongo import ReturnDocument

from shared.settings import ServiceSettings

CODEC = CodecOptions(tz_aware=True)

_JOURNALED_WRITES = frozenset({
    "insert_one", "insert_many", "update_one", "update_many", "replace_one",
    "delete_one", "delete_many", "find_one_and_update", "find_one_and_replace",
    "find_one_and_delete", "create_index", "drop",
})


class _Journal:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def replay(self, database: Any) -> int:
        if not self.path.exists():
            return 0
        count = 0
        data = self.path.read_bytes()
        for record in bson.decode_all(data, CODEC):
            collection = database.delegate.get_collection(record["c"])
            args = record["a"]
            if record["m"] == "create_index" and isinstance(args[0], list):
                args[0] = [tuple(pair) for pair in args[0]]  # BSON turned the pairs into lists
            getattr(collection, record["m"])(*args, **_decode_kwargs(record["k"]))
            count += 1
        return count

    def compact(self, database: Any) -> None:
        """Rewrite the journal as one insert per document plus the index specs."""
        tmp = self.path.with_suffix(".compacting")
        with open(tmp, "wb") as out:
            for name in database.delegate.list_collection_names():
                collection = database.delegate.get_collection(name)
                for index in collection.list_indexes():
                    if index["name"] == "_id_":
                        continue
                    keys = list(index["key"].items())
                    options = {k: v for k, v in index.items()
                               if k in ("unique", "sparse", "name", "expireAfterSeconds")}
                    out.write(_record(name, "create_index", [keys], options))
                for document in collection.find({}):
                    out.write(_record(name, "insert_one", [document], {}))
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, self.path)

    def append(self, collection: str, method: str, args: tuple, kwargs: dict) -> None:
        if self._fd is None:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.write(self._fd, _record(collection, method, list(args), kwargs))


def _record(collection: str, method: str, args: list, kwargs: dict) -> bytes:
    encoded = {k: (v.value if isinstance(v, ReturnDocument) else v) for k, v in kwargs.items()}
    if "return_document" in kwargs:
        encoded["return_document"] = bool(kwargs["return_document"])
    return bson.encode({"c": collection, "m": method, "a": args, "k": encoded})


def _decode_kwargs(kwargs: dict) -> dict:
    if "return_document" in kwargs:
        kwargs["return_document"] = ReturnDocument.AFTER if kwargs["return_document"] \
            else ReturnDocument.BEFORE
    return kwargs


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

    _CHAINING = frozenset({"sort", "limit", "skip", "batch_size", "hint", "max_time_ms",
                           "collation", "comment", "allow_disk_use"})

    def __init__(self, cursor: Any, interleaving: _Interleaving) -> None:
        self._cursor = cursor
        self._interleaving = interleaving

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._cursor, name)
        if name not in self._CHAINING:
            return attribute

        def chained(*args: Any, **kwargs: Any) -> "_InterleavingCursor":
            attribute(*args, **kwargs)
            return self

        return chained

    async def to_list(self, *args: Any, **kwargs: Any) -> list[Any]:
        await self._interleaving.pause()
        result = await self._cursor.to_list(*args, **kwargs)
        await self._interleaving.pause()
        return result

    def __aiter__(self) -> "_InterleavingCursor":
        return self

    async def __anext__(self) -> Any:
        await self._interleaving.pause()
        return await self._cursor.__anext__()


class _EmbeddedCollection:
    """Passes every call to the mongomock-motor collection; journals successful writes
    (with a journal) and yields to the event loop around each call (when interleaving)."""

    def __init__(self, collection: Any, journal: _Journal | None,
                 interleaving: _Interleaving | None) -> None:
        self._collection = collection
        self._journal = journal
        self._interleaving = interleaving

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._collection, name)
        interleaving = self._interleaving
        if interleaving is not None and name == "find":
            return lambda *args, **kwargs: _InterleavingCursor(attribute(*args, **kwargs),
                                                               interleaving)
        journaled = self._journal is not None and name in _JOURNALED_WRITES
        if not journaled and (interleaving is None or not asyncio.iscoroutinefunction(attribute)):
            return attribute

        async def call(*args: Any, **kwargs: Any) -> Any:
            if interleaving is not None:
                await interleaving.pause()
            result = await attribute(*args, **kwargs)
            if journaled:
                assert self._journal is not None
                self._journal.append(self._collection.name, name, args, kwargs)
            if interleaving is not None:
                await interleaving.pause()
            return result

        return call


class _EmbeddedDatabase:
    def __init__(self, database: Any, journal: _Journal | None,
                 interleaving: _Interleaving | None) -> None:
        self._database = database
        self._journal = journal
        self._interleaving = interleaving

    def __getitem__(self, name: str) -> _EmbeddedCollection:
        return _EmbeddedCollection(self._database[name], self._journal, self._interleaving)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._database, name)


def connect_database(settings: ServiceSettings) -> Any:
    """The service's database: a motor database or its embedded stand-in."""
    if settings.mongodb_url:
        client = AsyncIOMotorClient(settings.mongodb_url, tz_aware=True, uuidRepresentation="standard")
        return client.get_database(settings.database_name)

    database = AsyncMongoMockClient(tz_aware=True).get_database(settings.database_name)
    interleaving = _Interleaving(settings.embedded_store_max_delay_ms,
                                 settings.embedded_store_seed) \
        if settings.embedded_store_interleave else None
    journal = None
    if settings.embedded_store_dir:
        folder = Path(settings.embedded_store_dir)
        folder.mkdir(parents=True, exist_ok=True)
        journal = _Journal(folder / f"{settings.database_name}.journal")
        journal.replay(database)
        journal.compact(database)
    if journal is None and interleaving is None:
        return database
    return _EmbeddedDatabase(database, journal, interleaving)


async def ping(database: Any) -> bool:
    await database.command("ping")
    return True
