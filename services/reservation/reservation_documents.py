"""The booking's document and its aggregate (reservation_aggregate.py): read as the
aggregate, written back as stored, and the `$set` that a rule's result needs (issue 17,
as feedback's case_store and shared/document_changes.py).

A rule takes the Reservation as read and answers it as the step leaves it; the store
writes what changed under the same guard as before."""

from __future__ import annotations

from typing import Any

from shared.document_changes import aggregate_of, changed_fields

from .reservation_aggregate import Reservation


def reservation_from_document(document: dict[str, Any]) -> Reservation:
    """The stored booking as the aggregate, the relay's bookkeeping read away."""
    return aggregate_of(Reservation, document)


def reservation_to_document(reservation: Reservation) -> dict[str, Any]:
    """The aggregate as stored: exactly the fields it was read with (a field left unset
    is not written), `_id` for the id, dates and amounts as their text."""
    return reservation.model_dump(by_alias=True, exclude_unset=True)


def reservation_changes(read: Reservation, moved: Reservation, *always: str) -> dict[str, Any]:
    """The `$set` that turns the booking as read into the booking as a rule left it: the
    fields whose stored value is new, and the `always` fields even when the rule left
    them as read. Those are the ones a writer the write's guard does not stop may have
    moved since the read (the nights' settling sets `inventory_settled` and a
    reconfirmation `updated_at` without a new version): the rule's value must still win,
    as the hand-built `$set` made it."""
    after = reservation_to_document(moved)
    return {
        **changed_fields(reservation_to_document(read), after),
        **{name: after[name] for name in always},
    }
