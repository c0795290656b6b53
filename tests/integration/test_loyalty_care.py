"""Issue 18, care between stays (seeds 000 一(四), 二(二); 001 一, 十): festival and birthday
greetings by SMS as well as e-mail, once per guest and occasion; a card and a gift after a
VIP's or a celebrating guest's stay; follow-up calls for high-value guests; an owner for
problem guests; a segment's guests listed. Injected clock, embedded store."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from fastapi import FastAPI

from services.loyalty.care import LUNAR_FESTIVALS, care_router
from services.loyalty.config import Settings
from services.loyalty.domain import ProfileUpdate
from services.loyalty.messenger import CampaignMessenger
from services.loyalty.workers import DailyPass
from shared.auth import Principal, current_principal
from shared.errors import Conflict, Unprocessable
from shared.events import CaseOpened, CaseOpenedPayload
from shared.problems import install_problem_handlers
from shared.sms import FileSmsGateway
from tests.integration.test_loyalty_ledger_service import World, checked_out
from tests.integration.test_loyalty_win_back import booking, stay_of


class RecordingMail:
    def __init__(self) -> None:
        self.sent: list = []

    async def send(self, message) -> None:
        self.sent.append(message)


async def consenting_guest(world: World, guest_id: str, **contact) -> None:
    await world.service.earn_for_stay(checked_out(guest_id, 2, Decimal("900"), date(2027, 3, 13)))
    await world.profiles.update_profile(
        guest_id,
        ProfileUpdate.model_validate(
            {"consents": {"marketing": {"granted": True, "source": "web"}}, **contact}
        ),
    )
    await world.repository.guests.update_one(
        {"_id": guest_id},
        {"$set": {"profile.email": f"{guest_id}@example.com", "profile.first_name": "Mei"}},
    )


def messenger(world: World, tmp_path) -> tuple[CampaignMessenger, RecordingMail, FileSmsGateway]:
    mail, sms = RecordingMail(), FileSmsGateway(tmp_path / "sms.log")
    settings = Settings(sms_log_path=str(tmp_path / "sms.log"))
    return (
        CampaignMessenger(world.repository, mail, settings, clock=world.clock, sms=sms),
        mail,
        sms,
    )


async def test_festival_and_birthday_greetings_go_by_sms_and_email_once_per_occasion(
    tmp_path,
) -> None:
    world = World()
    await world.repository.prepare()
    await consenting_guest(world, "g-both", phone="+86 138 0013 8000", birthday="1990-09-15")
    await consenting_guest(world, "g-sms", phone="+86 139 0000 1111")
    await world.repository.guests.update_one({"_id": "g-sms"}, {"$unset": {"profile.email": ""}})
    job = DailyPass(world.service, world.repository, poll_seconds=3600, batch_size=10)
    send, mail, sms = messenger(world, tmp_path)

    world.clock.now = datetime(2027, 9, 14, 1, tzinfo=UTC)  # the eve: nothing
    await job.run_pass()
    assert await send.work_once() == 0

    mid_autumn = datetime(2027, 9, 15, 1, tzinfo=UTC)
    assert LUNAR_FESTIVALS[mid_autumn.date()] == "mid-autumn"
    world.clock.now = mid_autumn  # Mid-Autumn 2027, and g-both's birthday
    for _ in range(3):  # the pass runs again and again the same day
        await job.run_pass()
        await send.work_once()
    sent = sorted(
        [("email", m["To"], m["Subject"].split(" from")[0]) for m in mail.sent]
        + [("sms", t["to"][-4:], t["body"].split(": ", 1)[1][:12]) for t in sms.sent()]
    )
    assert sent == [
        ("email", "g-both@example.com", "Happy Mid-Autumn Festival"),
        ("email", "g-both@example.com", "Happy birthday"),
        ("sms", "1111", "Mei, Happy M"),
        ("sms", "8000", "Mei, Happy M"),
        ("sms", "8000", "Mei, Happy b"),
    ]
    assert all("138" not in t["to"] and "139" not in t["to"] for t in sms.sent())  # masked

    world.clock.now = datetime(2028, 1, 26, 1, tzinfo=UTC)  # Spring Festival 2028
    await job.run_pass()
    await job.run_pass()
    await send.work_once()
    assert [m["Subject"] for m in mail.sent[2:]] == [
        "Happy Spring Festival from Demo Hotel / 春节快乐"
    ]
    assert len(sms.sent()) == 3 + 2  # and one text to each of the two guests


async def test_a_withdrawn_consent_stops_the_queued_text(tmp_path) -> None:
    world = World()
    await world.repository.prepare()
    await consenting_guest(world, "g-stop", phone="+86 138 0013 8000")
    job = DailyPass(world.service, world.repository, poll_seconds=3600, batch_size=10)
    send, mail, sms = messenger(world, tmp_path)
    world.clock.now = datetime(2027, 9, 15, 1, tzinfo=UTC)
    await job.run_pass()
    await world.profiles.update_profile(
        "g-stop",
        ProfileUpdate.model_validate(
            {"consents": {"marketing": {"granted": False, "source": "phone"}}}
        ),
    )
    await send.work_once()
    assert (mail.sent, sms.sent()) == ([], [])
    statuses = {m["channel"]: m["status"] for m in await world.repository.all_messages(10)}
    assert statuses == {"email": "cancelled", "sms": "cancelled"}


async def test_a_card_and_a_gift_after_a_celebration_or_a_vip_stay_once(tmp_path) -> None:
    world = World()
    await world.repository.prepare()
    for guest_id in ("g-party", "g-vip", "g-plain"):
        await consenting_guest(world, guest_id)
    await world.profiles.update_profile("g-vip", ProfileUpdate(vip=True))
    booked = datetime(2027, 4, 1, 10, tzinfo=UTC)
    party = booking("g-party", "res-party", booked)
    party = party.model_copy(
        update={
            "payload": party.payload.model_copy(
                update={"special_requests": ["celebration: 40th birthday"]}
            )
        }
    )
    await world.service.record_reservation(party)
    for guest_id in ("g-vip", "g-plain"):
        await world.service.record_reservation(booking(guest_id, f"res-{guest_id}", booked))
    world.clock.now = datetime(2027, 4, 23, 4, tzinfo=UTC)
    for guest_id, reservation_id in (
        ("g-party", "res-party"),
        ("g-vip", "res-g-vip"),
        ("g-plain", "res-g-plain"),
    ):
        stay = stay_of(guest_id, reservation_id, date(2027, 4, 23))
        for _ in range(2):  # the checkout redelivered
            await world.service.earn_for_stay(stay)
    cards = [
        (m["guest_id"], m["template"])
        for m in await world.repository.all_messages(50)
        if m["template"] == "post-stay-card"
    ]
    assert sorted(cards) == [("g-party", "post-stay-card"), ("g-vip", "post-stay-card")]
    gifts = await world.repository.care_tasks.find({"kind": "post_stay_gift"}).to_list(None)
    assert sorted((g["guest_id"], g["reason"], g["due_on"]) for g in gifts) == [
        ("g-party", "celebration", "2027-04-26"),
        ("g-vip", "vip", "2027-04-26"),
    ]


async def test_high_value_guests_get_a_follow_up_call_a_quarter_and_vip_treatment(
    tmp_path,
) -> None:
    world = World()
    await world.repository.prepare()
    world.clock.now = datetime(2027, 5, 2, 1, tzinfo=UTC)
    await world.service.earn_for_stay(checked_out("g-high", 10, Decimal("25000"), date(2027, 5, 1)))
    await world.service.earn_for_stay(checked_out("g-low", 1, Decimal("300"), date(2027, 5, 1)))
    high = await world.repository.guests.find_one({"_id": "g-high"})
    assert "high-value" in high["segments"]
    profile_events = [e for e in high["outbox"] if e["type"] in ("guest.created", "guest.updated")]
    assert '"vip":true' in profile_events[-1]["body"]  # the desk sees the VIP flag

    job = DailyPass(world.service, world.repository, poll_seconds=3600, batch_size=10)
    for day in (2, 3, 20):  # three passes in one quarter: one call
        world.clock.now = datetime(2027, 5, day, 1, tzinfo=UTC)
        await job.run_pass()
    world.clock.now = datetime(2027, 7, 1, 1, tzinfo=UTC)  # the next quarter: the next call
    await job.run_pass()

    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(care_router(world.repository.care_tasks, world.clock))
    app.dependency_overrides[current_principal] = lambda: Principal(
        key_id="gr-lin", scopes=frozenset({"loyalty"})
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://loyalty"
    ) as client:
        calls = (await client.get("/care/tasks", params={"kind": "follow_up_call"})).json()
        assert [(t["guest_id"], t["due_on"]) for t in calls["items"]] == [
            ("g-high", "2027-05-09"),
            ("g-high", "2027-07-08"),
        ]
        first = calls["items"][0]["task_id"]
        done = await client.post(f"/care/tasks/{first}/done", json={"outcome": "called, happy"})
        assert done.status_code == 200 and done.json()["done_by"] == "gr-lin"
        again = await client.post(f"/care/tasks/{first}/done", json={"outcome": "again"})
        assert again.status_code == 409
        assert again.headers["content-type"] == "application/problem+json"
        left = (await client.get("/care/tasks", params={"kind": "follow_up_call"})).json()
        assert left["total"] == 1


async def test_a_problem_guest_gets_a_guest_relations_owner_and_a_recovery_contact() -> None:
    world = World()
    await world.repository.prepare()
    world.clock.now = datetime(2027, 5, 2, 1, tzinfo=UTC)
    await world.service.earn_for_stay(checked_out("g-sad", 1, Decimal("300"), date(2027, 5, 1)))
    opened = CaseOpened.new(
        CaseOpenedPayload(
            case_id="case-1",
            guest_id="g-sad",
            category="noise",
            severity="high",
            source="phone",
            owner="desk-anna",
            due_at=world.clock.now + timedelta(hours=4),
        ),
        producer="feedback",
        property_id="demo-hotel",
    )
    await world.service.record_case(opened)
    job = DailyPass(world.service, world.repository, poll_seconds=3600, batch_size=10)
    await job.run_pass()
    await job.run_pass()
    sad = await world.repository.get("g-sad")
    assert ("at-risk" in sad["segments"], sad["relations_owner"]) == (True, "guest-relations")
    tasks = await world.repository.care_tasks.find({"guest_id": "g-sad"}).to_list(None)
    assert [(t["kind"], t["owner"]) for t in tasks] == [("recovery_contact", "guest-relations")]
    from mongomock_motor import AsyncMongoMockClient

    from services.loyalty.api import loyalty_router
    from shared.audit import AuditLog

    app = FastAPI()
    install_problem_handlers(app)
    audit = AuditLog(AsyncMongoMockClient().get_database("audit"), "demo-hotel")
    app.include_router(loyalty_router(world.service, world.profiles, job, audit))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://loyalty"
    ) as client:
        listed = (await client.get("/segments/at-risk/guests")).json()
        unknown = await client.get("/segments/everyone/guests")
    assert [(g["guest_id"], g["relations_owner"]) for g in listed["items"]] == [
        ("g-sad", "guest-relations")
    ]
    assert "email" not in str(listed)  # no contact details in a list
    assert unknown.status_code == 422


# --- segments that act: churn causes before win-back, offers, referrals ------------------


async def test_why_a_guest_left_is_analysed_before_the_win_back_offer_and_reported() -> None:
    world = World()
    await world.repository.prepare()
    for guest_id in ("g-unhappy", "g-quiet"):
        await consenting_guest(world, guest_id)  # one stay, departed 2027-03-13
    world.clock.now = datetime(2027, 3, 14, 1, tzinfo=UTC)
    await world.service.record_case(
        CaseOpened.new(
            CaseOpenedPayload(
                case_id="case-cold",
                guest_id="g-unhappy",
                category="room_temperature",
                severity="medium",
                source="phone",
                owner="desk-anna",
                due_at=world.clock.now + timedelta(hours=24),
            ),
            producer="feedback",
            property_id="demo-hotel",
        )
    )
    job = DailyPass(world.service, world.repository, poll_seconds=3600, batch_size=10)
    world.clock.now = datetime(2028, 6, 1, 1, tzinfo=UTC)  # 15 months on: lapsing
    await job.run_pass()
    await job.run_pass()
    unhappy = await world.repository.get("g-unhappy")
    assert unhappy["lifecycle"] == "lapsing"
    assert unhappy["win_back_offer"]["causes"] == ["complaint", "single_stay"]
    assert (await world.repository.get("g-quiet"))["win_back_offer"]["causes"] == ["single_stay"]
    calls = await world.repository.care_tasks.find({"kind": "win_back_call"}).to_list(None)
    assert [(c["guest_id"], c["due_on"]) for c in calls] == [("g-unhappy", "2028-06-01")]

    from services.loyalty.offers import churn_report

    report = churn_report(await world.repository.guests_by_lifecycle(("lapsing", "lost"), 100))
    assert report["guests"] == 2
    assert {k: v for k, v in report["by_cause"].items() if v} == {"complaint": 1, "single_stay": 2}


async def test_acquisition_business_and_family_offers_go_once_a_year() -> None:
    world = World()
    await world.repository.prepare()
    from services.loyalty.domain import EnrolmentCreate

    await world.service.record_reservation(
        booking("g-new", "res-new", datetime(2027, 4, 1, tzinfo=UTC))
    )
    await world.profiles.enrol("g-new", EnrolmentCreate(source="web", marketing_consent=True))
    await world.repository.guests.update_one(
        {"_id": "g-new"}, {"$set": {"profile.email": "new@example.com"}}
    )
    family = booking("g-fam", "res-fam", datetime(2027, 4, 1, tzinfo=UTC))
    family = family.model_copy(
        update={"payload": family.payload.model_copy(update={"children": 2})}
    )
    await consenting_guest(world, "g-fam")
    await world.service.record_reservation(family)
    job = DailyPass(world.service, world.repository, poll_seconds=3600, batch_size=10)
    for day in (2, 3):
        world.clock.now = datetime(2027, 4, day, 1, tzinfo=UTC)
        await job.run_pass()
    templates = sorted(
        (m["guest_id"], m["template"])
        for m in await world.repository.all_messages(100)
        if m["template"].endswith("-offer")
    )
    assert ("g-fam", "family-offer") in templates and ("g-new", "welcome-offer") in templates
    assert len(templates) == len(set(templates))  # once
    world.clock.now = datetime(2028, 4, 2, 1, tzinfo=UTC)  # a year on: the family offer again
    await job.run_pass()
    family_offers = [
        m["_id"]
        for m in await world.repository.all_messages(100)
        if m["template"] == "family-offer"
    ]
    assert family_offers == ["offer|family|2027|g-fam", "offer|family|2028|g-fam"]


async def test_a_referral_rewards_the_member_once_when_the_referred_guest_has_stayed() -> None:
    from services.loyalty.domain import EnrolmentCreate
    from services.loyalty.offers import REFERRAL_POINTS

    world = World()
    await world.repository.prepare()
    await consenting_guest(world, "g-member")
    await world.profiles.enrol("g-member", EnrolmentCreate(source="desk"))
    before = (await world.service.points_of("g-member"))["balance"]
    await world.service.refer("g-member", "g-friend")
    with pytest.raises(Conflict):
        await world.service.refer("g-member", "g-friend")
    with pytest.raises(Unprocessable):
        await world.service.refer("g-member", "g-member")

    stay = checked_out("g-friend", 2, Decimal("800"), date(2027, 5, 3))
    for _ in range(3):  # the checkout redelivered
        await world.service.earn_for_stay(stay)
    await world.service.earn_for_stay(checked_out("g-friend", 1, Decimal("400"), date(2027, 6, 1)))
    points = await world.service.points_of("g-member")
    rewards = [e for e in points["entries"] if e["entry_id"].startswith("referral|")]
    assert [(e["entry_id"], e["points"]) for e in rewards] == [
        ("referral|g-friend", REFERRAL_POINTS)
    ]
    assert points["balance"] == before + REFERRAL_POINTS


def test_a_members_perks_travel_in_the_profile_event_for_the_desk() -> None:
    from services.loyalty.domain import projection

    assert projection({"_id": "g", "tier": "Silver", "member_number": "M1"})["perks"] == [
        "member_rate",
        "fast_lane",
        "late_checkout",
    ]
    assert projection({"_id": "g"})["perks"] == []  # not a member: no perks
