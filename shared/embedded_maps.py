"""The maps one embedded collection keeps beside its documents (shared/embedded_keys.py
reads them): per index, its key -> the ids filed under it; per compound index's first two
fields, the documents sorted by a datetime under each key of the first (built when a query
first asks for a range); per index's first field, the documents that may hold a value
(built when a query first asks for one); the ids with a pending outbox; and the natural
order. Every write files the document it changed in each of them, so a lookup by key
never misses a document.
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_left, bisect_right, insort
from datetime import date, datetime, timedelta
from typing import Any

# A datetime is ruled out of a range only when it lies beyond the bound by more than
# this: MongoDB keeps milliseconds, so rounding either value can never change the answer.
DATETIME_SLACK = timedelta(milliseconds=1)


# Types whose values hash and compare in Python as MongoDB compares them (bool is not
# among them: True == 1 in Python; `type() in` does not match subclasses).
_PLAIN_KEY_TYPES = frozenset({str, int, type(None)})


class Unkeyable(Exception):
    """A value MongoDB would compare differently from Python's hash equality."""


def canonical(value: Any) -> Any:
    if type(value) in _PLAIN_KEY_TYPES:  # most keys: ids, codes, names, counts
        return value
    if isinstance(value, bool):
        return ("bool", value)  # True == 1 in Python, not in MongoDB
    if isinstance(value, (datetime, date, list, re.Pattern)):
        raise Unkeyable  # datetimes: naive/aware and rounding rules; arrays: multikey
    if isinstance(value, dict):
        return ("doc", tuple((k, canonical(v)) for k, v in value.items()))
    try:
        hash(value)
    except TypeError:
        raise Unkeyable from None
    return value


def document_value(document: dict[str, Any], path: str) -> Any:
    if "." not in path:  # a top-level field, as most indexes have: no walk
        return canonical(document.get(path))  # a missing field is indexed as null
    current: Any = document
    for part in path.split("."):
        if not isinstance(current, dict):
            raise Unkeyable  # an array or a scalar on the path: leave it to the filter
        if part not in current:
            return None  # MongoDB indexes a missing field as null
        current = current[part]
    return canonical(current)


class KeyMap:
    """One index: its key -> ids, the key each id is filed under, and the ids kept aside."""

    def __init__(self, fields: tuple[str, ...]) -> None:
        self.fields = fields
        self.ids_by_key: dict[tuple[Any, ...], set[Any]] = {}
        self.key_of: dict[Any, tuple[Any, ...]] = {}
        self.aside: set[Any] = set()

    def file(self, id_key: Any, document: dict[str, Any]) -> None:
        try:
            key = tuple(document_value(document, field) for field in self.fields)
        except Unkeyable:
            self.forget(id_key)
            self.aside.add(id_key)
            return
        # Most writes leave most keys as they were (a booking confirmed changes its
        # status, not its confirmation number), and an insert is filed twice (stored,
        # then its unique keys checked): filed already under this key, nothing to do.
        if self.key_of.get(id_key) == key:
            return
        self.forget(id_key)
        self.key_of[id_key] = key
        self.ids_by_key.setdefault(key, set()).add(id_key)

    def forget(self, id_key: Any) -> None:
        self.aside.discard(id_key)
        key = self.key_of.pop(id_key, None)
        if key is not None:
            ids = self.ids_by_key[key]
            ids.discard(id_key)
            if not ids:
                del self.ids_by_key[key]


