"""Copies of stored documents for the embedded store, without copy.deepcopy's generality.

mongomock copies a document before every update (to see whether it changed and to roll
back a refused one), copies what it stores and every field it returns. It does so with
`copy.deepcopy` and `copy.copy`, which look up a copier per object, keep a memo of
everything copied, and copy a datetime through its pickle protocol: in a burst of
check-outs, 11% of loyalty's CPU was the snapshot before each update, most of it the
datetimes (cProfile in CPU time, make bench --only burst --cpu-profile).

A stored document is a tree of dicts and lists over BSON scalars, and those scalars are
immutable: the copy here rebuilds the dicts and lists and shares the scalars. Anything
else (a dict subclass, a set, an unknown type) goes to the copy module as before. A
document holds no cycles and no shared sub-objects (BSON has neither), so the memo adds
nothing.

mongomock-motor also copies every filter and sort it hands to mongomock, twice per find,
to turn beanie's `ExpressionField` (a str subclass) into plain strings. Without beanie
installed that copy is equal to what it copied, and mongomock copies each filter again
anyway (its datetime pass): it is skipped. It was 15% of the outbox relay's CPU in a
pass over the reservation service's six outbox collections (issue 14).
"""

from __future__ import annotations

import copy as _copy
import datetime
import decimal
import uuid
from collections import OrderedDict
from typing import Any

import bson
from mongomock import collection as mongomock_collection
from mongomock_motor import patches as mongomock_motor_patches

IMMUTABLE: frozenset[type] = frozenset(
    {
        str,
        int,
        float,
        bool,
        type(None),
        bytes,
        datetime.datetime,
        datetime.date,
        datetime.time,
        datetime.timedelta,
        decimal.Decimal,
        uuid.UUID,
        bson.ObjectId,
        bson.Decimal128,
        bson.Int64,
        bson.Timestamp,
    }
)


def deep(value: Any, memo: dict[int, Any] | None = None) -> Any:
    """`copy.deepcopy` for documents: new dicts and lists, the same immutable scalars."""
    kind = type(value)
    if kind in IMMUTABLE:
        return value
    if kind is dict:
        return {key: deep(item) for key, item in value.items()}
    if kind is list:
        return [deep(item) for item in value]
    if kind is OrderedDict:  # mongomock's own documents, on some paths
        return OrderedDict((key, deep(item)) for key, item in value.items())
    return _copy.deepcopy(value, memo)


def shallow(value: Any) -> Any:
    """`copy.copy`, without the copier lookup for an immutable scalar."""
    return value if type(value) in IMMUTABLE else _copy.copy(value)


class _CopyModule:
    """What mongomock's collection module calls `copy`: the two functions it uses."""

    deepcopy = staticmethod(deep)
    copy = staticmethod(shallow)


def as_given(value: Any) -> Any:
    """mongomock-motor's `_normalize_strings` when there is no beanie string to normalise."""
    return value


_normalize_strings = mongomock_motor_patches._normalize_strings


def install() -> None:
    """Idempotent; `uninstall` puts the copy module back (tests compare the two)."""
    mongomock_collection.copy = _CopyModule  # type: ignore[assignment]
    if mongomock_motor_patches.ExpressionField is None:  # beanie is not installed
        mongomock_motor_patches._normalize_strings = as_given


def uninstall() -> None:
    mongomock_collection.copy = _copy
    mongomock_motor_patches._normalize_strings = _normalize_strings


install()
