"""The embedded store's files: a snapshot plus the journal of the writes made after it.

`<db>.snapshot` holds every index and document as of the end of journal generation G
(its header says G); `<db>.journal.<n>` hold the writes of generation n, one BSON record
per changed document: the document as it now is, its deletion, or, where that is
smaller and replays to the same result, the update applied to it by `_id`. Start-up
loads the snapshot and replays only the journals after G, all by key, so it costs the
data held, not the history.

A snapshot is taken while the service runs (after `snapshot_writes` writes or
`snapshot_seconds` with writes) by a forked child: the fork is a consistent copy of the
store at a journal boundary, written to a temporary file, fsynced and renamed over the
old snapshot while the parent keeps serving (and journaling into the next generation).
Older journals are deleted only after the rename. So a SIGKILL at any moment leaves
either the old snapshot with every journal after it, or the new one with every journal
after it, and a write half-appended when the process died (the only torn record
possible) is cut off at load.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import resource
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import bson
from bson.codec_options import CodecOptions
from pymongo import ReturnDocument
from pymongo.errors import OperationFailure

from shared.embedded_keys import ChangeLog, KeyedDatabaseStore
from shared.logging import get_logger

log = get_logger(__name__)

CODEC: CodecOptions[dict[str, Any]] = CodecOptions(tz_aware=True)
# Documents go back into mongomock's store as mongomock keeps them: datetimes naive, in UTC
# (its public calls turn aware ones into that; a document put back aware would no longer
# compare with a query's datetime: "can't compare offset-naive and offset-aware").
STORED: CodecOptions[dict[str, Any]] = CodecOptions(tz_aware=False)
_UPDATES = frozenset({"update_one", "update_many", "find_one_and_update"})
_PROGRESS_EVERY_SECONDS = 1.0


class StoreFiles:
    def __init__(self, folder: Path, name: str) -> None:
        self.folder = folder
        self.name = name
        self.snapshot = folder / f"{name}.snapshot"
        self.lock = folder / f"{name}.lock"
        self.legacy_journal = folder / f"{name}.journal"  # before snapshots: whole calls

    def journal(self, generation: int) -> Path:
        return self.folder / f"{self.name}.journal.{generation}"

    def generations(self) -> list[int]:
        prefix = f"{self.name}.journal."
        found = []
        for path in self.folder.glob(f"{prefix}*"):
            suffix = path.name[len(prefix) :]
            if suffix.isdigit():
                found.append(int(suffix))
        return sorted(found)

    def snapshot_generation(self) -> int:
        if not self.snapshot.exists():
            return 0
        with open(self.snapshot, "rb") as file:
            size = int.from_bytes(file.read(4), "little")
            file.seek(0)
            return int(bson.decode(file.read(size), CODEC)["generation"])


def _records(data: bytes) -> tuple[list[bytes], int]:
    """The whole records in `data` and the length they cover (a torn tail is left out)."""
    records, offset, end = [], 0, len(data)
    while offset + 4 <= end:
        size = int.from_bytes(data[offset : offset + 4], "little")
        if size < 5 or offset + size > end:
            break
        records.append(data[offset : offset + size])
        offset += size
    return records, offset


class EmbeddedStoreFiles:
    """Loads, journals and snapshots one embedded database (one process only)."""

    def __init__(
        self,
        folder: Path,
        name: str,
        store: KeyedDatabaseStore,
        changes: ChangeLog,
        sync_collection: Callable[[str], Any],
        *,
        snapshot_writes: int,
        snapshot_seconds: float,
    ) -> None:
        self.files = StoreFiles(folder, name)
        self.store = store
        self.changes = changes
        self._collection = sync_collection
        self.snapshot_writes = snapshot_writes
        self.snapshot_seconds = snapshot_seconds
        self.generation = 0
        self._fd: int | None = None
        self.writes_since_snapshot = 0
        self._last_snapshot = time.monotonic()
        self._snapshotting: threading.Thread | None = None
        self.loaded = 0

    # ---------------------------------------------------------------- start
    def load(self) -> int:
        """Snapshot, then the journals after it; returns the records applied."""
        started = time.monotonic()
        self._remove_unfinished_snapshots()
        snapshot = self.files.snapshot.read_bytes() if self.files.snapshot.exists() else b""
        snapshot_records, _ = _records(snapshot)
        header = bson.decode(snapshot_records[0], CODEC) if snapshot_records else {}
        covered = header.get("generation", 0)
        journals = [g for g in self.files.generations() if g > covered]
        journal_records = []
        for generation in journals:
            path = self.files.journal(generation)
            data = path.read_bytes()
            records, whole = _records(data)
            if whole < len(data):  # a write torn by a crash: it never returned, drop it
                log.warning(
                    "journal ends in a torn record; cut off",
                    path=path.name,
                    bytes=len(data) - whole,
                )
                os.truncate(path, whole)
            journal_records.append(records)
        legacy = self.files.legacy_journal.exists()
        progress = _Progress(
            self.files.name,
            max(len(snapshot_records) - 1, 0) + sum(len(records) for records in journal_records),
        )
        if snapshot or journal_records or legacy:
            log.info(
                f"loading {progress.expected} documents",
                database=self.files.name,
                snapshot_bytes=len(snapshot),
                journals=len(journals),
                journal_bytes=sum(len(r) for records in journal_records for r in records),
            )
        self._apply_all(snapshot_records, progress)
        for records in journal_records:
            self._apply_all(records, progress)
            self.writes_since_snapshot += len(records)
        if legacy:
            self._apply_legacy(progress)
        self.generation = max([covered, *journals]) + 1
        self.loaded = progress.done
        if progress.done:
            log.info(
                "loaded documents",
                database=self.files.name,
                records=progress.done,
                documents=sum(len(c._documents) for c in self.store._collections.values()),
                seconds=round(time.monotonic() - started, 2),
            )
        if legacy:  # a journal of whole calls from an older version: fold it in at once
            self.snapshot(background=False)
            self.files.legacy_journal.unlink()
        return progress.done

    def _remove_unfinished_snapshots(self) -> None:
        with open(self.files.lock, "a+b") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return  # a child of a killed process is still writing one: leave it be
            for path in self.files.folder.glob(f"{self.files.snapshot.name}.*.tmp"):
                path.unlink(missing_ok=True)

    def _apply_all(self, records: list[bytes], progress: _Progress) -> None:
        for start in range(0, len(records), 2000):
            for record in bson.decode_all(b"".join(records[start : start + 2000]), STORED):
                self._apply(record)
                progress.step(record)

    def _apply(self, record: dict[str, Any]) -> None:
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

    def _apply_legacy(self, progress: _Progress) -> None:
        """A journal from before snapshots: each record is a whole call, replayed as such."""
        data = self.files.legacy_journal.read_bytes()
        records, _ = _records(data)
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

    # ---------------------------------------------------------------- writes
    def record_call(
        self, collection: str, method: str, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> None:
        """After a write call returned (or failed half-way): journal what it changed."""
        out: list[bytes] = []
        if method == "create_index":
            keys = args[0] if args else kwargs["keys"]
            keys = [(keys, 1)] if isinstance(keys, str) else [tuple(pair) for pair in keys]
            options = {
                k: v
                for k, v in kwargs.items()
                if k
                in ("unique", "sparse", "name", "partialFilterExpression", "expireAfterSeconds")
            }
            out.append(bson.encode({"c": collection, "o": "i", "k": keys, "x": options}))
        elif method == "drop_index":
            out.append(bson.encode({"c": collection, "o": "di", "n": args[0]}))
        elif method == "drop":
            out.append(bson.encode({"c": collection, "o": "drop"}))
        update = _replayable_update(method, args, kwargs)
        for name, key, existed in self.changes.drain():
            document = self.store[name]._documents.get(key)
            if document is None:
                if existed:
                    out.append(bson.encode({"c": name, "o": "x", "i": key}))
                continue
            put = bson.encode({"c": name, "o": "p", "d": document})
            if existed and update is not None and name == collection:
                keyed = bson.encode({"c": name, "o": "u", "i": document["_id"], "u": update})
                put = keyed if len(keyed) < len(put) else put
            out.append(put)
        if not out:
            return
        self._append(b"".join(out))
        self.writes_since_snapshot += 1
        if (
            self.writes_since_snapshot >= self.snapshot_writes
            or time.monotonic() - self._last_snapshot >= self.snapshot_seconds
        ):
            self.snapshot(background=True)

    def _append(self, data: bytes) -> None:
        if self._fd is None:
            self._fd = os.open(
                self.files.journal(self.generation), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600
            )
        # One write per call: to the OS before the call returns (so before any ack).
        os.write(self._fd, data)

    # ---------------------------------------------------------------- snapshots
    @property
    def snapshot_running(self) -> bool:
        return self._snapshotting is not None and self._snapshotting.is_alive()

    def snapshot(self, *, background: bool) -> None:
        """Writes a snapshot of everything journaled so far and starts a new generation."""
        if self.snapshot_running:
            return
        covered = self.generation
        self.generation += 1
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        self.writes_since_snapshot = 0
        self._last_snapshot = time.monotonic()
        if not background:
            _write_snapshot(self.files, self.store, covered)
            self._forget_journals(covered)
            return
        pid = os.fork()
        if pid == 0:  # the child: a frozen copy of the store; write it and leave
            _child_writes_snapshot(self.files, self.store, covered)
        self._snapshotting = threading.Thread(
            target=self._reap, args=(pid, covered), name=f"snapshot-{self.files.name}", daemon=True
        )
        self._snapshotting.start()

    def _reap(self, pid: int, covered: int) -> None:
        _, status = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(status) == 0:
            self._forget_journals(covered)
        else:
            log.warning(
                "snapshot failed; the journals are kept", database=self.files.name, status=status
            )

    def _forget_journals(self, covered: int) -> None:
        for generation in self.files.generations():
            if generation <= min(covered, self.files.snapshot_generation()):
                self.files.journal(generation).unlink(missing_ok=True)

    def close(self) -> None:
        """Clean stop: waits for a snapshot in progress, then writes one if needed."""
        if self._snapshotting is not None:
            self._snapshotting.join()
        if self.writes_since_snapshot:
            self.snapshot(background=False)
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def sizes(self) -> dict[str, int]:
        journals = sum(self.files.journal(g).stat().st_size for g in self.files.generations())
        snapshot = self.files.snapshot.stat().st_size if self.files.snapshot.exists() else 0
        return {"snapshot_bytes": snapshot, "journal_bytes": journals}


def _hashable(value: Any) -> Any:
    from mongomock import helpers

    return helpers.hashdict(value) if isinstance(value, dict) else value


def _replayable_update(
    method: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> dict[str, Any] | None:
    """The update document of an update call when applying it again by `_id` to the same
    document gives the same result (no positional paths, no clock, no pipeline)."""
    if method not in _UPDATES:
        return None
    update = args[1] if len(args) > 1 else kwargs.get("update")
    if not isinstance(update, dict) or not update:
        return None
    for operator, fields in update.items():
        if operator in ("$currentDate",) or not isinstance(fields, dict):
            return None
        if any("$" in field for field in fields):
            return None
    return update


def _snapshot_records(store: KeyedDatabaseStore, covered: int) -> Iterator[bytes]:
    collections = {
        name: collection for name, collection in store._collections.items() if collection.is_created
    }
    count = sum(len(c._documents) for c in collections.values())
    yield bson.encode(
        {"generation": covered, "documents": count, "collections": sorted(collections)}
    )
    for name, collection in collections.items():
        for index_name, index in collection.indexes.items():
            if index_name == "_id_":
                continue
            options = {
                k: v
                for k, v in index.items()
                if k in ("unique", "sparse", "partialFilterExpression", "expireAfterSeconds")
            }
            yield bson.encode(
                {
                    "c": name,
                    "o": "i",
                    "k": [list(p) for p in index["key"]],
                    "x": {"name": index_name, **options},
                }
            )
        for document in list(collection._documents.values()):
            yield bson.encode({"c": name, "o": "p", "d": document})


def _write_snapshot(files: StoreFiles, store: KeyedDatabaseStore, covered: int) -> None:
    temporary = files.folder / f"{files.snapshot.name}.{os.getpid()}.tmp"
    with open(files.lock, "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one writer at a time, even an orphaned child
        with open(temporary, "wb") as out:
            buffer: list[bytes] = []
            size = 0
            for record in _snapshot_records(store, covered):
                buffer.append(record)
                size += len(record)
                if size > 1 << 20:
                    out.write(b"".join(buffer))
                    buffer, size = [], 0
            out.write(b"".join(buffer))
            out.flush()
            os.fsync(out.fileno())
        if files.snapshot_generation() > covered:
            temporary.unlink()  # a newer snapshot got there first (a restarted process)
            return
        os.replace(temporary, files.snapshot)
        directory = os.open(files.folder, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


def _child_writes_snapshot(files: StoreFiles, store: KeyedDatabaseStore, covered: int) -> None:
    # Signals are the parent's business: a Ctrl-C to the process group must not end the
    # snapshot, nor reach the parent's event loop twice through the inherited wakeup fd.
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # Nor its sockets: a child outliving a killed parent must not keep the HTTP port
    # listening (the restarted service could not bind it) or the broker connection open.
    os.closerange(3, resource.getrlimit(resource.RLIMIT_NOFILE)[0])
    code = 1
    try:
        _write_snapshot(files, store, covered)
        code = 0
    finally:
        os._exit(code)


class _Progress:
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