class RangeMap:
    """A compound index's first two fields, for an equality on the first and a range on
    the second (a status, and the time its work is due): per key of the first field,
    the documents whose second holds a naive datetime (as the store keeps them), sorted
    by it, and those holding anything else (kept apart, always looked at). Documents whose
    first field cannot be keyed are kept aside, always looked at."""

    def __init__(self, fields: tuple[str, str]) -> None:
        self.fields = fields
        self.sorted: dict[tuple[Any, ...], list[tuple[datetime, int, Any]]] = {}
        self.others: dict[tuple[Any, ...], set[Any]] = {}
        self.entry_of: dict[Any, tuple[tuple[Any, ...], tuple[datetime, int, Any] | None]] = {}
        self.aside: set[Any] = set()

    def file(self, id_key: Any, document: dict[str, Any], order: int) -> None:
        self.forget(id_key)
        first, second = self.fields
        try:
            prefix = (document_value(document, first),)
        except Unkeyable:
            self.aside.add(id_key)
            return
        value = raw_value(document, second)
        if type(value) is datetime and value.tzinfo is None:
            entry = (value, order, id_key)
            insort(self.sorted.setdefault(prefix, []), entry)
            self.entry_of[id_key] = (prefix, entry)
        else:
            self.others.setdefault(prefix, set()).add(id_key)
            self.entry_of[id_key] = (prefix, None)

    def forget(self, id_key: Any) -> None:
        self.aside.discard(id_key)
        filed = self.entry_of.pop(id_key, None)
        if filed is None:
            return
        prefix, entry = filed
        if entry is None:
            others = self.others[prefix]
            others.discard(id_key)
            if not others:
                del self.others[prefix]
            return
        entries = self.sorted[prefix]
        del entries[bisect_left(entries, entry)]  # (value, order) is unique
        if not entries:
            del self.sorted[prefix]

    def ids_within(
        self, prefixes: list[tuple[Any, ...]], low: datetime | None, high: datetime | None
    ) -> set[Any]:
        """Every document that may hold one of `prefixes` and a second field between
        `low` and `high` (either bound open when None), with the slack of a millisecond
        on both sides: a superset of the matches, to be evaluated."""
        low, high = widened(low, -DATETIME_SLACK), widened(high, DATETIME_SLACK)
        ids = set(self.aside)
        for prefix in prefixes:
            ids.update(self.others.get(prefix, ()))
            entries = self.sorted.get(prefix, [])
            start = 0 if low is None else bisect_left(entries, (low,))
            end = len(entries) if high is None else bisect_right(entries, (high,))
            ids.update(entry[2] for entry in entries[start:end])
        return ids


class PresenceMap:
    """The documents that may hold a value at an index's first field. A field that is
    missing, or behind a missing field, a null or a scalar on its path, or behind an
    empty array, holds nothing: neither `$exists: true` nor a range with a non-null bound
    can match it, on MongoDB as on mongomock. (The janitors' and letter writer's polls:
    "an amendment started before", "letters due", "a release pending since", true of a
    handful of documents among every booking or stay the hotel ever had.)"""

    def __init__(self, field: str) -> None:
        self.field = field
        self.ids: set[Any] = set()

    def file(self, id_key: Any, document: dict[str, Any]) -> None:
        if may_hold(document, self.field):
            self.ids.add(id_key)
        else:
            self.ids.discard(id_key)

    def forget(self, id_key: Any) -> None:
        self.ids.discard(id_key)


def may_hold(document: dict[str, Any], path: str) -> bool:
    """False only when nothing can be found at `path` (a null at its end counts as held:
    `$exists` matches it). A non-empty array on the way may hold it in an element."""
    current: Any = document
    for part in path.split("."):
        if isinstance(current, dict):
            if part not in current:
                return False
            current = current[part]
        elif isinstance(current, list):
            return bool(current)
        else:
            return False
    return True


def widened(bound: datetime | None, by: timedelta) -> datetime | None:
    """The bound moved by the slack; open (None) past the calendar's ends."""
    try:
        return None if bound is None else bound + by
    except OverflowError:
        return None


def raw_value(document: dict[str, Any], path: str) -> Any:
    """The value at `path`, as stored; None when missing or behind an array or a scalar."""
    current: Any = document
    for part in path.split("."):
        if not isinstance(current, dict):
            return None
        current = current.get(part)
    return current


