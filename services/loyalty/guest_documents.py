"""The guest aggregate to and from its stored document, and the `$set` a rule's result
needs (issue 17, as feedback's case_store): the guest is read, a rule (guest_rules.py)
returns it moved, and the write sets only the fields whose stored value is new."""

from __future__ import annotations

from typing import Any

from shared.document_changes import aggregate_of, changed_fields, stored_document

from .guest_aggregate import Guest


def guest_from_document(document: dict[str, Any]) -> Guest:
    """The stored guest as the aggregate, the store's bookkeeping read away."""
    return aggregate_of(Guest, document)


def guest_to_document(guest: Guest) -> dict[str, Any]:
    """The aggregate as stored: exactly the fields it was built or read with (a field left
    unset is not written), `_id` for the id."""
    return stored_document(guest)


def guest_changes(read: Guest, moved: Guest) -> dict[str, Any]:
    """The `$set` that turns the guest as read into the guest as a rule left it: the fields
    the rule set whose stored value is new (a rule never unsets a field)."""
    return changed_fields(guest_to_document(read), guest_to_document(moved))
