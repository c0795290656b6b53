"""Keyed operations for the embedded store: find a document by key, not by a scan.

mongomock evaluates every filter against every document of the collection, lookups by
`_id` and unique checks included, so each call costs time in proportion to the data
held. Here each collection's store keeps, for every index it has, a map from the
index's key (the values of its fields) to the ids of the documents holding it, updated
on every write. A filter with plain equality on `_id` or on all the fields of an index
(`$eq` and `$in` too) is evaluated only against those documents; anything else scans as
before. Unique checks use the same maps. The result is the same documents in the same
natural order; the maps only choose which documents are looked at.

Documents whose key cannot be hashed as MongoDB compares it (an array on the path, which
makes a multikey entry) are kept aside per index and always looked at, so the maps can
narrow a search but never miss a document.

Each collection also keeps the ids of its documents with a pending outbox (a non-empty
`outbox` array, shared/outbox.py): the relay's query for them (`outbox.0` exists, in
every pass, on every outbox collection) looks at those documents only, where it scanned
the whole collection, as a partial index on MongoDB would serve it.

A compound index also serves an equality on its first field with a range of datetimes
on its second (a status and the time its work is due): per key of the first field, the
documents sorted by the second, so a due-work query looks at the due documents, not at
every document waiting under the status (`_RangeMap`). Candidates are evaluated against
what the key left of the filter (for an `$or`, the branches that found them), and one
whose own string or datetime values rule it out is not evaluated at all.

The stores also note which documents each write touched (`ChangeLog`), which is what
the journal records (shared/embedded_journal.py).
"""

from __future__ import annotations

import itertools
import re
import time
from bisect import bisect_left, bisect_right, insort
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from mongomock import DuplicateKeyError, helpers
from mongomock import collection as mongomock_collection
from mongomock.filtering import filter_applies
from mongomock.store import CollectionStore, DatabaseStore

# How often a filter was served by a key and how often it scanned: for tests and
# benchmarks, and to spot a query that should have a key.
COUNTERS: Counter[str] = Counter()
# The relay's filter for documents with events to publish (shared/outbox.py: PENDING).
PENDING_OUTBOX = ("outbox.0", {"$exists": True})
# Lookups by key; False makes every call scan as plain mongomock does (tests show
# what the maps save by switching it off).
KEYED_LOOKUPS = True
# Candidates whose key alone settles the filter are not evaluated again; False evaluates
# every candidate (tests count the documents a lookup narrows to with it off).
SETTLE_BY_KEY = True
_MAX_KEY_COMBINATIONS = 1000
# Candidates a cheap look at their own values rules out are not handed to mongomock's
# filter (see `_surely_fails`); False hands every candidate over (for A/B measurements).
PRUNE_BY_VALUE = True
# An `$or`'s candidate is evaluated against the branches that found it, not the whole
# filter (see `_lookup_either`); False evaluates the whole filter (for A/B measurements).
EITHER_BY_BRANCH = True
# Equality on a compound index's first field with a range of datetimes on its second
# narrows by both (see `_RangeMap`); False narrows by the first field only (for A/B).
RANGES = True
# A field that must hold a value (`$exists: true`, or a range with a bound that is not
# null) narrows to the documents that may hold one, when an index starts with the field
# (see `_PresenceMap`); False leaves such filters to a scan (for A/B measurements).
PRESENCE = True
# How often documents past a TTL index's expiry are removed (MongoDB's TTL monitor: 60 s).
TTL_MONITOR_SECONDS = 60.0
_VALUED_OPERATORS = frozenset({"$exists", "$lt", "$lte", "$gt", "$gte"})
_RANGE_OPERATORS = frozenset({"$lt", "$lte", "$gt", "$gte"})
# A datetime is ruled out of a range only when it lies beyond the bound by more than
# this: MongoDB keeps milliseconds, so rounding either value can never change the answer.
_DATETIME_SLACK = timedelta(milliseconds=1)


# Types whose values hash and compare in Python as MongoDB compares them (bool is not
# among them: True == 1 in Python; `type() in` does not match subclasses).
_PLAIN_KEY_TYPES = frozenset({str, int, type(None)})


