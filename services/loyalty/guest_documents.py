"""The guest aggregate to and from its stored document, and the `$set` a rule's result
needs (issue 17, as feedback's case_store): the guest is read, a rule (guest_rules.py)
returns it moved, and the write sets only the fields whose stored value is new."""

from __future__ import annotations

from typing import Any

from shared.document_changes import changed_fields, stored_document

from .guest_aggregate import Guest

# The store's bookkeeping on a guest document, not the guest's: the outbox and the relay's
# lease on it (shared/outbox.py).
RELAY_FIELDS = ("outbox", "outbox_lease_until", "outbox_lease_owner")


def guest_from_document(document: dict[str, Any]) -> Guest:
    """The stored guest as the aggregate, the store's bookkeeping read away."""
    return Guest.model_validate({k: v for k, v in document.items() if k not in RELAY_FIELDS})


def guest_to_document(guest: Guest) -> dict[str, Any]:
    """The aggregate as stored: exactly the fields it was built or read with (a field left
    unset is not written), `_id` for the id."""
    return stored_document(guest)


def guest_changes(read: Guest, moved: Guest) -> dict[str, Any]:
    """The `$set` that turns the guest as read into the guest as a rule left it: the fields
    the rule set whose stored value is new (a rule never unsets a field)."""
    return changed_fields(guest_to_document(read), guest_to_document(moved))
