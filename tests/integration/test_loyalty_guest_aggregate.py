"""Every guest document loyalty's use cases write reads as the typed aggregate and back,
field for field (issue 17): a member's journey (contact, enrolment, booking, stay, spend,
answers, a case, goodwill, a redemption, the daily pass), a duplicate merged into them,
an erased guest, and a friend they referred."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from services.loyalty.api_common import profile_public
from services.loyalty.domain import EnrolmentCreate, ProfileUpdate, RedemptionCreate
from services.loyalty.repository import RELAY_FIELDS, guest_from_document, guest_to_document
from shared.events import (
    CaseOpened,
    CaseOpenedPayload,
    FolioClosed,
    FolioClosedPayload,
    GoodwillGranted,
    GoodwillGrantedPayload,
    GuestContactCaptured,
    GuestContactPayload,
    SurveyResponseReceived,
    SurveyResponseReceivedPayload,
)
from tests.integration.test_loyalty_guest_history import booked
from tests.integration.test_loyalty_ledger_service import World, checked_out

PROPERTY = "demo-hotel"


@pytest.fixture
async def world() -> World:
    world = World()
    await world.repository.prepare()
    return world


def contact(guest_id: str, first_name: str, email: str) -> GuestContactCaptured:
    return GuestContactCaptured.new(
        GuestContactPayload(guest_id=guest_id, first_name=first_name, last_name="Ma", email=email),
        producer="reservation",
        property_id=PROPERTY,
    )


async def a_members_journey(world: World) -> None:
    service, profiles = world.service, world.profiles
    await profiles.record_contact(contact("g-an", "An", "an.ma@example.com"))
    await profiles.enrol("g-an", EnrolmentCreate(source="desk", marketing_consent=True))
    await profiles.update_profile("g-an", ProfileUpdate(birthday=date(1990, 1, 11), vip=True))
    await service.record_reservation(booked("g-an", requests=("anniversary",)))
    stay = checked_out("g-an", 3, Decimal("1200"), date(2027, 1, 9))
    await service.earn_for_stay(stay)
    await service.earn_for_spend(
        FolioClosed.new(
            FolioClosedPayload(
                stay_id=stay.payload.stay_id,
                guest_id="g-an",
                invoice_number="I-1",
                room_charges=Decimal("1200"),
                other_charges=Decimal("300"),
                compensation=Decimal(0),
                deposit=Decimal(0),
                balance=Decimal("1500"),
            ),
            producer="frontdesk",
            property_id=PROPERTY,
        )
    )
    await service.record_survey_response(
        SurveyResponseReceived.new(
            SurveyResponseReceivedPayload(
                survey_id="sv-1", stay_id="s", guest_id="g-an", nps=3, csat=2.0, low_score=True
            ),
            producer="feedback",
            property_id=PROPERTY,
        )
    )
    await service.record_case(
        CaseOpened.new(
            CaseOpenedPayload(
                case_id="case-1",
                guest_id="g-an",
                category="noise",
                severity="high",
                source="survey",
                owner="duty-manager",
                due_at=datetime(2027, 1, 11, tzinfo=UTC),
            ),
            producer="feedback",
            property_id=PROPERTY,
        )
    )
    await service.apply_goodwill(
        GoodwillGranted.new(
            GoodwillGrantedPayload(
                grant_id="grant-1", case_id="case-1", guest_id="g-an", points=500, voucher="DRINK"
            ),
            producer="feedback",
            property_id=PROPERTY,
        )
    )
    await service.redeem("g-an", RedemptionCreate(request_id="r-1", points=1000, kind="voucher"))
    world.clock.now += timedelta(days=1)
    await service.daily_pass("g-an")


async def test_every_guest_document_reads_as_the_aggregate_and_back(world: World) -> None:
    await a_members_journey(world)
    await world.service.earn_for_stay(checked_out("g-dup", 1, Decimal("400"), date(2027, 1, 5)))
    await world.profiles.merge("g-an", "g-dup")
    await world.profiles.record_contact(contact("g-gone", "Bo", "bo@example.com"))
    await world.profiles.erase("g-gone", "guest request")
    await world.service.refer("g-an", "g-friend")
    await world.service.earn_for_stay(checked_out("g-friend", 1, Decimal("400"), date(2027, 1, 9)))

    documents = await world.repository.guests.find({}).to_list(None)
    assert {d["_id"] for d in documents} == {"g-an", "g-dup", "g-gone", "g-friend"}
    for document in documents:
        stored = {k: v for k, v in document.items() if k not in RELAY_FIELDS}
        assert guest_to_document(guest_from_document(document)) == stored

    member = guest_from_document(await world.repository.get("g-an") or {})
    assert member.member_number and member.qualifying and member.feedback.case_ids == ["case-1"]
    assert member.also_known_as == ["g-dup"]
    shown = profile_public(await world.profiles.guest("g-an"))
    assert (shown.guest_id, shown.balance, shown.feedback.cases_opened) == (
        "g-an",
        member.balance,
        1,
    )