class _Unkeyable(Exception):
    """A value MongoDB would compare differently from Python's hash equality."""


def _canonical(value: Any) -> Any:
    if type(value) in _PLAIN_KEY_TYPES:  # most keys: ids, codes, names, counts
        return value
    if isinstance(value, bool):
        return ("bool", value)  # True == 1 in Python, not in MongoDB
    if isinstance(value, (datetime, date, list, re.Pattern)):
        raise _Unkeyable  # datetimes: naive/aware and rounding rules; arrays: multikey
    if isinstance(value, dict):
        return ("doc", tuple((k, _canonical(v)) for k, v in value.items()))
    try:
        hash(value)
    except TypeError:
        raise _Unkeyable from None
    return value


def _document_value(document: dict[str, Any], path: str) -> Any:
    if "." not in path:  # a top-level field, as most indexes have: no walk
        return _canonical(document.get(path))  # a missing field is indexed as null
    current: Any = document
    for part in path.split("."):
        if not isinstance(current, dict):
            raise _Unkeyable  # an array or a scalar on the path: leave it to the filter
        if part not in current:
            return None  # MongoDB indexes a missing field as null
        current = current[part]
    return _canonical(current)


def _id_key(value: Any) -> Any:
    return helpers.hashdict(value) if isinstance(value, dict) else value


class ChangeLog:
    """The documents touched since the last `drain`, per collection, with whether each
    existed before its first touch (an insert, an update or a delete)."""

    def __init__(self) -> None:
        self._touched: dict[tuple[str, Any], bool] = {}

    def touch(self, collection: str, id_key: Any, existed: bool) -> None:
        self._touched.setdefault((collection, id_key), existed)

    def drain(self) -> list[tuple[str, Any, bool]]:
        touched, self._touched = self._touched, {}
        return [(collection, id_key, existed) for (collection, id_key), existed in touched.items()]


class _KeyMap:
    """One index: its key -> ids, the key each id is filed under, and the ids kept aside."""

    def __init__(self, fields: tuple[str, ...]) -> None:
        self.fields = fields
        self.ids_by_key: dict[tuple[Any, ...], set[Any]] = {}
        self.key_of: dict[Any, tuple[Any, ...]] = {}
        self.aside: set[Any] = set()

    def file(self, id_key: Any, document: dict[str, Any]) -> None:
        try:
            key = tuple(_document_value(document, field) for field in self.fields)
        except _Unkeyable:
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


class _RangeMap:
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
            prefix = (_document_value(document, first),)
        except _Unkeyable:
            self.aside.add(id_key)
            return
        value = _raw_value(document, second)
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
        low, high = _widened(low, -_DATETIME_SLACK), _widened(high, _DATETIME_SLACK)
        ids = set(self.aside)
        for prefix in prefixes:
            ids.update(self.others.get(prefix, ()))
            entries = self.sorted.get(prefix, [])
            start = 0 if low is None else bisect_left(entries, (low,))
            end = len(entries) if high is None else bisect_right(entries, (high,))
            ids.update(entry[2] for entry in entries[start:end])
        return ids


class _PresenceMap:
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
        if _may_hold(document, self.field):
            self.ids.add(id_key)
        else:
            self.ids.discard(id_key)

    def forget(self, id_key: Any) -> None:
        self.ids.discard(id_key)


def _may_hold(document: dict[str, Any], path: str) -> bool:
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


def _valued_fields(filter: dict[str, Any]) -> list[str]:
    """Top-level fields the filter asks to hold a value: `{"$exists": true}` or range
    operators with non-null bounds, and nothing else on the field."""
    fields = []
    for field, condition in filter.items():
        if field.startswith("$") or not isinstance(condition, dict) or not condition:
            continue
        if not set(condition) <= _VALUED_OPERATORS:
            continue
        if condition.get("$exists", True) is not True:
            continue
        if any(bound is None for op, bound in condition.items() if op != "$exists"):
            continue  # `$lte: null` matches a missing field
        fields.append(field)
    return fields


