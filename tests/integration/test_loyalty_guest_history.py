"""Loyalty's other consumers and jobs on the embedded store, with an injected clock:
reversal on cancellation, spend, goodwill, feedback and cases, gifts, a merge cut off
between its two writes, and the daily pass over many guests."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from services.loyalty.domain import ProfileUpdate
from services.loyalty.workers import DailyPass
from shared.events import (
    CaseOpened,
    CaseOpenedPayload,
    FolioClosed,
    FolioClosedPayload,
    GoodwillGranted,
    GoodwillGrantedPayload,
    GuestContactCaptured,
    GuestContactPayload,
    ReservationCancelled,
    ReservationCancelledPayload,
    ReservationCreated,
    ReservationCreatedPayload,
    SurveyResponseReceived,
    SurveyResponseReceivedPayload,
)
from tests.integration.test_loyalty_ledger_service import World, checked_out, outbox_types

PROPERTY = "demo-hotel"


@pytest.fixture
async def world() -> World:
    world = World()
    await world.repository.prepare()
    return world


def booked(
    guest_id: str,
    *,
    children: int = 0,
    requests: tuple[str, ...] = (),
    arrival: date = date(2027, 2, 1),
) -> ReservationCreated:
    return ReservationCreated.new(
        ReservationCreatedPayload(
            reservation_id=f"res-{uuid.uuid4()}",
            confirmation_number="C1",
            guest_id=guest_id,
            guest_name="Not Kept",
            room_type="king",
            arrival=arrival,
            departure=arrival + timedelta(days=2),
            adults=2,
            children=children,
            channel="web",
            nightly_rates={},
            total_amount=Decimal("960"),
            special_requests=list(requests),
        ),
        producer="reservation",
        property_id=PROPERTY,
    )


async def test_a_cancelled_reservation_takes_back_its_points_once(world: World) -> None:
    service = world.service
    stay = checked_out("guest-c", 2, Decimal("800"), date(2027, 1, 9))
    await service.earn_for_stay(stay)
    await service.earn_for_spend(
        FolioClosed.new(
            FolioClosedPayload(
                stay_id=stay.payload.stay_id,
                guest_id="guest-c",
                invoice_number="I-1",
                room_charges=Decimal("800"),
                other_charges=Decimal("120.70"),
                compensation=Decimal(0),
                deposit=Decimal(0),
                balance=Decimal("920.70"),
            ),
            producer="frontdesk",
            property_id=PROPERTY,
        )
    )
    cancelled = ReservationCancelled.new(
        ReservationCancelledPayload(
            reservation_id=stay.payload.reservation_id,
            guest_id="guest-c",
            old_status="checked_out",
            cancellation_fee=Decimal(0),
            refund_amount=Decimal("920.70"),
        ),
        producer="reservation",
        property_id=PROPERTY,
    )
    for _ in range(3):
        await service.cancel_reservation(cancelled)
    points = await service.points_of("guest-c")
    assert [(e["kind"], e["points"]) for e in points["entries"]] == [
        ("earn", 8_000),
        ("spend", 600),
        ("reverse", -8_000),
        ("reverse", -600),
    ]
    assert points["balance"] == 0
    assert (await outbox_types(world.repository, "guest-c")).count("loyalty.points_reversed") == 2


async def test_goodwill_is_applied_once_per_grant(world: World) -> None:
    grant = GoodwillGranted.new(
        GoodwillGrantedPayload(
            grant_id="grant-1",
            case_id="case-1",
            guest_id="guest-g",
            points=750,
            voucher="FREE-DRINK",
        ),
        producer="feedback",
        property_id=PROPERTY,
    )
    same_grant_new_delivery = GoodwillGranted.new(
        grant.payload, producer="feedback", property_id=PROPERTY
    )
    for event in (grant, grant, same_grant_new_delivery):
        await world.service.apply_goodwill(event)
    guest = await world.profiles.guest("guest-g")
    assert [(e["entry_id"], e["points"]) for e in guest["entries"]] == [("goodwill|grant-1", 750)]
    assert [v["voucher"] for v in guest["vouchers"]] == ["FREE-DRINK"]


async def test_feedback_and_cases_build_the_summary_and_the_at_risk_segment(world: World) -> None:
    service = world.service
    await service.earn_for_stay(checked_out("guest-f", 1, Decimal("500"), date(2027, 1, 9)))
    response = SurveyResponseReceived.new(
        SurveyResponseReceivedPayload(
            survey_id="survey-1", stay_id="s", guest_id="guest-f", nps=3, csat=2.0, low_score=True
        ),
        producer="feedback",
        property_id=PROPERTY,
    )
    await service.record_survey_response(response)
    await service.record_survey_response(
        SurveyResponseReceived.new(response.payload, producer="feedback", property_id=PROPERTY)
    )  # a re-publication
    await service.record_case(
        CaseOpened.new(
            CaseOpenedPayload(
                case_id="case-9",
                guest_id="guest-f",
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
    guest = await world.profiles.guest("guest-f")
    assert (
        guest["feedback"]["responses"],
        guest["feedback"]["low_scores"],
        guest["feedback"]["case_ids"],
    ) == (1, 1, ["case-9"])
    assert "at-risk" in guest["segments"]
    updates = [
        json.loads(e["body"])["payload"]
        for e in (await world.repository.guests.find_one({"_id": "guest-f"}))["outbox"]
        if e["type"] in ("guest.created", "guest.updated")  # the newest profile pending
    ]
    assert "at-risk" in updates[-1]["segments"]


async def test_reservations_make_segments_and_gifts_go_only_with_consent(world: World) -> None:
    service, profiles = world.service, world.profiles
    await profiles.record_contact(
        GuestContactCaptured.new(
            GuestContactPayload(
                guest_id="guest-fam", first_name="An", last_name="Ma", email="an.ma@example.com"
            ),
            producer="reservation",
            property_id=PROPERTY,
        )
    )
    await service.record_reservation(booked("guest-fam", children=2, requests=("anniversary",)))
    assert await world.repository.all_messages(10) == []  # no marketing consent yet
    await profiles.update_profile(
        "guest-fam",
        ProfileUpdate.model_validate(
            {"consents": {"marketing": {"granted": True, "source": "web"}}}
        ),
    )
    celebration = booked("guest-fam", requests=("anniversary",))
    await service.record_reservation(celebration)
    await service.record_reservation(celebration)
    messages = await world.repository.all_messages(10)
    assert [(m["template"], m["channel"]) for m in messages] == [("celebration-gift", "email")]
    assert "an.ma@example.com" not in json.dumps(messages, default=str)
    guest = await profiles.guest("guest-fam")
    assert "family" in guest["segments"] and "guest_name" not in json.dumps(
        guest["reservations"], default=str
    )


async def test_a_merge_cut_off_after_its_first_write_is_finished_by_the_next_reader(
    world: World,
) -> None:
    service, profiles, repository = world.service, world.profiles, world.repository
    await service.earn_for_stay(checked_out("guest-old", 1, Decimal("100"), date(2027, 1, 2)))
    world.clock.now += timedelta(minutes=1)
    await service.earn_for_stay(checked_out("guest-new", 1, Decimal("200"), date(2027, 1, 9)))
    # Step 1 only, as if the process died before step 2: the duplicate is closed.
    duplicate = await repository.get("guest-new")
    await repository.save(
        duplicate,
        sets={"merged_into": "guest-old", "balance": 0},
        pushes={
            "entries": [
                {
                    "entry_id": "transfer|to|guest-old",
                    "kind": "transfer_out",
                    "points": -2_000,
                    "reason": "merged",
                    "balance_after": 0,
                    "created_at": world.clock(),
                }
            ]
        },
    )
    points = await service.points_of("guest-new")  # any reader completes the merge
    assert (points["guest_id"], points["balance"]) == ("guest-old", 3_000)
    await profiles.merge("guest-new", "guest-old")  # and running it again changes nothing
    points = await service.points_of("guest-old")
    assert points["balance"] == 3_000 == sum(e["points"] for e in points["entries"])
    assert (await outbox_types(repository, "guest-old")).count("guest.merged") == 1


async def test_the_daily_pass_visits_every_guest_and_expires_the_quiet_ones_once(
    world: World,
) -> None:
    service, repository = world.service, world.repository
    for n in range(7):
        await service.earn_for_stay(checked_out(f"guest-{n}", 1, Decimal("100"), date(2027, 1, 9)))
    job = DailyPass(service, repository, poll_seconds=3600, batch_size=3)
    world.clock.now = datetime(2029, 2, 1, tzinfo=UTC)  # past 730 days without activity
    assert await job.run_pass() == 7
    assert await job.run_pass() == 7
    for n in range(7):
        points = await service.points_of(f"guest-{n}")
        assert [e["kind"] for e in points["entries"]] == ["earn", "expire"]
        assert points["balance"] == 0
        assert (await outbox_types(repository, f"guest-{n}")).count("loyalty.points_expired") == 1
