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
every document waiting under the status (`RangeMap`). Candidates are evaluated against
what the key left of the filter (for an `$or`, the branches that found them), and one
whose own string or datetime values rule it out is not evaluated at all.

The maps themselves are shared/embedded_maps.py. The stores also note which documents
each write touched (`ChangeLog`), which is what the journal records
(shared/embedded_journal.py).
"""

from __future__ import annotations

import itertools
import re
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, NamedTuple

from mongomock import DuplicateKeyError, helpers
from mongomock import collection as mongomock_collection
from mongomock.filtering import filter_applies
from mongomock.store import CollectionStore, DatabaseStore

from shared.embedded_maps import (
    DATETIME_SLACK,
    CollectionMaps,
    KeyMap,
    RangeMap,
    Unkeyable,
    canonical,
)

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
# narrows by both (see `RangeMap`); False narrows by the first field only (for A/B).
RANGES = True
# A field that must hold a value (`$exists: true`, or a range with a bound that is not
# null) narrows to the documents that may hold one, when an index starts with the field
# (see `PresenceMap`); False leaves such filters to a scan (for A/B measurements).
PRESENCE = True
# How often documents past a TTL index's expiry are removed (MongoDB's TTL monitor: 60 s).
TTL_MONITOR_SECONDS = 60.0
_VALUED_OPERATORS = frozenset({"$exists", "$lt", "$lte", "$gt", "$gte"})
_RANGE_OPERATORS = frozenset({"$lt", "$lte", "$gt", "$gte"})


def _fields(index: dict[str, Any]) -> tuple[str, ...]:
    """An index's fields, in order."""
    return tuple(field for field, _ in index["key"])


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
        self.filed = CollectionMaps()
        self._expired_at = float("-inf")  # when the TTL indexes last removed documents

    # -- writes: every path by which mongomock changes a document ends in one of these
    def __setitem__(self, id_key: Any, document: dict[str, Any]) -> None:
        existed = id_key in self._documents
        super().__setitem__(id_key, document)
        self._file(id_key, document, existed)

    def __delitem__(self, id_key: Any) -> None:
        super().__delitem__(id_key)
        self.filed.forget(id_key)
        if self.changes is not None:
            self.changes.touch(self.name, id_key, True)

    def modified(self, document: dict[str, Any]) -> None:
        """A document changed in place (mongomock's updates do that)."""
        self._file(_id_key(document["_id"]), document, True)

    def _file(self, id_key: Any, document: dict[str, Any], existed: bool) -> None:
        self.filed.file(id_key, document, new=not existed)
        if self.changes is not None:
            self.changes.touch(self.name, id_key, existed)

    def drop(self) -> None:
        super().drop()
        self.filed.clear()

    def create_index(self, index_name: str, index_dict: dict[str, Any]) -> None:
        super().create_index(index_name, index_dict)
        self.filed.index_created(_fields(index_dict), self._documents)

    def drop_index(self, index_name: str) -> None:
        fields = _fields(self.indexes[index_name])
        super().drop_index(index_name)
        self.filed.index_dropped(fields, [_fields(index) for index in self.indexes.values()])

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
        if pending and not self.filed.pending_outbox:
            # No document has an event to publish: what the search below would find too,
            # known at once (the relay asks every outbox collection on every pass, and
            # most of them hold nothing pending most of the time).
            return Lookup([], filter, set())
        equalities = _equalities(filter)
        valued = (
            [f for f in _valued_fields(filter) if f in self.filed.presence_fields]
            if PRESENCE
            else []
        )
        if not equalities and not pending and not valued:
            return self._lookup_either(filter)
        aside: set[Any] = set()
        if "_id" in equalities:
            ids = {_id_key(value) for value in equalities["_id"]}
            found: set[Any] = {i for i in ids if i in self._documents}
            key_fields: tuple[str, ...] = ("_id",)
        else:
            best, key_fields, aside = self._narrowest(filter, equalities, pending, valued)
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
        if pending and SETTLE_BY_KEY and filter.get(PENDING_OUTBOX[0]) == PENDING_OUTBOX[1]:
            # Only a document with a non-empty outbox can match, and every one of those
            # holds one: the relay's scan and claim need not evaluate `outbox.0` on each.
            found = found & self.filed.pending_outbox
            settled.add(PENDING_OUTBOX[0])
        residual = {field: condition for field, condition in filter.items() if field not in settled}
        if not SETTLE_BY_KEY:
            aside = set(found)  # every candidate gets the whole filter
        return Lookup(sorted(found, key=self.filed.order.__getitem__), residual, aside)

    def _narrowest(
        self,
        filter: dict[str, Any],
        equalities: dict[str, list[Any]],
        pending: bool,
        valued: list[str],
    ) -> tuple[set[Any] | None, tuple[str, ...], set[Any]]:
        """The fewest candidates a key, a range of datetimes, the pending outbox or a
        field asked to hold a value narrows to (None when nothing does), with the key's
        fields and the ids its map keeps aside."""
        filed = self.filed
        best: set[Any] | None = filed.pending_outbox if pending else None
        key_fields: tuple[str, ...] = ()
        aside: set[Any] = set()
        for fields, key_map in filed.maps.items():
            if not all(field in equalities for field in fields):
                continue
            keyed = _ids_for(key_map, [equalities[field] for field in fields])
            if keyed is not None and (best is None or len(keyed) < len(best)):
                best, key_fields, aside = keyed, fields, key_map.aside
        for first, second in filed.range_pairs if RANGES else ():
            bounds = _datetime_range(filter.get(second)) if first in equalities else None
            if bounds is None:
                continue
            range_map = filed.range_map(first, second, self._documents)
            keyed = _ids_within(range_map, equalities[first], bounds)
            if keyed is not None and (best is None or len(keyed) < len(best)):
                best, key_fields, aside = keyed, (first,), range_map.aside
        for field in valued:
            held = filed.presence_map(field, self._documents).ids
            if best is None or len(held) < len(best):
                # Every candidate is evaluated against the whole filter.
                best, key_fields, aside = held, (), set()
        return best, key_fields, aside

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
        ids = sorted(own, key=self.filed.order.__getitem__)
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


def _ids_for(key_map: KeyMap, values: list[list[Any]]) -> set[Any] | None:
    combinations = 1
    for options in values:
        combinations *= len(options)
    if combinations > _MAX_KEY_COMBINATIONS:
        return None
    try:
        keys = [
            tuple(canonical(v) for v in combination) for combination in itertools.product(*values)
        ]
    except Unkeyable:
        return None
    ids = set(key_map.aside)
    for key in keys:
        ids |= key_map.ids_by_key.get(key, set())
    return ids


def _ids_within(
    range_map: RangeMap, values: list[Any], bounds: tuple[datetime | None, datetime | None]
) -> set[Any] | None:
    try:
        prefixes = [(canonical(value),) for value in values]
    except Unkeyable:
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
        return value > bound + DATETIME_SLACK
    if op in ("$gt", "$gte"):
        return value < bound - DATETIME_SLACK
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
        key_map = store.filed.maps[_fields(index)]
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