def _widened(bound: datetime | None, by: timedelta) -> datetime | None:
    """The bound moved by the slack; open (None) past the calendar's ends."""
    try:
        return None if bound is None else bound + by
    except OverflowError:
        return None


def _raw_value(document: dict[str, Any], path: str) -> Any:
    """The value at `path`, as stored; None when missing or behind an array or a scalar."""
    current: Any = document
    for part in path.split("."):
        if not isinstance(current, dict):
            return None
        current = current.get(part)
    return current


def _datetime_range(condition: Any) -> tuple[datetime | None, datetime | None] | None:
    """(low, high) of a condition made of range operators on naive datetimes only."""
    if not isinstance(condition, dict) or not condition or not set(condition) <= _RANGE_OPERATORS:
        return None
    low: datetime | None = None
    high: datetime | None = None
    for op, bound in condition.items():
        if type(bound) is not datetime or bound.tzinfo is not None:
            return None
        if op in ("$gt", "$gte"):
            low = bound if low is None else max(low, bound)
        else:
            high = bound if high is None else min(high, bound)
    return low, high


class KeyedCollectionStore(CollectionStore):
    """A mongomock collection store that keeps a key map per index and notes changes."""

    def __init__(self, name: str, changes: ChangeLog | None = None) -> None:
        super().__init__(name)
        self.changes = changes
        self.maps: dict[tuple[str, ...], _KeyMap] = {}
        # The first two fields of every compound index; a range map is built for a pair
        # when a query first asks for a range on it (most pairs never are), then kept.
        self.range_pairs: set[tuple[str, str]] = set()
        self.ranges: dict[tuple[str, str], _RangeMap] = {}
        # The first field of every index; a presence map is built for one when a query
        # first asks it to hold a value, then kept.
        self.presence_fields: set[str] = set()
        self.presence: dict[str, _PresenceMap] = {}
        self.pending_outbox: set[Any] = set()  # ids of documents with a non-empty outbox
        self._order: dict[Any, int] = {}  # insertion order, to keep natural order
        self._next = itertools.count()
        self._expired_at = float("-inf")  # when the TTL indexes last removed documents

    # -- writes: every path by which mongomock changes a document ends in one of these
    def __setitem__(self, id_key: Any, document: dict[str, Any]) -> None:
        existed = id_key in self._documents
        super().__setitem__(id_key, document)
        if not existed:
            self._order[id_key] = next(self._next)
        self._file(id_key, document, existed)

    def __delitem__(self, id_key: Any) -> None:
        super().__delitem__(id_key)
        self._order.pop(id_key, None)
        for key_map in self.maps.values():
            key_map.forget(id_key)
        for range_map in self.ranges.values():
            range_map.forget(id_key)
        for presence_map in self.presence.values():
            presence_map.forget(id_key)
        self.pending_outbox.discard(id_key)
        if self.changes is not None:
            self.changes.touch(self.name, id_key, True)

    def modified(self, document: dict[str, Any]) -> None:
        """A document changed in place (mongomock's updates do that)."""
        self._file(_id_key(document["_id"]), document, True)

    def _file(self, id_key: Any, document: dict[str, Any], existed: bool) -> None:
        for key_map in self.maps.values():
            key_map.file(id_key, document)
        if self.ranges:
            order = self._order[id_key]
            for range_map in self.ranges.values():
                range_map.file(id_key, document, order)
        for presence_map in self.presence.values():
            presence_map.file(id_key, document)
        outbox = document.get("outbox")
        if isinstance(outbox, list) and outbox:
            self.pending_outbox.add(id_key)
        else:
            self.pending_outbox.discard(id_key)
        if self.changes is not None:
            self.changes.touch(self.name, id_key, existed)

    def drop(self) -> None:
        super().drop()
        self.maps.clear()
        self.range_pairs.clear()
        self.ranges.clear()
        self.presence_fields.clear()
        self.presence.clear()
        self.pending_outbox.clear()
        self._order.clear()

    def create_index(self, index_name: str, index_dict: dict[str, Any]) -> None:
        super().create_index(index_name, index_dict)
        fields = tuple(field for field, _ in index_dict["key"])
        # A compound index serves equality on its first field too, as MongoDB's prefix
        # does (e.g. a status, with a range on the date after it).
        for key_fields in (fields, fields[:1]):
            if key_fields not in self.maps:
                key_map = self.maps[key_fields] = _KeyMap(key_fields)
                for id_key, document in self._documents.items():
                    key_map.file(id_key, document)
        if len(fields) >= 2:
            self.range_pairs.add((fields[0], fields[1]))
        self.presence_fields.add(fields[0])

    def drop_index(self, index_name: str) -> None:
        fields = tuple(field for field, _ in self.indexes[index_name]["key"])
        super().drop_index(index_name)
        if not any(tuple(f for f, _ in index["key"]) == fields for index in self.indexes.values()):
            self.maps.pop(fields, None)
        pair = fields[:2]
        if len(pair) == 2 and not any(
            tuple(f for f, _ in index["key"])[:2] == pair for index in self.indexes.values()
        ):
            self.range_pairs.discard((pair[0], pair[1]))
            self.ranges.pop((pair[0], pair[1]), None)
        if not any(index["key"][0][0] == fields[0] for index in self.indexes.values()):
            self.presence_fields.discard(fields[0])
            self.presence.pop(fields[0], None)

    def _remove_expired_documents(self) -> None:
        """As MongoDB's TTL monitor: expired documents are removed once a minute, and
        found until then. mongomock looked at every document for expiry on every read,
        so a collection with a TTL index (the Idempotency-Keys kept, one per POST with a
        key) was scanned on every lookup."""
        now = time.monotonic()
        if now - self._expired_at < TTL_MONITOR_SECONDS:
            return
        self._expired_at = now
        super()._remove_expired_documents()

    def put(self, document: dict[str, Any]) -> None:
        """Stores a document as it is (a replayed journal record or a snapshot's)."""
        self[_id_key(document["_id"])] = document

    # -- reads
    def candidates(self, filter: dict[str, Any]) -> list[Any] | None:
        """The ids of the only documents that can match `filter`, in natural order, or
        None when no key narrows the search."""
        found = self.lookup(filter)
        return None if found is None else found.ids

    def lookup(self, filter: dict[str, Any]) -> Lookup | None:
        """`candidates`, and what is left to evaluate on them: a top-level equality on a
        key's field, with values that compare in Python as in MongoDB (strings,
        integers), holds for every document filed under a key the lookup asked for, so
        evaluating it again would only repeat the lookup (for a relay releasing 500
        documents by `_id $in`, 500 x 500 comparisons). Those documents are evaluated
        against the rest of the filter only (`residual`), none at all when nothing is
        left; the documents kept aside get the whole filter."""
        if self._ttl_indexes:
            self._remove_expired_documents()
        pending = _asks_pending_outbox(filter)
        if pending and not self.pending_outbox:
            # No document has an event to publish: what the search below would find too,
            # known at once (the relay asks every outbox collection on every pass, and
            # most of them hold nothing pending most of the time).
            return Lookup([], filter, set())
        equalities = _equalities(filter)
        valued = (
            [f for f in _valued_fields(filter) if f in self.presence_fields] if PRESENCE else []
        )
        if not equalities and not pending and not valued:
            return self._lookup_either(filter)
        aside: set[Any] = set()
        if "_id" in equalities:
            ids = {_id_key(value) for value in equalities["_id"]}
            found: set[Any] = {i for i in ids if i in self._documents}
            key_fields: tuple[str, ...] = ("_id",)
        else:
            best: set[Any] | None = self.pending_outbox if pending else None
            key_fields = ()
            for fields, key_map in self.maps.items():
                if not all(field in equalities for field in fields):
                    continue
                keyed = _ids_for(key_map, [equalities[field] for field in fields])
                if keyed is not None and (best is None or len(keyed) < len(best)):
                    best, key_fields, aside = keyed, fields, key_map.aside
            for first, second in self.range_pairs if RANGES else ():
                bounds = _datetime_range(filter.get(second)) if first in equalities else None
                if bounds is None:
                    continue
                range_map = self._range_map(first, second)
                keyed = _ids_within(range_map, equalities[first], bounds)
                if keyed is not None and (best is None or len(keyed) < len(best)):
                    best, key_fields, aside = keyed, (first,), range_map.aside
            for field in valued:
                held = self._presence_map(field).ids
                if best is None or len(held) < len(best):
                    # Every candidate is evaluated against the whole filter.
                    best, key_fields, aside = held, (), set()
            if "$or" in filter:
                # An `$or` beside an equality (the property): its branches may narrow more.
                either = self._lookup_either(filter)
                if either is not None and (best is None or len(either.ids) < len(best)):
                    return either
            if best is None:
                return None if equalities or pending else self._lookup_either(filter)
            found = best
            aside = set(aside)
        settled = _settled(filter, equalities, key_fields) if SETTLE_BY_KEY else set()
        residual = {field: condition for field, condition in filter.items() if field not in settled}
        if not SETTLE_BY_KEY:
            aside = set(found)  # every candidate gets the whole filter
        return Lookup(sorted(found, key=self._order.__getitem__), residual, aside)

    def _presence_map(self, field: str) -> _PresenceMap:
        presence_map = self.presence.get(field)
        if presence_map is None:
            presence_map = self.presence[field] = _PresenceMap(field)
            for id_key, document in self._documents.items():
                presence_map.file(id_key, document)
        return presence_map

    def _range_map(self, first: str, second: str) -> _RangeMap:
        range_map = self.ranges.get((first, second))
        if range_map is None:
            range_map = self.ranges[first, second] = _RangeMap((first, second))
            for id_key, document in self._documents.items():
                range_map.file(id_key, document, self._order[id_key])
        return range_map

    def _lookup_either(self, filter: dict[str, Any]) -> Lookup | None:
        """An `$or` whose every branch (with the rest of the filter) narrows by a key: the
        union of the branches' candidates. (A condition both in a branch and beside the
        `$or` is taken from the branch: still implied by a match.) When no branch names a
        field beside the `$or`, a candidate can match only a branch that found it, so it
        is evaluated against what is left of those branches (`own`); otherwise against
        the whole filter. (The survey mailer's due query: every survey sent waits days for
        its reminder under one status, and was evaluated against all four branches.)"""
        branches = filter.get("$or")
        if not isinstance(branches, list) or not branches:
            return None
        rest = {field: condition for field, condition in filter.items() if field != "$or"}
        own: dict[Any, dict[str, Any]] = {}
        for branch in branches:
            whole = {**rest, **branch} if isinstance(branch, dict) else None
            found = self.lookup(whole) if whole is not None else None
            if found is None or whole is None:
                return None
            conditions: Iterable[tuple[Any, dict[str, Any]]] = (
                found.own.items()
                if found.own is not None
                else ((i, whole if i in found.aside else found.residual) for i in found.ids)
            )
            for i, condition in conditions:
                earlier = own.get(i)
                own[i] = condition if earlier is None else _any_of(earlier, condition)
        ids = sorted(own, key=self._order.__getitem__)
        if not (SETTLE_BY_KEY and EITHER_BY_BRANCH) or any(
            rest.keys() & branch.keys() for branch in branches
        ):
            return Lookup(ids, filter, set())
        return Lookup(ids, filter, set(), own)


