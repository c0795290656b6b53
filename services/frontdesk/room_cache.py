"""The rooms of each type as allocation reads them, kept in the front desk's process.

A check-in chooses among every room of the booked type (120 on a 600-room hotel), and
reading them was most of its CPU (benchmarks/checkin_cpu.py, issue 14). A room's number,
type, floor, bed and features never change once set up; its status changes with
housekeeping's events, which this process applies itself (room_projection.py).

So the store counts every write to the rooms (a counter document, `$inc` after the
write), and each type's cached rooms remember the count they reflect:
- a check-in reads the count (one keyed read): the same count, the cached rooms are the
  stored ones; another, they are read again (a write of another process, or a crash
  between a write and its count);
- this process's own write, counted as the next number after what the cache reflects,
  is applied to the cache (newest status wins, as in the store) and the cache moves on;
  a count further on means another writer came between: those types are dropped.
A write not yet counted is one that has not finished: a check-in then sees the room as
it was a moment before, as it would had the event reached the queue a moment later.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from prometheus_client import Counter

from .allocation import Room
from .records import room_of

# Ops' view of the cache: with one front desk process nearly every check-in is `cached`;
# another process writing rooms shows up as `store`.
ROOM_READS = Counter(
    "frontdesk_room_type_reads_total",
    "A type's rooms for allocation: from the process's cache, or read from the store",
    ["source"],
)
_FROM_CACHE, _FROM_STORE = ROOM_READS.labels("cached"), ROOM_READS.labels("store")


@dataclass
class _TypeRooms:
    changes: int  # the rooms' write count they reflect
    rooms: list[Room]
    status_at: dict[str, str]  # number -> the time of the status held


class RoomsOfType:
    def __init__(self) -> None:
        self._types: dict[str, _TypeRooms] = {}
        self._type_of: dict[str, str] = {}  # number -> type, of the rooms seen

    def rooms(self, room_type: str, changes: int) -> list[Room] | None:
        """The type's rooms if they reflect `changes` writes, else None (read them)."""
        cached = self._types.get(room_type)
        if cached is None or cached.changes != changes:
            _FROM_STORE.inc()
            return None
        _FROM_CACHE.inc()
        return list(cached.rooms)

    def fill(self, room_type: str, changes: int, documents: list[dict[str, Any]]) -> list[Room]:
        """The type's rooms as read after the count `changes` was read."""
        rooms = [room_of(document) for document in documents]
        self._types[room_type] = _TypeRooms(
            changes, rooms, {d["number"]: d.get("status_at", "") for d in documents}
        )
        self._type_of.update((room.number, room_type) for room in rooms)
        return list(rooms)

    def written(self, changes: int, number: str, status: str | None, at: str = "") -> None:
        """This process's write to room `number`, counted as `changes`; `status` None
        when the write changed nothing (an older or repeated event). What the count
        shows another writer did, or a status the cache is behind on, drops the type."""
        room_type = self._type_of.get(number)
        for kind, cached in list(self._types.items()):
            if cached.changes != changes - 1:
                del self._types[kind]  # another writer came between
                continue
            if kind == room_type and cached.status_at[number] < at:
                if status is None:
                    # The store holds a status at least this new that the cache never
                    # saw: a write of ours whose count failed, now repeated.
                    del self._types[kind]
                    continue
                cached.status_at[number] = at
                cached.rooms = [
                    replace(room, status=status) if room.number == number else room
                    for room in cached.rooms
                ]
            cached.changes = changes
