"""Loyalty's guest document as a typed aggregate (issue 17, as feedback's Case): read and
written field for field, nothing added, nothing dropped, an unknown field refused."""

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from services.loyalty.guest_document_store import empty_guest
from services.loyalty.repository import guest_from_document, guest_to_document

AT = datetime(2027, 1, 10, 9, tzinfo=UTC)


def first_sight() -> dict:
    """The document repository.ensure writes on a guest's first sight."""
    return empty_guest("g-1", "demo-hotel", AT)


def test_a_first_sight_reads_back_as_stored() -> None:
    guest = guest_from_document(first_sight())
    assert (guest.id, guest.balance, guest.tier, guest.qualifying) == ("g-1", 0, None, None)
    assert guest.feedback.responses == 0
    assert guest_to_document(guest) == first_sight()


def test_a_member_with_a_history_reads_back_as_stored() -> None:
    document = {
        **first_sight(),
        "version": 7,
        "profile": {"first_name": "Li", "consents": {"marketing": {"granted": True}}},
        "profile_published": True,
        "stays": [{"stay_id": "s-1", "total_spend": "800"}],
        "entries": [{"entry_id": "stay|s-1", "kind": "earn", "points": 8000}],
        "balance": 8000,
        "tier": "Silver",
        "qualifying": {"year": 2027, "nights": 2, "points": 8000},
        "last_activity_at": AT,
        "feedback": {"survey_ids": ["sv-1"], "responses": 1, "csat_total": 2.0, "csat_count": 1},
        "member_number": "M-1",
        "enrolled_at": AT,
        "enrolment_source": "desk",
        "segments": ["regular"],
        "lifecycle": "active",
        "refreshed_on": "2027-01-10",
        "win_back_offer": {"offer_id": "o-1", "used_by": None, "causes": []},
        "also_known_as": ["g-0"],
        "merged_entry_ids": ["stay|s-0"],
        "anonymised_at": "2027-01-10T09:00:00+00:00",
    }
    assert guest_to_document(guest_from_document(document)) == document


def test_the_store_bookkeeping_is_read_away() -> None:
    document = {
        **first_sight(),
        "outbox": [{"type": "guest.created"}],
        "outbox_lease_until": AT,
        "outbox_lease_owner": "relay-1",
    }
    assert guest_to_document(guest_from_document(document)) == first_sight()


def test_a_field_the_code_does_not_write_is_refused() -> None:
    with pytest.raises(ValidationError):
        guest_from_document({**first_sight(), "points": 10})
    with pytest.raises(ValidationError):
        guest_from_document({**first_sight(), "feedback": {"nps_total": 3}})
