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

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import bson

from shared.embedded_files import (
    CODEC,
    StoreFiles,
    child_writes_snapshot,
    records_in,
    write_snapshot,
)
from shared.embedded_keys import ChangeLog, KeyedDatabaseStore
from shared.embedded_replay import JournalReplay, Progress
from shared.logging import get_logger

__all__ = ["CODEC", "EmbeddedStoreFiles"]

log = get_logger(__name__)

_UPDATES = frozenset({"update_one", "update_many", "find_one_and_update"})
_INDEX_OPTIONS = ("unique", "sparse", "name", "partialFilterExpression", "expireAfterSeconds")


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
        self.replay = JournalReplay(store, changes, sync_collection)
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
        self.files.remove_unfinished_snapshots()
        snapshot = self.files.snapshot.read_bytes() if self.files.snapshot.exists() else b""
        snapshot_records, _ = records_in(snapshot)
        header = bson.decode(snapshot_records[0], CODEC) if snapshot_records else {}
        covered = header.get("generation", 0)
        journals = [g for g in self.files.generations() if g > covered]
        journal_records = [self._journal_records(generation) for generation in journals]
        legacy = self.files.legacy_journal.exists()
        progress = Progress(
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
        self.replay.apply_all(snapshot_records, progress)
        for records in journal_records:
            self.replay.apply_all(records, progress)
            self.writes_since_snapshot += len(records)
        if legacy:
            self.replay.apply_legacy(self.files.legacy_journal, progress)
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

    def _journal_records(self, generation: int) -> list[bytes]:
        path = self.files.journal(generation)
        data = path.read_bytes()
        records, whole = records_in(data)
        if whole < len(data):  # a write torn by a crash: it never returned, drop it
            log.warning(
                "journal ends in a torn record; cut off",
                path=path.name,
                bytes=len(data) - whole,
            )
            os.truncate(path, whole)
        return records

    # ---------------------------------------------------------------- writes
    def record_call(
        self, collection: str, method: str, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> None:
        """After a write call returned (or failed half-way): journal what it changed."""
        out = _index_records(collection, method, args, kwargs)
        out += self._changed_documents(collection, _replayable_update(method, args, kwargs))
        if not out:
            return
        self._append(b"".join(out))
        self.writes_since_snapshot += 1
        if (
            self.writes_since_snapshot >= self.snapshot_writes
            or time.monotonic() - self._last_snapshot >= self.snapshot_seconds
        ):
            self.snapshot(background=True)

    def _changed_documents(self, collection: str, update: dict[str, Any] | None) -> list[bytes]:
        """Each document the call changed: as it now is, its deletion, or (smaller, and
        replayed to the same result) the update by `_id`."""
        out: list[bytes] = []
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
        return out

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
            write_snapshot(self.files, self.store, covered)
            self._forget_journals(covered)
            return
        pid = os.fork()
        if pid == 0:  # the child: a frozen copy of the store; write it and leave
            child_writes_snapshot(self.files, self.store, covered)
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


def _index_records(
    collection: str, method: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> list[bytes]:
    """An index made or dropped, or the collection dropped: journaled as the call."""
    if method == "create_index":
        keys = args[0] if args else kwargs["keys"]
        keys = [(keys, 1)] if isinstance(keys, str) else [tuple(pair) for pair in keys]
        options = {k: v for k, v in kwargs.items() if k in _INDEX_OPTIONS}
        return [bson.encode({"c": collection, "o": "i", "k": keys, "x": options})]
    if method == "drop_index":
        return [bson.encode({"c": collection, "o": "di", "n": args[0]})]
    if method == "drop":
        return [bson.encode({"c": collection, "o": "drop"})]
    return []


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
