"""The rooms held on each night, as allocation asks, kept in the front desk's process.

A check-in asks which rooms of the booked type are held on the nights of the stay, and
reading those room nights was a third of its CPU on a filling hotel (the type's room
nights of every night, benchmarks/checkin_cpu.py, issue 14). Every claim and release of
a room night goes through room_night_store.py, so the store counts them as it counts
the writes to the rooms (room_cache.py): a counter document, `$inc` after each write,
and the cached nights remember the count they reflect.
- a check-in reads the count (one keyed read): the same count, the cached nights are the
  stored ones; another, they are read again (another process wrote room nights);
- this process's own write, counted as the next number after the cache's, is applied to
  the cache exactly as the store applied it (a claim sets the room's stay on each night,
  a release drops what its filter deleted); a count further on drops every night.

The cache is a hint, the room night's unique key the truth: a room shown free that is
held fails its claim and the rules choose again; a room shown held that is free (a
release whose count a crash lost, while another process kept its cache) is at worst
passed over, and never makes a guest refused: allocation asks the store itself before
it answers that no room is free (room_assignment.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from prometheus_client import Counter

# Ops' view of the cache: with one front desk process nearly every allocation is
# `cached`; another process claiming or releasing rooms shows up as `store`.
NIGHT_READS = Counter(
    "frontdesk_held_night_reads_total",
    "The rooms held on a night, for allocation: from the process's cache or the store",
    ["source"],
)
_FROM_CACHE, _FROM_STORE = NIGHT_READS.labels("cached"), NIGHT_READS.labels("store")

Held = dict[str, str]  # room number -> the stay holding it that night


class HeldNights:
    def __init__(self) -> None:
        self._changes: int | None = None  # the room nights' write count the nights reflect
        self._nights: dict[str, Held] = {}  # night (ISO date) -> its held rooms

    def cached(self, nights: Iterable[str], changes: int) -> dict[str, Held]:
        """The nights held in the cache, if it reflects `changes` writes; a cache behind
        (or ahead) of the count is dropped and starts again at it."""
        if changes != self._changes:
            self._nights.clear()
            self._changes = changes
        asked = list(nights)
        found = {night: self._nights[night] for night in asked if night in self._nights}
        _FROM_CACHE.inc(len(found))
        _FROM_STORE.inc(len(asked) - len(found))
        return found

    def fill(
        self, changes: int, nights: Iterable[str], held: Iterable[dict[str, str]]
    ) -> dict[str, Held]:
        """Each of `nights` with its held rooms, from the room nights read after the count
        `changes` was read; kept only if no write of this process was counted meanwhile
        (its count moved the cache on, and the read may or may not hold that write)."""
        read: dict[str, Held] = {night: {} for night in nights}
        for room_night in held:
            read[room_night["night"]][room_night["room_number"]] = room_night["stay_id"]
        if changes == self._changes:
            self._nights.update(read)
        return read

    def claimed(self, changes: int, room_number: str, nights: Iterable[str], stay_id: str) -> None:
        """This process claimed the room on these nights for the stay, counted `changes`."""

        def apply() -> None:
            for night in nights:
                if night in self._nights:
                    self._nights[night][room_number] = stay_id

        self._written(changes, apply)

    def released(
        self,
        changes: int,
        stay_id: str,
        room_number: str | None,
        released_night: Callable[[str], bool],
    ) -> None:
        """This process deleted the stay's room nights (of `room_number`, else of every
        room) on the nights `released_night` accepts: what the delete's filter matched."""

        def apply() -> None:
            for night, held in self._nights.items():
                if not released_night(night):
                    continue
                for room, holder in list(held.items()):
                    if holder == stay_id and room_number in (None, room):
                        del held[room]

        self._written(changes, apply)

    def forget(self) -> None:
        """Every night is read again: another writer came between, or a release of this
        process may not be counted (the store failed between its delete and its count)."""
        self._nights.clear()
        self._changes = None

    def _written(self, changes: int, apply: Callable[[], None]) -> None:
        if self._changes is not None and changes == self._changes + 1:
            apply()
            self._changes = changes
        else:
            self.forget()
