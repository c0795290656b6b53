"""`$set` on the embedded store without a version check per field.

mongomock's `$set` parses the string "3.6" with `packaging.version` for every field it
sets, to decide whether pymongo is old enough to check key names: one `Version` object
per field of every update (the outbox relay's claim and release set two fields on each
of hundreds of documents a pass; a check-in sets a dozen). The answer cannot change
while the process runs, so it is decided once; the rest is mongomock's own code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bson import BSON
from mongomock import collection as mongomock_collection
from mongomock import helpers
from mongomock.collection import WriteError
from packaging import version
from pymongo.errors import InvalidDocument

from shared.embedded_copy import deep

_original_set: Callable[[Any, str, Any], None] = mongomock_collection._set_updater
_CHECK_KEYS = version.parse("3.6") > helpers.PYMONGO_VERSION


def set_updater(doc: Any, field_name: str, value: Any) -> None:
    if isinstance(value, (tuple, list)):
        value = deep(value)  # as mongomock's, with the store's own copy (embedded_copy)
    if not _CHECK_KEYS and ("\0" in field_name or field_name.startswith("$")):
        raise InvalidDocument(
            "Field name cannot contain the null character and top-level field name "
            f'cannot start with "$" (found: {field_name})'
        )
    BSON.encode({field_name: value}, check_keys=_CHECK_KEYS)  # refuses what MongoDB would
    if isinstance(doc, dict):
        doc[field_name] = value
    if isinstance(doc, list):
        field_index = int(field_name)
        if field_index < 0:
            raise WriteError("Negative index provided")
        missing = field_index - (len(doc) - 1)
        if missing > 0:
            doc += [None] * missing
        doc[field_index] = value


def install() -> None:
    """Idempotent: `$set` and `$setOnInsert` (which names the module's `_set_updater`)."""
    mongomock_collection._set_updater = set_updater
    mongomock_collection._updaters["$set"] = set_updater


def uninstall() -> None:
    mongomock_collection._set_updater = _original_set
    mongomock_collection._updaters["$set"] = _original_set
