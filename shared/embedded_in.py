"""`$in` over a long list for the embedded store: a set lookup, not a pass over the list.

mongomock evaluates `{field: {"$in": values}}` by first checking every value for a
regular expression and then comparing the document's value with each in turn, in
Python, for every document (or array element) it evaluates. The relay pulls a pass's
confirmed events with one `$pull: {outbox: {event_id: {$in: <every id confirmed>}}}`,
so each of hundreds of outbox entries walked a list of hundreds of ids: the largest
own-time item of loyalty in a burst (cProfile in CPU time, make bench --only burst
--cpu-profile).

For a long list of hashable values and no regular expression, the set of its values is
made once and kept with a copy of the list (the last such list only); while the list
still equals that copy (a C-level comparison of the same objects, so a list changed in
place is noticed), membership is a set lookup with Python's equality, which is what
`x in values` compared with anyway. Short lists, regular expressions and unhashable
values take mongomock's way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mongomock import filtering

NOTHING = filtering.NOTHING  # mongomock's "no such field"

# Below this, building the set costs more than the comparisons it saves.
LONG = 16
_original_in: Callable[[Any, Any], Any] = filtering._in_op


class _Last:
    """The last long list seen, a copy of it, and the set of its values (None:
    mongomock's way)."""

    values: list[Any] | tuple[Any, ...] | None = None
    copy: list[Any] = []
    members: frozenset[Any] | None = None


def _members(values: list[Any] | tuple[Any, ...]) -> frozenset[Any] | None:
    if _Last.values is not values or _Last.copy != list(values):
        members: frozenset[Any] | None
        try:
            has_pattern = any(isinstance(v, filtering._RE_TYPES) for v in values)
            members = None if has_pattern else frozenset(values)
        except TypeError:  # an unhashable value (a document, an array)
            members = None
        _Last.values, _Last.copy, _Last.members = values, list(values), members
    return _Last.members


def in_op(doc_val: Any, search_val: Any) -> bool:
    if type(search_val) not in (list, tuple) or len(search_val) < LONG:
        return bool(_original_in(doc_val, search_val))
    members = _members(search_val)
    if members is None:
        return bool(_original_in(doc_val, search_val))
    if doc_val is NOTHING:
        return None in members
    for value in doc_val if isinstance(doc_val, (list, tuple)) else (doc_val,):
        try:
            if value in members:
                return True
        except TypeError:  # an unhashable value: compared as mongomock compares it
            if value in search_val:
                return True
    return False


def install() -> None:
    """Idempotent: `$in` and `$nin` (which calls the module's `_in_op`) go through here."""
    filtering._in_op = in_op
    filtering._filterer_inst._operator_map["$in"] = in_op


def uninstall() -> None:
    filtering._in_op = _original_in
    filtering._filterer_inst._operator_map["$in"] = _original_in
