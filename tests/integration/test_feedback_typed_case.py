"""Issue 17: the case is a typed aggregate (Case). The stored document is kept field for
field through Case and back, and the routes answer what they answered when they mapped the
raw document by hand. The documents are the service's own: a case taken by phone, resolved,
told to the guest, reopened by the guest and escalated; a desk complaint with a note
without author and a goodwill grant without voucher; a case erased with its guest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from services.feedback.case_follow_up import SatisfactionAnswer
from services.feedback.domain import CaseNoteCreate, CasePublic, CaseResolve
from services.feedback.repository import CASE_FIELDS, case_from_document, case_to_document
from shared.events import (
    ComplaintRaised,
    ComplaintRaisedPayload,
    GuestAnonymized,
    GuestAnonymizedPayload,
)
from tests.integration.test_feedback_guest_relations import link_in, resolved_complaint
from tests.integration.test_feedback_schedulers import T0
from tests.support.journeys import PROPERTY


def answered_before(document: dict[str, Any]) -> CasePublic:
    """What GET /cases/{id} answered before the typed Case: the raw document's public
    fields, a top-level None left to the default, nested values as stored."""
    return CasePublic.model_validate(
        {
            "case_id": document["_id"],
            **{
                name: document.get(name)
                for name in CasePublic.model_fields
                if name != "case_id" and document.get(name) is not None
            },
        }
    )


def complaint(guest_id: str) -> ComplaintRaised:
    return ComplaintRaised.new(
        ComplaintRaisedPayload(
            complaint_id=f"cmp-{guest_id}",
            guest_id=guest_id,
            stay_id="stay-typed",
            room_number="512",
            category="housekeeping",
            severity="medium",
            description="Towels missing two days running",
            taken_by="desk-bo",
        ),
        producer="frontdesk",
        property_id=PROPERTY,
    )


async def every_kind_of_case(tmp_path) -> tuple[Any, list[dict[str, Any]]]:
    feedback, clock, email, phoned, follow_up = await resolved_complaint(tmp_path)
    service = feedback.service
    # the guest is not satisfied and says why: reopened, a note of the guest's, then late
    _, token = link_in(email.sent[0].body)
    clock.now = T0 + timedelta(hours=1)
    await follow_up.answer(
        phoned.id, SatisfactionAnswer(token=token, satisfied=False, comment="Still noisy")
    )
    clock.now = T0 + timedelta(hours=6)
    assert await feedback.escalation.work_once() == 1

    # a desk complaint: a note whose author is None, goodwill without a voucher, no notice
    await service.case_from_complaint(complaint("g-towels"))
    [desk] = (await service.cases({"guest_id": "g-towels"}, 10, 0))[1]
    await service.add_note(desk.id, CaseNoteCreate(text="fresh towels brought at once"))
    await service.resolve(
        desk.id,
        CaseResolve(
            resolution="Towels brought, apology made",
            goodwill_points=500,
            notify_guest=False,
            resolved_by="desk-bo",
        ),
    )

    # a case erased with its guest
    await service.case_from_complaint(complaint("g-erased"))
    await service.erase_guest(
        GuestAnonymized.new(
            GuestAnonymizedPayload(guest_id="g-erased", requested_at=datetime.now(UTC)),
            producer="loyalty",
            property_id=PROPERTY,
        )
    )
    stored = await feedback.repository.cases.find({}, CASE_FIELDS).to_list(None)
    return feedback, stored


async def test_the_typed_case_keeps_the_stored_document_as_it_is(tmp_path) -> None:
    feedback, stored = await every_kind_of_case(tmp_path)
    fields = set().union(*stored)
    # the documents carry what each path writes, so the round trip covers them
    assert fields >= {
        "escalated_to",
        "owner_due_at",
        "reopen_count",
        "reopened_at",
        "guest_satisfaction_at",
        "notice_sent_at",
        "notice_channel",
        "goodwill",
        "complaint_id",
        "room_number",
        "erased",
    }
    for document in stored:
        assert case_to_document(case_from_document(document)) == document
    # the relay's lease on the document is the store's, not the case's
    desk = next(document for document in stored if document.get("goodwill"))
    lease = {"outbox_lease_until": None, "outbox_lease_owner": "relay-1"}
    await feedback.repository.cases.update_one({"_id": desk["_id"]}, {"$set": lease})
    assert (await feedback.service.case(desk["_id"])).status == "resolved"


async def test_the_routes_answer_what_they_answered_from_the_raw_document(tmp_path) -> None:
    feedback, stored = await every_kind_of_case(tmp_path)
    for document in stored:
        assert CasePublic.of(case_from_document(document)) == answered_before(document)
    # None inside a note or a grant is kept, not dropped (TaskPublic.of once dropped it)
    [desk_id] = [document["_id"] for document in stored if document.get("goodwill")]
    desk = CasePublic.of(await feedback.service.case(desk_id))
    assert desk.notes[0]["author"] is None
    assert desk.goodwill is not None and desk.goodwill["voucher"] is None
    assert desk.guest_satisfaction is None and desk.escalated_to is None
