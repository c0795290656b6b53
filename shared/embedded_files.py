"""The files of one embedded database (shared/embedded_journal.py): where the snapshot,
the journals of each generation and the lock are, the records a file holds (a torn tail
left out), and the writing of a snapshot (in a forked child while the service runs)."""

from __future__ import annotations

import fcntl
import os
import resource
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import bson
from bson.codec_options import CodecOptions

from shared.embedded_keys import KeyedDatabaseStore

CODEC: CodecOptions[dict[str, Any]] = CodecOptions(tz_aware=True)


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

    def remove_unfinished_snapshots(self) -> None:
        with open(self.lock, "a+b") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return  # a child of a killed process is still writing one: leave it be
            for path in self.folder.glob(f"{self.snapshot.name}.*.tmp"):
                path.unlink(missing_ok=True)


def records_in(data: bytes) -> tuple[list[bytes], int]:
    """The whole records in `data` and the length they cover (a torn tail is left out)."""
    records, offset, end = [], 0, len(data)
    while offset + 4 <= end:
        size = int.from_bytes(data[offset : offset + 4], "little")
        if size < 5 or offset + size > end:
            break
        records.append(data[offset : offset + size])
        offset += size
    return records, offset


def snapshot_records(store: KeyedDatabaseStore, covered: int) -> Iterator[bytes]:
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


def write_snapshot(files: StoreFiles, store: KeyedDatabaseStore, covered: int) -> None:
    temporary = files.folder / f"{files.snapshot.name}.{os.getpid()}.tmp"
    with open(files.lock, "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one writer at a time, even an orphaned child
        with open(temporary, "wb") as out:
            buffer: list[bytes] = []
            size = 0
            for record in snapshot_records(store, covered):
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


def child_writes_snapshot(files: StoreFiles, store: KeyedDatabaseStore, covered: int) -> None:
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
        write_snapshot(files, store, covered)
        code = 0
    finally:
        os._exit(code)
