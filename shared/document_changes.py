"""A typed aggregate to and from its stored document, and the `$set` a rule's result
needs: the aggregate is read, a domain rule returns it moved, and the repository writes
only what changed, under the same guards as before."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

# An aggregate read from its document: without the outbox and the relay's lease on it
# (shared/outbox.py), which are the store's bookkeeping, not the aggregate's.
AGGREGATE_FIELDS = {"outbox": 0, "outbox_lease_until": 0, "outbox_lease_owner": 0}


def stored_document(aggregate: BaseModel, *enums: str) -> dict[str, Any]:
    """The aggregate as stored: exactly the fields it was built or read with (a field left
    unset is not written), `_id` for the id, the `enums` fields as their plain values."""
    document = aggregate.model_dump(by_alias=True, exclude_unset=True)
    for name in enums:
        if name in document:
            document[name] = str(document[name].value)
    return document


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The fields of `after` whose value is new against `before` (a field `after` lacks is
    left as stored: a rule never unsets one)."""
    return {name: value for name, value in after.items() if before.get(name, ...) != value}
