"""The index plan: which index serves each query a repository makes.

`QueryRecorder` wraps a database (motor or the embedded store) and notes the shape of
every filter a repository sends: the collection, the call, and the fields it filters on.
`unserved` then holds each shape against the collection's indexes (those the
repository's prepare() created) and returns the shapes no index serves: a query serves
itself from an index when the filter fixes `_id`, or names the first field of an index
(the prefix MongoDB can seek on), or, unfiltered, is sorted by an index's first field.
Fields given as `not_selective` (property_id in a one-property store) do not count unless
the filter names nothing else. One real filter of each shape is kept (`examples`) for
explain() on a real MongoDB. tests/integration/test_index_plan.py runs the
repositories' use cases through the recorder and fails on any unserved shape; on a real
MongoDB, explain() says the same thing from the planner.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, replace
from types import FrameType
from typing import Any

_FILTERED_CALLS = frozenset(
    {
        "find",
        "find_one",
        "count_documents",
        "update_one",
        "update_many",
        "replace_one",
        "delete_one",
        "delete_many",
        "find_one_and_update",
        "find_one_and_replace",
        "find_one_and_delete",
        "distinct",
    }
)


@dataclass(frozen=True)
class QueryShape:
    collection: str
    call: str
    fields: tuple[str, ...]  # the top-level fields the filter constrains, sorted
    sort: tuple[str, ...] = ()  # a find's sort keys, in order (an unfiltered page walks one)

    def __str__(self) -> str:
        order = f".sort({', '.join(self.sort)})" if self.sort else ""
        return f"{self.collection}.{self.call}({', '.join(self.fields) or '{}'}){order}"


_ID_IN_PATH = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def filter_fields(query: dict[str, Any]) -> tuple[str, ...]:
    """The fields a filter constrains (an `$or`/`$and` contributes what all branches share);
    ids inside a path (`holds.r_<uuid>`) become `<id>`, so one query has one shape."""
    fields = {_ID_IN_PATH.sub("<id>", key) for key in query if not key.startswith("$")}
    for operator in ("$and",):
        for branch in query.get(operator, []):
            fields |= set(filter_fields(branch))
    if "$or" in query:
        branches = [set(filter_fields(branch)) for branch in query["$or"]]
        fields |= set.intersection(*branches) if branches else set()
    return tuple(sorted(fields))


_PASS_THROUGH = ("shared.index_plan", "shared.mongo", "tests.integration.frontdesk_harness")


def _called_by_the_service() -> bool:
    """Whether the query comes from service code (services/, shared/), not from a test."""
    frame: FrameType | None = sys._getframe(2)
    while frame is not None:
        module = str(frame.f_globals.get("__name__", ""))
        if not module.startswith(_PASS_THROUGH):
            return module.startswith(("services.", "shared."))
        frame = frame.f_back
    return False


class _RecordingCollection:
    def __init__(
        self,
        collection: Any,
        name: str,
        seen: set[QueryShape],
        examples: dict[QueryShape, dict[str, Any]],
        recorder: QueryRecorder,
    ) -> None:
        self._collection, self._name, self._seen = collection, name, seen
        self._examples = examples
        # A use case handed `collection.database` (the stay follower) records too.
        self.database = recorder

    def __getattr__(self, call: str) -> Any:
        attribute = getattr(self._collection, call)
        if call not in _FILTERED_CALLS:
            return attribute

        def recorded(*args: Any, **kwargs: Any) -> Any:
            if not _called_by_the_service():
                return attribute(*args, **kwargs)  # a test looking at the store itself
            query = args[0] if args else kwargs.get("filter", {})
            if call == "distinct":
                query = args[1] if len(args) > 1 else kwargs.get("filter", {})
            shape = QueryShape(self._name, call, filter_fields(query or {}))
            if call == "find" and not shape.fields:  # what it is sorted by decides
                self._examples.setdefault(shape, {})
                return _SortedCursor(attribute(*args, **kwargs), shape, self._seen, self._examples)
            self._seen.add(shape)
            self._examples.setdefault(shape, query or {})  # one real filter, for explain()
            return attribute(*args, **kwargs)

        return recorded


class _SortedCursor:
    """An unfiltered find's cursor: its shape is recorded with the sort it is given (an
    index leading with the sort key walks the collection in order, a limit stops it)."""

    def __init__(
        self,
        cursor: Any,
        shape: QueryShape,
        seen: set[QueryShape],
        examples: dict[QueryShape, dict[str, Any]],
    ) -> None:
        self._cursor, self._shape, self._seen, self._examples = cursor, shape, seen, examples
        self._owned = shape not in seen  # another unsorted find keeps its own record
        seen.add(shape)
        self._recorded = shape

    def sort(self, key: Any, direction: Any = None) -> _SortedCursor:
        keys = (key,) if isinstance(key, str) else tuple(field for field, _ in key)
        if self._owned:
            self._seen.discard(self._recorded)
            self._examples.pop(self._recorded, None)
        self._recorded = replace(self._shape, sort=keys)
        self._owned = self._recorded not in self._seen
        self._seen.add(self._recorded)
        self._examples.setdefault(self._recorded, {})
        self._cursor = (
            self._cursor.sort(key, direction) if direction is not None else self._cursor.sort(key)
        )
        return self

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)

    def __aiter__(self) -> Any:
        return self._cursor.__aiter__()


class QueryRecorder:
    """A database stand-in that records query shapes and passes everything through."""

    def __init__(self, database: Any) -> None:
        self.database = database
        self.seen: set[QueryShape] = set()
        self.examples: dict[QueryShape, dict[str, Any]] = {}  # the first filter of each shape

    def __getitem__(self, name: str) -> _RecordingCollection:
        return _RecordingCollection(self.database[name], name, self.seen, self.examples, self)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.database, name)


async def indexes_of(database: Any, collection: str) -> list[tuple[str, ...]]:
    """Each index of the collection as its key fields, in order."""
    information = await database[collection].index_information()
    return [tuple(field for field, _ in spec["key"]) for spec in information.values()]


async def unserved(
    database: Any, shapes: set[QueryShape], not_selective: frozenset[str] = frozenset()
) -> list[QueryShape]:
    """The shapes no index of their collection serves (`_id` always has one).
    `not_selective`: fields the same on every document (`property_id` in a one-property
    store); an index whose matched prefix holds only those narrows nothing, so it serves
    only a filter that names nothing else."""
    missing = []
    for shape in sorted(shapes, key=str):
        if "_id" in shape.fields:
            continue
        if not shape.fields:
            leading = {index[0] for index in await indexes_of(database, shape.collection)}
            if shape.sort and shape.sort[0] in leading:
                continue  # a page in index order
            if shape.call in ("find", "count_documents", "delete_many", "update_many"):
                missing.append(shape)  # a whole-collection pass
            continue
        if not any(
            _seeks(index, shape.fields, not_selective)
            for index in await indexes_of(database, shape.collection)
        ):
            missing.append(shape)
    return missing


def _seeks(index: tuple[str, ...], fields: tuple[str, ...], not_selective: frozenset[str]) -> bool:
    """Whether the index seeks on the filter: the fields of its prefix the filter fixes,
    and among them one that narrows (unless the filter names nothing that narrows)."""
    prefix = []
    for field in index:
        if field not in fields:
            break
        prefix.append(field)
    if not prefix:
        return False
    return bool(set(prefix) - not_selective) or set(fields) <= not_selective
