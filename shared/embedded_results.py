"""What a find returns from the embedded store, built without mongomock's general paths.

Every document a mongomock cursor returns goes through three general-purpose steps:
sorting with a BSON comparison object per document and a Python `__lt__` per
comparison, a projection (`_copy_only_fields`) that re-parses the projection per
document and copies every value through `isinstance` chains and `copy.copy`, and, on a
`tz_aware` client (ours), a second copy of the whole tree that makes each datetime
aware (`make_datetime_timezone_aware_in_document`). A check-in reads its room type's
rooms and their room nights (120 + 120 documents on a 600-room hotel): those three
steps were most of its CPU (cProfile in CPU time, benchmarks/checkin_cpu.py).

Here the common cases take a direct path with the same result:
- a sort on top-level fields whose values are all plain strings (or all plain
  integers) in the documents sorted: Python's order of those values is BSON's, and
  `sorted` is stable in both directions, as mongomock's sort is;
- no projection, or one of top-level field names all included or all excluded (with
  `_id` included or excluded beside them): the selected values copied as trees of dicts
  and lists sharing their immutable scalars (shared/embedded_copy.py), `_id` placed
  where mongomock places it;
- making datetimes aware: dicts, lists and scalars dispatched by exact type.
Anything else (dotted paths, projection operators, mixed values, missing or mixed-type
sort values, dict subclasses, tuples) goes to mongomock's own code as before.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

from bson import Timestamp
from mongomock import collection as mongomock_collection
from mongomock import helpers
from packaging import version

from shared.embedded_copy import IMMUTABLE

_original_dataset: Callable[..., Iterator[dict[str, Any]]] = (
    mongomock_collection.Collection._get_dataset
)
_original_fields: Callable[..., dict[str, Any]] = mongomock_collection.Collection._copy_only_fields
_original_naive: Callable[[Any], Any] = helpers.patch_datetime_awareness_in_document
_original_aware: Callable[[Any], Any] = helpers.make_datetime_timezone_aware_in_document
_SCALARS = IMMUTABLE - {datetime}  # returned as they are; datetimes are made aware
# A Timestamp(0, 0) becomes the current time when stored: mongomock's way.
_NAIVE_AS_THEY_ARE = IMMUTABLE - {datetime, Timestamp}
_STORED = (dict, OrderedDict)  # what mongomock stores (updates store the latter)
_SORTABLE = (str, int)  # exact types whose Python order is BSON's (bool excluded)
# pymongo 4: an empty projection returns the whole document (mongomock follows pymongo).
_EMPTY_IS_WHOLE = version.parse("4.0") <= helpers.PYMONGO_VERSION


def _copied(value: Any) -> Any:
    """mongomock's `_copy_field(value, dict)` for a tree of dicts, lists and scalars."""
    kind = type(value)
    if kind in IMMUTABLE:
        return value
    if kind is dict or kind is OrderedDict:  # both come back as plain dicts
        return {key: _copied(item) for key, item in value.items()}
    if kind is list:
        return [_copied(item) for item in value]
    return mongomock_collection._copy_field(value, dict)


