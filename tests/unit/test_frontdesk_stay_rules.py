"""The rules that move a stay (stay_rules.py) and the `$set` the store writes of them
(stay_store.py: stay_changes): only the fields a rule moved whose stored value is new,
the very `$set` each use case wrote by hand before."""

from datetime import UTC, datetime

import pytest

from services.frontdesk.stay_rules import (
    checked_out,
    checkout_asked,
    moved_to_room,
    opinion_recorded,
)
from services.frontdesk.stay_store import stay_changes, stay_from_document
from shared.errors import Conflict
from tests.unit.test_frontdesk_stay_aggregate import AT, checked_in

LATER = datetime(2027, 3, 12, 2, tzinfo=UTC)
ASSIGNMENT = {"room_number": "305", "rule": "manual", "explanation": "the desk's choice"}


def test_a_check_out_sets_the_four_fields_it_always_set() -> None:
    read = stay_from_document(checked_in())
    settlement = {"invoice_number": "INV-1", "balance": "0.00"}
    moved = checked_out(read, at=LATER, actual_departure="2027-03-12", settlement=settlement)
    assert stay_changes(read, moved) == {
        "status": "checked_out",
        "checked_out_at": LATER,
        "actual_departure": "2027-03-12",
        "settlement": settlement,
    }
    assert read.status == "in_house"  # the stay as read is left as it was


def test_a_stay_checked_out_moves_no_more() -> None:
    closed = stay_from_document({**checked_in(), "status": "checked_out"})
    with pytest.raises(Conflict, match="already checked out"):
        checkout_asked(closed, {"requested_at": LATER})
    with pytest.raises(Conflict):
        checked_out(closed, at=LATER, actual_departure="2027-03-12", settlement={})
    with pytest.raises(Conflict):
        moved_to_room(closed, room_number="305", room_type="king", assignment=ASSIGNMENT)


def test_the_check_out_asked_and_the_opinion_are_their_own_field() -> None:
    read = stay_from_document(checked_in())
    asked = {"requested_at": AT, "settle_by": LATER, "waive_late_fee": False}
    assert stay_changes(read, checkout_asked(read, asked)) == {"checkout_request": asked}
    opinion = {"score": 4, "comment": None, "taken_by": "desk-1", "at": LATER}
    assert stay_changes(read, opinion_recorded(read, opinion)) == {"opinion": opinion}


def test_a_move_writes_the_room_and_a_type_it_did_not_have() -> None:
    read = stay_from_document(checked_in())  # occupied_room_type king, as checked in
    moved = moved_to_room(read, room_number="305", room_type="king", assignment=ASSIGNMENT)
    # the type in use is already king: as stored, nothing to write of it
    assert stay_changes(read, moved) == {"room_number": "305", "assignment": ASSIGNMENT}
    older = stay_from_document({k: v for k, v in checked_in().items() if k != "occupied_room_type"})
    moved = moved_to_room(older, room_number="305", room_type="king", assignment=ASSIGNMENT)
    assert stay_changes(older, moved)["occupied_room_type"] == "king"
    with pytest.raises(Conflict, match="already in room 201"):
        moved_to_room(read, room_number="201", room_type="king", assignment=ASSIGNMENT)
