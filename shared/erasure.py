"""Erasure of free text (issue 15): what a guest said, or staff wrote about them, in their
own words (requests, complaints, notes, resolutions, answers) can hold health and other
personal details, so on guest.anonymized every service replaces it wherever it names the
guest. The shape of each record (its kind, dates, amounts, status) stays.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

ERASED = "[erased]"

# field -> the keys of its items that hold free text; () for a list of plain texts
FreeTextFields = Mapping[str, Sequence[str]]


def scrubbed(document: Mapping[str, Any], fields: FreeTextFields) -> dict[str, Any]:
    """The `$set` that erases the document's free text (empty when there is none)."""
    sets: dict[str, Any] = {}
    for field, keys in fields.items():
        value = document.get(field)
        if isinstance(value, str) and value and value != ERASED:
            sets[field] = ERASED
        elif isinstance(value, dict) and value:
            item = _scrubbed_item(value, keys)
            if item != value:
                sets[field] = item
        elif isinstance(value, list) and value:
            items = [_scrubbed_item(item, keys) for item in value]
            if items != value:
                sets[field] = items
    return sets


def _scrubbed_item(item: Any, keys: Sequence[str]) -> Any:
    if isinstance(item, str):
        return ERASED
    if isinstance(item, dict):
        return {k: (ERASED if k in keys and v else v) for k, v in item.items()}
    return item


async def scrub_free_text(
    collection: Any,
    query: dict[str, Any],
    fields: FreeTextFields,
    also: dict[str, Any] | None = None,
) -> int:
    """Erases the free text of every document `query` finds, one write each (a guest
    has a handful of documents); `also` is set on each of them too. Repeating it changes
    nothing. Returns how many documents changed."""
    changed = 0
    projection = {field: 1 for field in fields}
    async for document in collection.find(query, projection):
        sets = {**scrubbed(document, fields), **(also or {})}
        if sets:
            await collection.update_one({"_id": document["_id"]}, {"$set": sets})
            changed += 1
    return changed