class Lookup(NamedTuple):
    """The candidates of a keyed lookup, in natural order; what each must still satisfy
    (`residual`, nothing left when empty), and those that need the whole filter; or,
    for an `$or`, what each candidate must still satisfy on its own (`own`)."""

    ids: list[Any]
    residual: dict[str, Any]
    aside: set[Any]
    own: dict[Any, dict[str, Any]] | None = None

    def condition_of(self, id_key: Any, filter: dict[str, Any]) -> dict[str, Any]:
        """What the candidate `id_key` must still satisfy to match `filter`, the filter
        this lookup was made for."""
        if self.own is not None:
            return self.own[id_key]
        return filter if id_key in self.aside else self.residual


def _any_of(earlier: dict[str, Any], condition: dict[str, Any]) -> dict[str, Any]:
    """What a candidate that two branches found must satisfy: either's condition."""
    if not earlier or not condition:
        return {}  # one branch holds already
    if len(earlier) == 1 and "$or" in earlier:
        return {"$or": [*earlier["$or"], condition]}
    return {"$or": [earlier, condition]}


def _settled(
    filter: dict[str, Any], equalities: dict[str, list[Any]], key_fields: tuple[str, ...]
) -> set[str]:
    """The key's fields whose top-level condition in `filter` is the very equality the
    lookup used (not one taken from an `$and` beside another condition on the field),
    on plain values: a document filed under the key satisfies it."""
    settled = set()
    for field in key_fields:
        if field not in filter:
            continue
        own = _equalities({field: filter[field]}).get(field)
        if own is not None and own == equalities[field] and all(_plain(v) for v in own):
            settled.add(field)
    return settled


