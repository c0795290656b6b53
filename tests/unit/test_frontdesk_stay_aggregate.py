"""Front desk's stay document as a typed aggregate (issue 17, as loyalty's Guest): read
and written field for field, nothing added, nothing dropped, an unknown field refused.
The documents the service itself writes: tests/integration/test_frontdesk_stay_aggregate.py."""

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from services.frontdesk.stay_store import stay_from_document, stay_to_document

AT = datetime(2027, 3, 10, 8, tzinfo=UTC)


def checked_in() -> dict:
    """A stay as a check-in opens it (stay_opening.py), without a registration."""
    return {
        "_id": "s-1",
        "property_id": "demo-hotel",
        "guest_id": "g-1",
        "guest_name": "Guest 1",
        "room_number": "201",
        "room_type": "king",
        "arrival": "2027-03-10",
        "departure": "2027-03-12",
        "nightly_rates": {"2027-03-10": "500.00", "2027-03-11": "500.00"},
        "currency": "CNY",
        "status": "in_house",
        "checked_in_at": AT,
        "checked_in_by": None,
        "walk_in": False,
        "vip": False,
        "perks": [],
        "assignment": {"room_number": "201", "rule": "reserved_room_type", "explanation": "x"},
        "registration": None,
        "recognition": {"greeting": "Welcome, our guest"},
        "charges": [],
        "payments": [],
        "item_checks": [],
        "alerts": [],
        "requests": [],
        "complaints": [],
        "moves": [],
        "reservation_id": "res-1",
        "room_index": 0,
        "occupied_room_type": "king",
        "upgrade": None,
    }


def test_a_check_in_reads_back_as_stored() -> None:
    stay = stay_from_document(checked_in())
    assert (stay.id, stay.status, stay.settlement, stay.departure_check_failures) == (
        "s-1",
        "in_house",
        None,
        0,
    )
    assert stay_to_document(stay) == checked_in()


def test_the_outbox_and_its_lease_are_read_away() -> None:
    document = {
        **checked_in(),
        "outbox": [{"type": "stay.checked_in"}],
        "outbox_lease_until": AT,
        "outbox_lease_owner": "relay-1",
    }
    assert stay_to_document(stay_from_document(document)) == checked_in()


def test_a_field_the_desk_does_not_write_is_refused() -> None:
    with pytest.raises(ValidationError):
        stay_from_document({**checked_in(), "booking_money": {"deposit_paid": "0"}})
