"""Replaying an embedded database's records into the store at start-up: a snapshot's
documents and indexes, the journals' puts, deletions and updates by `_id`, and a journal of
whole calls from before snapshots. Loading is not news: what it changes is not journaled
again."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import bson
from bson.codec_options import CodecOptions
from pymongo import ReturnDocument
from pymongo.errors import OperationFailure

from shared.embedded_files import CODEC, records_in
from shared.embedded_keys import ChangeLog, KeyedDatabaseStore
from shared.logging import get_logger

log = get_logger(__name__)

# Documents go back into mongomock's store as mongomock keeps them: datetimes naive, in UTC
# (its public calls turn aware ones into that; a document put back aware would no longer
# compare with a query's datetime: "can't compare offset-naive and offset-aware").
STORED: CodecOptions[dict[str, Any]] = CodecOptions(tz_aware=False)
_PROGRESS_EVERY_SECONDS = 1.0


class JournalReplay:
    def __init__(
        self,
        store: KeyedDatabaseStore,
        changes: ChangeLog,
        sync_collection: Callable[[str], Any],
    ) -> None:
        self.store = store
        self.changes = changes
        self._collection = sync_collection

    def apply_all(self, records: list[bytes], progress: Progress) -> None:
        for start in range(0, len(records), 2000):
            for record in bson.decode_all(b"".join(records[start : start + 2000]), STORED):
                self.apply(record)
                progress.step(record)

    def apply(self, record: dict[str, Any]) -> None:
        operation = record.get("o")
        if operation is None:  # the header of a snapshot
            return
        name = record["c"]
        if operation == "p":
            self.store[name].put(record["d"])
        elif operation == "x":
            collection_store = self.store[name]
            key = _hashable(record["i"])
            if key in collection_store._documents:
                del collection_store[key]
        elif operation == "u":
            self._collection(name).update_one({"_id": record["i"]}, record["u"])
        elif operation == "i":
            self._collection(name).create_index(
                [tuple(pair) for pair in record["k"]], **record["x"]
            )
        elif operation == "di":
            # a drop that found nothing to drop was journaled too: nothing to do again
            with contextlib.suppress(OperationFailure):
                self._collection(name).drop_index(record["n"])
        elif operation == "drop":
            self._collection(name).drop()
        self.changes.drain()  # loading is not news for the journal

    def apply_legacy(self, path: Path, progress: Progress) -> None:
        """A journal from before snapshots: each record is a whole call, replayed as such."""
        records, _ = records_in(path.read_bytes())
        for record in bson.decode_all(b"".join(records), CODEC):
            args = record["a"]
            if record["m"] == "create_index" and isinstance(args[0], list):
                args[0] = [tuple(pair) for pair in args[0]]
            kwargs = record["k"]
            if "return_document" in kwargs:
                kwargs["return_document"] = (
                    ReturnDocument.AFTER if kwargs["return_document"] else ReturnDocument.BEFORE
                )
            getattr(self._collection(record["c"]), record["m"])(*args, **kwargs)
            self.changes.drain()
            progress.step(record)


def _hashable(value: Any) -> Any:
    from mongomock import helpers

    return helpers.hashdict(value) if isinstance(value, dict) else value


class Progress:
    """Logs "loading N documents" progress about once a second while a start replays."""

    def __init__(self, name: str, expected: int) -> None:
        self.name = name
        self.done = 0
        self.expected = expected
        self._next_log = time.monotonic() + _PROGRESS_EVERY_SECONDS

    def step(self, record: dict[str, Any]) -> None:
        if "o" not in record:
            return  # a snapshot's header
        self.done += 1
        if time.monotonic() >= self._next_log:
            self._next_log = time.monotonic() + _PROGRESS_EVERY_SECONDS
            log.info(f"loading {self.expected} documents", database=self.name, applied=self.done)