def _plain(value: Any) -> bool:
    """A value equal in Python exactly when MongoDB finds it equal."""
    return isinstance(value, (str, int)) and not isinstance(value, bool)


def _ids_for(key_map: _KeyMap, values: list[list[Any]]) -> set[Any] | None:
    combinations = 1
    for options in values:
        combinations *= len(options)
    if combinations > _MAX_KEY_COMBINATIONS:
        return None
    try:
        keys = [
            tuple(_canonical(v) for v in combination) for combination in itertools.product(*values)
        ]
    except _Unkeyable:
        return None
    ids = set(key_map.aside)
    for key in keys:
        ids |= key_map.ids_by_key.get(key, set())
    return ids


def _ids_within(
    range_map: _RangeMap, values: list[Any], bounds: tuple[datetime | None, datetime | None]
) -> set[Any] | None:
    try:
        prefixes = [(_canonical(value),) for value in values]
    except _Unkeyable:
        return None
    return range_map.ids_within(prefixes, *bounds)


def _asks_pending_outbox(filter: Any) -> bool:
    """The filter requires a non-empty outbox (at its top level, or in a top-level $and)."""
    if not isinstance(filter, dict):
        return False
    field, condition = PENDING_OUTBOX
    if filter.get(field) == condition:
        return True
    parts = filter.get("$and")
    return isinstance(parts, list) and any(_asks_pending_outbox(part) for part in parts)


