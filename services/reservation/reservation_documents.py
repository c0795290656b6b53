"""The booking's document and its aggregate (reservation_aggregate.py): read as the
aggregate and written back as stored (issue 17, as feedback's case_store and
shared/document_changes.py)."""

from __future__ import annotations

from typing import Any

from shared.document_changes import AGGREGATE_FIELDS

from .reservation_aggregate import Reservation


def reservation_from_document(document: dict[str, Any]) -> Reservation:
    """The stored booking as the aggregate, the relay's bookkeeping read away."""
    return Reservation.model_validate(
        {k: v for k, v in document.items() if k not in AGGREGATE_FIELDS}
    )


def reservation_to_document(reservation: Reservation) -> dict[str, Any]:
    """The aggregate as stored: exactly the fields it was read with (a field left unset
    is not written), `_id` for the id, dates and amounts as their text."""
    return reservation.model_dump(by_alias=True, exclude_unset=True)