class CollectionMaps:
    """Every map of one collection, filed and forgotten together on each write."""

    def __init__(self) -> None:
        self.maps: dict[tuple[str, ...], KeyMap] = {}
        # The first two fields of every compound index; a range map is built for a pair
        # when a query first asks for a range on it (most pairs never are), then kept.
        self.range_pairs: set[tuple[str, str]] = set()
        self.ranges: dict[tuple[str, str], RangeMap] = {}
        # The first field of every index; a presence map is built for one when a query
        # first asks it to hold a value, then kept.
        self.presence_fields: set[str] = set()
        self.presence: dict[str, PresenceMap] = {}
        self.pending_outbox: set[Any] = set()  # ids of documents with a non-empty outbox
        self.order: dict[Any, int] = {}  # insertion order, to keep natural order
        self._next = itertools.count()

    def file(self, id_key: Any, document: dict[str, Any], *, new: bool) -> None:
        if new:
            self.order[id_key] = next(self._next)
        for key_map in self.maps.values():
            key_map.file(id_key, document)
        if self.ranges:
            order = self.order[id_key]
            for range_map in self.ranges.values():
                range_map.file(id_key, document, order)
        for presence_map in self.presence.values():
            presence_map.file(id_key, document)
        outbox = document.get("outbox")
        if isinstance(outbox, list) and outbox:
            self.pending_outbox.add(id_key)
        else:
            self.pending_outbox.discard(id_key)

    def forget(self, id_key: Any) -> None:
        self.order.pop(id_key, None)
        for key_map in self.maps.values():
            key_map.forget(id_key)
        for range_map in self.ranges.values():
            range_map.forget(id_key)
        for presence_map in self.presence.values():
            presence_map.forget(id_key)
        self.pending_outbox.discard(id_key)

    def clear(self) -> None:
        self.maps.clear()
        self.range_pairs.clear()
        self.ranges.clear()
        self.presence_fields.clear()
        self.presence.clear()
        self.pending_outbox.clear()
        self.order.clear()

    def index_created(self, fields: tuple[str, ...], documents: dict[Any, dict[str, Any]]) -> None:
        # A compound index serves equality on its first field too, as MongoDB's prefix
        # does (e.g. a status, with a range on the date after it).
        for key_fields in (fields, fields[:1]):
            if key_fields not in self.maps:
                key_map = self.maps[key_fields] = KeyMap(key_fields)
                for id_key, document in documents.items():
                    key_map.file(id_key, document)
        if len(fields) >= 2:
            self.range_pairs.add((fields[0], fields[1]))
        self.presence_fields.add(fields[0])

    def index_dropped(self, fields: tuple[str, ...], remaining: list[tuple[str, ...]]) -> None:
        """The maps no index left (`remaining`, each index's fields) serves any more."""
        if fields not in remaining:
            self.maps.pop(fields, None)
        pair = fields[:2]
        if len(pair) == 2 and not any(other[:2] == pair for other in remaining):
            self.range_pairs.discard((pair[0], pair[1]))
            self.ranges.pop((pair[0], pair[1]), None)
        if not any(other[0] == fields[0] for other in remaining):
            self.presence_fields.discard(fields[0])
            self.presence.pop(fields[0], None)

    def presence_map(self, field: str, documents: dict[Any, dict[str, Any]]) -> PresenceMap:
        presence_map = self.presence.get(field)
        if presence_map is None:
            presence_map = self.presence[field] = PresenceMap(field)
            for id_key, document in documents.items():
                presence_map.file(id_key, document)
        return presence_map

    def range_map(self, first: str, second: str, documents: dict[Any, dict[str, Any]]) -> RangeMap:
        range_map = self.ranges.get((first, second))
        if range_map is None:
            range_map = self.ranges[first, second] = RangeMap((first, second))
            for id_key, document in documents.items():
                range_map.file(id_key, document, self.order[id_key])
        return range_map