def _equalities(filter: Any) -> dict[str, list[Any]]:
    """field -> the values it must equal one of, for the plain equalities of a filter."""
    equalities: dict[str, list[Any]] = {}
    if not isinstance(filter, dict):
        return equalities
    for field, condition in filter.items():
        if field == "$and" and isinstance(condition, list):
            for part in condition:
                for name, values in _equalities(part).items():
                    equalities.setdefault(name, values)
            continue
        if field.startswith("$"):
            continue
        if isinstance(condition, dict) and any(str(op).startswith("$") for op in condition):
            if set(condition) == {"$eq"}:
                equalities[field] = [condition["$eq"]]
            elif set(condition) == {"$in"} and isinstance(condition["$in"], (list, tuple)):
                equalities[field] = list(condition["$in"])
            continue
        if isinstance(condition, (list, re.Pattern)):
            continue  # array equality and regular expressions: leave them to the filter
        equalities[field] = [condition]
    return equalities


class KeyedDatabaseStore(DatabaseStore):
    def __init__(self, changes: ChangeLog | None = None) -> None:
        super().__init__()
        self.changes = changes

    def __getitem__(self, name: str) -> KeyedCollectionStore:
        try:
            return self._collections[name]
        except KeyError:
            store = self._collections[name] = KeyedCollectionStore(name, self.changes)
            return store

    def rename(self, name: str, new_name: str) -> None:
        store = self._collections.pop(name, None) or KeyedCollectionStore(new_name, self.changes)
        store.name = new_name
        self._collections[new_name] = store


# -- the two places where mongomock scans: filtering and unique checks
_scan_documents = mongomock_collection.Collection._iter_documents
_scan_uniques = mongomock_collection.Collection._ensure_uniques


