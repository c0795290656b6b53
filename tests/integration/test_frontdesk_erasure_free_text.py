"""Issue 15: erasure at the front desk erases the guest's words, not only their name and
documents: the requests and complaints taken for them and what they were told. The
lines stay (kind, time, owner, status) for the hotel's records."""

from __future__ import annotations

from datetime import UTC, datetime

from services.frontdesk.domain import ComplaintCreate, GuestRequestCreate
from shared.events import GuestAnonymized, GuestAnonymizedPayload
from tests.integration.frontdesk_harness import PROPERTY, FixedClock
from tests.integration.test_frontdesk_one_truth import ARRIVAL, _desk_with_a_guest, at_local

WORDS = "no feathers: my daughter's asthma got worse after the operation"


async def test_erasure_erases_requests_complaints_and_notices_of_the_guest() -> None:
    desk, stay, _ = await _desk_with_a_guest(FixedClock(at_local(ARRIVAL, 20)))
    await desk.service.raise_request(
        stay["_id"], GuestRequestCreate(kind="amenities", details=WORDS, taken_by="desk-li")
    )
    await desk.service.raise_complaint(
        stay["_id"],
        ComplaintCreate(category="room", severity="high", description=WORDS, taken_by="desk-li"),
    )
    erasure = GuestAnonymized.new(
        GuestAnonymizedPayload(guest_id=stay["guest_id"], requested_at=datetime.now(UTC)),
        producer="loyalty",
        property_id=PROPERTY,
    )
    await desk.projections.guest_anonymized(erasure)
    await desk.projections.guest_anonymized(erasure)  # redelivered: no harm

    erased = await desk.database["stays"].find_one({"_id": stay["_id"]}, {"outbox": 0})
    assert [r["details"] for r in erased["requests"]] == ["[erased]"]
    assert [c["description"] for c in erased["complaints"]] == ["[erased]"]
    assert [(r["kind"], r["owner"]) for r in erased["requests"]] == [("amenities", "desk-li")]
    assert "asthma" not in repr(erased)
