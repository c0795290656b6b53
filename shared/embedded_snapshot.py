"""The copy mongomock takes before an update, of the fields the update can change.

mongomock copies the whole stored document before every update: it compares the copy
with the result to count the document as modified, and puts the copy back when a unique
index refuses the result. An update changes only the fields it names, and some documents
are large beside what one update changes: a night's inventory holds every holder of the
night (hundreds on a full night) and a booking changes one hold; a reservation carries
its outbox and history and its confirmation sets a status. Copying the rest on every
write was the largest single cost of a booking in process (issue 14).

The snapshot here is a new top-level dict; on each path the update names, the dicts along
the path are new dicts and whatever the path ends on (or first meets that is not a dict:
a list for a positional path) is copied whole. Every other field is shared with the
stored document, which mongomock's update does not touch (it writes along the named
paths, and a replacement clears and refills the top level only). The snapshot therefore
equals mongomock's own wherever the update can write, so its comparison and its rollback
answer as before. An update this cannot read (a pipeline, an operator not listed, a
document of another type) gets mongomock's full copy.
"""

from __future__ import annotations

import contextvars
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from typing import Any

from mongomock import collection as mongomock_collection
from mongomock import helpers

Path = tuple[str, ...]

# The dicts a stored document is made of: mongomock stores an upserted document, and
# what it holds, as OrderedDicts.
DICTS: frozenset[type] = frozenset({dict, OrderedDict})

# Every operator mongomock's `_apply_update_document` applies, each writing only along
# the fields it names ($rename along its source and its target).
OPERATORS: frozenset[str] = frozenset(mongomock_collection._updaters) | {
    "$rename",
    "$setOnInsert",
    "$currentDate",
    "$addToSet",
    "$pull",
    "$pullAll",
    "$push",
}

# The update under way: its collection's store and the paths it writes (None: unknown).
_SCOPE: contextvars.ContextVar[tuple[Any, frozenset[Path] | None] | None] = contextvars.ContextVar(
    "embedded_snapshot_scope", default=None
)


def written_paths(update: Any) -> frozenset[Path] | None:
    """The paths `update` can write; empty for a replacement (it refills the top level);
    None when that is not known here."""
    if not isinstance(update, Mapping):
        return None  # an aggregation pipeline computes its fields
    operators = [key for key in update if isinstance(key, str) and key.startswith("$")]
    if not operators:
        return frozenset()
    if len(operators) != len(update) or not OPERATORS.issuperset(operators):
        return None  # mongomock refuses it; its own copy keeps what it does then
    return frozenset(_paths(update))


def _paths(update: Mapping[str, Any]) -> Iterator[Path]:
    for operator, fields in update.items():
        if not isinstance(fields, Mapping):
            yield ()  # mongomock refuses it; an empty path copies the document whole
            continue
        for field in fields:
            yield tuple(str(field).split("."))
        if operator == "$rename":
            yield from (tuple(str(target).split(".")) for target in fields.values())


def snapshot(document: Any, paths: frozenset[Path]) -> Any:
    """A copy of `document` that owns everything along `paths` and shares the rest."""
    copy = type(document)(document)
    for path in paths:
        if not path:
            return _whole.deepcopy(document)
        _own(document, copy, path)
    return copy


def _own(original: Any, copy: Any, path: Path) -> None:
    head, rest = path[0], path[1:]
    if head not in original:
        return  # the update may add it; the copy lacks it, as the stored document did
    value = original[head]
    if rest and type(value) in DICTS:
        if copy[head] is value:  # not yet owned through another path
            copy[head] = type(value)(value)
        _own(value, copy[head], rest)
    else:
        copy[head] = _whole.deepcopy(value)


def _stored(store: Any, value: Any) -> bool:
    """Whether `value` is the document `store` holds (the one mongomock is about to
    update), not a value being set or a document being upserted."""
    if type(value) not in DICTS or "_id" not in value:
        return False
    key = value["_id"]
    key = helpers.hashdict(key) if isinstance(key, dict) else key
    return store._documents.get(key) is value


class _ScopedCopy:
    """What mongomock's collection module calls `copy`: the snapshot of a stored document
    during an update, the module installed before for everything else."""

    @staticmethod
    def deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
        scope = _SCOPE.get()
        if scope is not None and scope[1] is not None and _stored(scope[0], value):
            return snapshot(value, scope[1])
        return _whole.deepcopy(value, memo)

    @staticmethod
    def copy(value: Any) -> Any:
        return _whole.copy(value)


_update: Any = mongomock_collection.Collection._update
_whole: Any = mongomock_collection.copy  # replaced by `install` with the module it wraps


def _scoped_update(self: Any, spec: Any, document: Any, *args: Any, **kwargs: Any) -> Any:
    token = _SCOPE.set((self._store, written_paths(document)))
    try:
        return _update(self, spec, document, *args, **kwargs)
    finally:
        _SCOPE.reset(token)


def install() -> None:
    """Idempotent; after shared/embedded_copy.py's install, whose copies it uses for the
    fields it copies. `uninstall` puts mongomock's full snapshot back (tests compare)."""
    global _whole
    installed: Any = mongomock_collection.copy
    if installed is not _ScopedCopy:
        _whole = installed
    mongomock_collection.copy = _ScopedCopy  # type: ignore[assignment]
    mongomock_collection.Collection._update = _scoped_update  # type: ignore[method-assign]


def uninstall() -> None:
    mongomock_collection.copy = _whole
    mongomock_collection.Collection._update = _update  # type: ignore[method-assign]