def _iter_documents(self: Any, filter: Any) -> Iterator[dict[str, Any]]:
    store = self._store
    if KEYED_LOOKUPS and isinstance(store, KeyedCollectionStore):
        found = store.lookup(filter)
        if found is not None:
            COUNTERS["keyed"] += 1
            documents = [(found.condition_of(i, filter), store._documents[i]) for i in found.ids]
            return (
                document
                for condition, document in documents
                if not condition
                or (
                    not (PRUNE_BY_VALUE and _surely_fails(condition, document))
                    and mongomock_collection.filter_applies(condition, document)
                )
            )
    COUNTERS["scanned"] += 1
    return _scan_documents(self, filter)


def _surely_fails(filter: Any, document: dict[str, Any]) -> bool:
    """True when the document cannot match `filter`, judged by plain Python on a few
    shapes only: a top-level field holding a string, asked to equal a string (or be `$in`
    strings), or holding a datetime, asked for a range of datetimes; `$or` when every
    branch fails, `$and` (and the fields beside each other) when one does. Anything else
    is "not sure", and mongomock's filter decides, as it does for every document that is
    not ruled out here. The survey mailer's due query was the reason: every survey sent
    waits for its reminder days later under the same status, and mongomock evaluated
    each of them on every pass (the pass found none of them due)."""
    if not isinstance(filter, dict):
        return False
    for field, condition in filter.items():
        if field == "$or":
            if (
                isinstance(condition, list)
                and condition
                and all(_surely_fails(branch, document) for branch in condition)
            ):
                return True
            continue
        if field == "$and":
            if isinstance(condition, list) and any(
                _surely_fails(part, document) for part in condition
            ):
                return True
            continue
        if field.startswith("$") or "." in field:
            continue
        value = document.get(field)
        if isinstance(value, str) and _string_fails(condition, value):
            return True
        if (
            isinstance(value, datetime)
            and isinstance(condition, dict)
            and any(_range_fails(op, bound, value) for op, bound in condition.items())
        ):
            return True
    return False


def _string_fails(condition: Any, value: str) -> bool:
    if isinstance(condition, str):
        return condition != value
    if isinstance(condition, dict) and len(condition) == 1:
        ((op, operand),) = condition.items()
        if op == "$eq" and isinstance(operand, str):
            return operand != value
        if op == "$in" and isinstance(operand, (list, tuple)):
            return all(isinstance(o, str) for o in operand) and value not in operand
    return False


def _range_fails(op: Any, bound: Any, value: datetime) -> bool:
    if not isinstance(bound, datetime) or (bound.tzinfo is None) != (value.tzinfo is None):
        return False  # another type, or naive against aware: not sure
    if op in ("$lt", "$lte"):
        return value > bound + _DATETIME_SLACK
    if op in ("$gt", "$gte"):
        return value < bound - _DATETIME_SLACK
    return False


def _ensure_uniques(self: Any, new_data: dict[str, Any]) -> None:
    store = self._store
    if not isinstance(store, KeyedCollectionStore):
        return _scan_uniques(self, new_data)
    store.modified(new_data)
    if not KEYED_LOOKUPS:
        return _scan_uniques(self, new_data)
    own = _id_key(new_data["_id"])
    for index in store.indexes.values():
        if not index.get("unique"):
            continue
        key_map = store.maps[tuple(field for field, _ in index["key"])]
        if index.get("partialFilterExpression") is not None or key_map.aside:
            return _scan_uniques(self, new_data)  # rare: let mongomock decide
        key = key_map.key_of.get(own)
        if key is None:
            return _scan_uniques(self, new_data)
        if index.get("sparse") and all(value is None for value in key):
            continue
        if len(key_map.ids_by_key.get(key, ())) > 1:
            raise DuplicateKeyError("E11000 Duplicate Key Error", 11000)
    return None


# Patching mongomock's two scans is the point of this module.
mongomock_collection.Collection._iter_documents = _iter_documents  # type: ignore[method-assign]
mongomock_collection.Collection._ensure_uniques = _ensure_uniques  # type: ignore[method-assign]
# filter_applies stays mongomock's: keyed reads evaluate on each candidate what of the
# filter their key does not settle.
assert filter_applies is mongomock_collection.filter_applies
