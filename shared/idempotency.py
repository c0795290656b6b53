"""Exactly-once effects from at-least-once delivery.

Prefer a natural key on the effect itself: one departure task per stay, one ledger
entry per source event, one survey per stay. The effect document's `_id` (or a unique
index) is that key, so the second insert fails and changes nothing: `insert_once`.

Where the effect is an update of an existing aggregate (a room's status), the aggregate
remembers the last events it applied and the update is guarded by them:
`not_yet_applied` / `mark_applied`, in the same single-document write.
"""

from __future__ import annotations

from typing import Any

from pymongo.errors import DuplicateKeyError

RECENT_EVENTS_KEPT = 100


async def insert_once(collection: Any, document: dict[str, Any]) -> bool:
    """Inserts the effect unless its key exists; True when this call created it."""
    try:
        await collection.insert_one(document)
    except DuplicateKeyError:
        return False
    return True


def not_yet_applied(event_id: str) -> dict[str, Any]:
    return {"applied_events": {"$ne": event_id}}


def mark_applied(event_id: str) -> dict[str, Any]:
    """A `$push` fragment keeping the last RECENT_EVENTS_KEPT applied event ids."""
    return {"applied_events": {"$each": [event_id], "$slice": -RECENT_EVENTS_KEPT}}
