"""A typed aggregate to and from its stored document, and the `$set` a rule's result
needs: the aggregate is read, a domain rule returns it moved, and the repository writes
only what changed, under the same guards as before."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

# The store's bookkeeping on an aggregate's document, not the aggregate's: its outbox and
# the relay's lease on it (shared/outbox.py).
RELAY_FIELDS = ("outbox", "outbox_lease_until", "outbox_lease_owner")
# The projection that reads an aggregate without them.
AGGREGATE_FIELDS = dict.fromkeys(RELAY_FIELDS, 0)

Aggregate = TypeVar("Aggregate", bound=BaseModel)


def aggregate_of(model: type[Aggregate], document: dict[str, Any]) -> Aggregate:
    """The stored document as the aggregate, the store's bookkeeping read away."""
    return model.model_validate({k: v for k, v in document.items() if k not in RELAY_FIELDS})


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
