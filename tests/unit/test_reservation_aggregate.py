"""Reservation's booking document as a typed aggregate (issue 17, as loyalty's Guest): read
and written field for field, dates and amounts back as their text, the relay's
bookkeeping read away, an unknown field refused."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError

from services.reservation.domain import ReservationStatus
from services.reservation.repository import reservation_from_document, reservation_to_document
from shared.errors import Conflict

AT = datetime(2027, 3, 1, 9, tzinfo=UTC)


def booked() -> dict:
    """A confirmed booking's document, as booking_document.py writes its main fields."""
    return {
        "_id": "r-1",
        "property_id": "demo-hotel",
        "confirmation_number": "HJABCDEFGH",
        "status": "confirmed",
        "guest_id": "g-1",
        "guest": {"first_name": "Mei", "last_name": "Chen", "email": "m@x.io", "phone": None},
        "booker": None,
        "additional_guests": [],
        "room_type": "king",
        "arrival": "2027-03-10",
        "departure": "2027-03-12",
        "adults": 1,
        "children": 0,
        "room_count": 1,
        "channel": "web",
        "nightly_rates": {"2027-03-10": "500.00", "2027-03-11": "500.00"},
        "total_amount": "1000.00",
        "currency": "CNY",
        "deposit_due": "0",
        "created_at": AT,
        "version": 1,
    }


def test_a_booking_reads_typed_and_back_as_stored() -> None:
    reservation = reservation_from_document(booked())
    assert reservation.status is ReservationStatus.CONFIRMED
    assert (reservation.arrival, reservation.total_amount) == (date(2027, 3, 10), Decimal("1000"))
    assert reservation.cancellation is None and reservation.review is None
    assert reservation_to_document(reservation) == booked()


def test_the_relay_bookkeeping_is_read_away() -> None:
    document = {
        **booked(),
        "outbox": [{"type": "reservation.created"}],
        "outbox_lease_until": AT,
        "outbox_lease_owner": "relay-1",
    }
    assert reservation_to_document(reservation_from_document(document)) == booked()


def test_a_field_the_code_does_not_write_is_refused() -> None:
    with pytest.raises(ValidationError):
        reservation_from_document({**booked(), "points": 10})
    with pytest.raises(ValidationError):
        reservation_from_document(
            {**booked(), "review": {"version": 1, "at": AT, "by": "x", "ok": 1}}
        )


def test_closing_reconfirming_and_assigning_answer_the_booking_and_the_write_is_what_changed() -> (
    None
):
    """Issue 17: the rules return the Reservation as left, not a Mongo fragment; the store
    writes the difference, plus the fields written even when as read, and the `$set` is
    the one the use cases built by hand."""
    from services.reservation.reservation_documents import reservation_changes
    from services.reservation.reservation_rules import (
        amendment_dropped,
        amendment_started,
        assigned,
        closed,
        reconfirmed,
    )

    later = datetime(2027, 3, 2, 9, tzinfo=UTC)
    read = reservation_from_document({**booked(), "updated_at": AT, "inventory_settled": True})
    record = {"fee": "0.00", "refund": "250.00", "reason": "plans changed"}
    cancelled = closed(read, ReservationStatus.CANCELLED, "cancellation", record, later, "p-1")
    assert reservation_changes(read, cancelled, "inventory_settled", "updated_at") == {
        "status": ReservationStatus.CANCELLED,
        "cancellation": {**record, "at": later.isoformat()},
        "version": 2,
        "inventory_settled": False,
        "settled_by": "p-1",
        "updated_at": later,
        "refund_due": True,
    }
    no_show = closed(
        read, ReservationStatus.NO_SHOW, "no_show", {"fee": "5", "refund": "0"}, AT, None
    )
    changes = reservation_changes(read, no_show, "inventory_settled", "updated_at")
    assert "refund_due" not in changes and changes["updated_at"] == AT  # as read, written
    tentative = reservation_from_document({**booked(), "tentative": True, "updated_at": AT})
    assert reservation_changes(tentative, reconfirmed(tentative, later), "updated_at") == {
        "tentative": False,
        "reconfirmed_at": later,
        "updated_at": later,
    }
    with pytest.raises(Conflict, match="not tentative"):
        reconfirmed(read, later)
    assert reservation_changes(
        read, assigned(read, "stay-1", "suite", later), "inventory_settled", "updated_at"
    ) == {
        "assigned_room": {"stay_id": "stay-1", "room_type": "suite"},
        "version": 2,
        "inventory_settled": False,
        "updated_at": later,
    }
    claimed = amendment_started(read, later, "p-1")
    assert reservation_changes(read, claimed) == {
        "amendment": {"started_at": later, "owner": "p-1"}
    }
    assert reservation_changes(claimed, amendment_dropped(claimed)) == {"amendment": None}
    # from the booking read before the claim (no amendment), lifting it would write nothing
    unclaimed = read.model_copy(update={"amendment": None})
    assert reservation_changes(unclaimed, amendment_dropped(claimed)) == {}
    assert read.status == "confirmed" and read.version == 1  # the booking read is untouched