def aware(value: Any) -> Any:
    """`make_datetime_timezone_aware_in_document`: a new tree, datetimes in UTC."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is dict:
        return {key: aware(item) for key, item in value.items()}
    if kind is list:
        return [aware(item) for item in value]
    if kind is datetime:
        return value.replace(tzinfo=helpers.utc)  # mongomock's (bson's) UTC, as before
    return _original_aware(value)


def naive(value: Any) -> Any:
    """`patch_datetime_awareness_in_document`, which every filter, insert and update goes
    through: a new tree, datetimes naive UTC to the millisecond, as MongoDB stores them."""
    kind = type(value)
    if kind in _NAIVE_AS_THEY_ARE:
        return value
    if kind is dict:
        return {key: naive(item) for key, item in value.items()}
    if kind is list:
        return [naive(item) for item in value]
    if kind is datetime:
        millisecond = (value.microsecond // 1000) * 1000
        if value.tzinfo:
            offset = value.utcoffset()
            assert offset is not None
            return (value - offset).replace(tzinfo=None, microsecond=millisecond)
        return value.replace(microsecond=millisecond)
    return _original_naive(value)  # OrderedDicts, tuples, a Timestamp(0, 0), the rest


def _simple_projection(fields: Any) -> tuple[bool, frozenset[str], bool] | None:
    """(include?, the named fields, keep `_id`?) for a projection of top-level names
    all included or all excluded; None for anything mongomock must handle itself."""
    if type(fields) is not dict or not fields:
        return None
    flags = {}
    for name, flag in fields.items():
        if type(name) is not str or "." in name or name.startswith("$"):
            return None
        if type(flag) not in (int, bool):
            return None  # projection operators ({"$slice": ...}) and odd values
        flags[name] = flag
    keep_id = flags.pop("_id", 1) != 0
    if not flags or len(set(flags.values())) > 1:
        return None  # only `_id`, or mixed: mongomock's answer (or its error)
    return bool(next(iter(flags.values()))), frozenset(flags), keep_id


Project = Callable[[Any], Any]


def _as_is(value: Any) -> Any:
    return value


def _projector(fields: Any, container: Any, copy: Project = _copied) -> Project | None:
    """The projection as a function of a stored document, decided once per find; None
    when mongomock must project. `copy` copies each selected value."""
    if container is not dict:
        return None
    if fields is None or (fields == {} and _EMPTY_IS_WHOLE):
        return copy
    shape = _simple_projection(fields)
    if shape is None:
        return None
    include, names, keep_id = shape

    def project(doc: Any) -> Any:
        # mongomock copies the selected fields in the document's order, `_id` among them
        # when fields are excluded, then sets `_id` again (kept in place, or last when
        # included) or removes it; the `_id` it sets is the stored value, not a copy.
        projected = {
            key: copy(value)
            for key, value in doc.items()
            if (key in names) is include and (key != "_id" or not include)
        }
        if not keep_id:
            projected.pop("_id", None)
        elif "_id" in doc:
            projected["_id"] = doc["_id"]
        return projected

    return project


def _copy_only_fields(self: Any, doc: Any, fields: Any, container: Any) -> Any:
    project = _projector(fields, container)
    if project is None or type(doc) not in _STORED:
        return _original_fields(self, doc, fields, container)
    return project(doc)


def _plain_sort(sort: Any) -> list[tuple[str, int]] | None:
    if not sort:
        return None
    pairs = list(sort.items()) if isinstance(sort, dict) else list(sort)
    for pair in pairs:
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            return None
        key, direction = pair
        if type(key) is not str or "." in key or key.startswith("$"):
            return None
        if type(direction) is not int:
            return None
    return pairs


def _sort_key(documents: list[dict[str, Any]], key: str) -> Callable[[Any], Any] | None:
    """Python's order of a field's values when it is BSON's: all present, all `str` or
    all `int`."""
    kinds = {type(document.get(key)) for document in documents}
    if len(kinds) == 1 and next(iter(kinds)) in _SORTABLE:
        return lambda document: document[key]
    return None


def _get_dataset(self: Any, spec: Any, sort: Any, fields: Any, as_class: Any) -> Iterator[Any]:
    pairs = _plain_sort(sort)
    if sort and pairs is None:
        return _original_dataset(self, spec, sort, fields, as_class)
    dataset: Iterable[dict[str, Any]] = self._iter_documents(spec)
    if pairs:
        documents = list(dataset)
        for key, direction in reversed(pairs):  # mongomock's order of the keys
            plain = _sort_key(documents, key)
            if plain is None:
                return _original_dataset(self, spec, sort, fields, as_class)
            documents.sort(key=plain, reverse=direction < 0)
        dataset = documents
    # A tz-aware cursor (ours) copies every result once more, into new dicts and lists,
    # to make its datetimes aware (mongomock's Cursor._compute_results, the only caller):
    # the projection need not copy the values it selects as well.
    tz_aware = self.codec_options.tz_aware
    project = _projector(fields, as_class, _as_is if tz_aware else _copied)
    if project is None:
        return (self._copy_only_fields(document, fields, as_class) for document in dataset)
    return (
        project(document)
        if type(document) in _STORED
        else self._copy_only_fields(document, fields, as_class)
        for document in dataset
    )


def install() -> None:
    """Idempotent; `uninstall` puts mongomock's own back (tests compare the two)."""
    mongomock_collection.Collection._get_dataset = _get_dataset  # type: ignore[method-assign]
    mongomock_collection.Collection._copy_only_fields = _copy_only_fields  # type: ignore[method-assign]
    helpers.make_datetime_timezone_aware_in_document = aware
    helpers.patch_datetime_awareness_in_document = naive


def uninstall() -> None:
    mongomock_collection.Collection._get_dataset = _original_dataset  # type: ignore[method-assign]
    mongomock_collection.Collection._copy_only_fields = _original_fields  # type: ignore[method-assign]
    helpers.make_datetime_timezone_aware_in_document = _original_aware
    helpers.patch_datetime_awareness_in_document = _original_naive
