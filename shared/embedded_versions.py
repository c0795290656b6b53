"""mongomock's version checks on the embedded store, each parsed once.

mongomock's collection module compares pymongo's version with a constant ("3.6", "4.0")
inside its hot paths: every field a `$set` sets, every insert, every projection parses
the constant again with `packaging.version` (one `Version` object each time: 2.4% of the
outbox relay's samples, whose claim and release set two fields on each of hundreds of
documents a pass). The constants are a handful and a parse never changes: the module's
`version` is given a `parse` that keeps each answer. mongomock's own code runs as before.
"""

from __future__ import annotations

import functools

from mongomock import collection as mongomock_collection
from packaging import version


class _ParsedOnce:
    """What mongomock's collection module uses of `packaging.version`."""

    parse = staticmethod(functools.cache(version.parse))


def install() -> None:
    """Idempotent; `uninstall` puts `packaging.version` back (tests compare the two)."""
    mongomock_collection.version = _ParsedOnce  # type: ignore[assignment]


def uninstall() -> None:
    mongomock_collection.version = version
