"""The profile use cases that move the typed Guest (issue 17: guest_rules.py, written by
GuestStore.move as the fields the rule changed) keep their guards: the document's version
under racing writers, a repeat that changes nothing, a referral raced by two members, and
the merge's completion marked on a closed duplicate only. On the embedded store in its
interleaving mode (test_loyalty_ledger_service.World), so the writers really interleave
between their read and their write.

Guards removed (run 2026-12-01, not committed): save writing by `_id` alone, the racing
writes ended with the consents {'surveys'} (the marketing consent lost) and both
referrals accepted; mark_merge_completed by `_id` alone marked the open guest."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from services.loyalty.domain import ConsentUpdate, EnrolmentCreate, ProfileUpdate
from services.loyalty.guest_rules import merge_completed
from services.loyalty.repository import guest_from_document
from shared.errors import Conflict
from shared.events import GuestContactCaptured, GuestContactPayload
from tests.integration.test_loyalty_ledger_service import World

PROPERTY = "demo-hotel"


@pytest.fixture
async def world() -> World:
    world = World()
    await world.repository.prepare()
    return world


def contact(guest_id: str) -> GuestContactCaptured:
    return GuestContactCaptured.new(
        GuestContactPayload(
            guest_id=guest_id, first_name="Wen", last_name="Li", email="wen.li@example.com"
        ),
        producer="reservation",
        property_id=PROPERTY,
    )


async def test_racing_profile_writes_each_land_whole(world: World) -> None:
    """A booking's contact, an enrolment, two consents and a preference at once: every
    writer that lost the version re-reads and decides again, so none overwrites another
    (without the version in the filter the profile last written would win whole)."""
    profiles = world.profiles
    await profiles.record_contact(contact("g-race"))
    await asyncio.gather(
        profiles.enrol("g-race", EnrolmentCreate(source="web")),
        profiles.update_profile(
            "g-race",
            ProfileUpdate(consents={"marketing": ConsentUpdate(granted=True, source="web")}),
        ),
        profiles.update_profile(
            "g-race",
            ProfileUpdate(consents={"surveys": ConsentUpdate(granted=False, source="app")}),
        ),
        profiles.update_profile("g-race", ProfileUpdate(preferences={"pillow": ["foam"]})),
        profiles.update_profile("g-race", ProfileUpdate(birthday=date(1990, 5, 1), vip=True)),
    )
    guest = guest_from_document(await profiles.guest("g-race"))
    assert guest.member_number and guest.enrolment_source == "web"
    assert set(guest.profile["consents"]) == {"marketing", "surveys"}
    assert guest.profile["preferences"] == {"pillow": ["foam"]}
    assert (guest.profile["birthday"], guest.profile["vip"]) == ("1990-05-01", True)
    assert guest.profile["email"] == "wen.li@example.com"
    assert guest.version == 6  # the contact, then one write each
    assert world.repository.conflicts > 0  # they really raced


async def test_a_repeated_enrolment_or_contact_writes_nothing(world: World) -> None:
    profiles = world.profiles
    captured = contact("g-again")
    await profiles.record_contact(captured)
    await profiles.enrol("g-again", EnrolmentCreate(source="desk"))
    first = await profiles.guest("g-again")
    world.clock.now = world.clock.now.replace(hour=18)
    await profiles.record_contact(captured)  # redelivered: applied once
    await profiles.enrol("g-again", EnrolmentCreate(source="app", marketing_consent=True))
    again = await profiles.guest("g-again")
    assert again == first  # not the version, not the enrolment, not a consent


async def test_two_members_racing_to_refer_one_guest_one_wins(world: World) -> None:
    for member in ("g-m1", "g-m2"):
        await world.profiles.record_contact(contact(member))
        await world.profiles.enrol(member, EnrolmentCreate())
    outcomes = await asyncio.gather(
        world.service.refer("g-m1", "g-new"),
        world.service.refer("g-m2", "g-new"),
        return_exceptions=True,
    )
    refused = [o for o in outcomes if isinstance(o, Conflict)]
    accepted = [o for o in outcomes if isinstance(o, dict)]
    assert (len(accepted), len(refused)) == (1, 1)
    referred = guest_from_document(await world.profiles.guest("g-new"))
    assert referred.referred_by == accepted[0]["referrer"]


async def test_the_merge_completion_marks_a_closed_duplicate_only(world: World) -> None:
    await world.profiles.record_contact(contact("g-open"))
    read = guest_from_document(await world.profiles.guest("g-open"))
    await world.repository.mark_merge_completed(read, merge_completed(read, world.clock()))
    assert (await world.repository.get("g-open") or {}).get("merge_completed_at") is None


async def test_first_sights_of_a_guest_at_once_make_one_document(world: World) -> None:
    """The first events about a guest, at once: one insert makes its document, the others
    meet its key and read it (GuestDocumentStore.ensure), and every event lands. (Fails
    with DuplicateKeyError when the losers do not read the winner's document.)"""
    events = [contact("g-first") for _ in range(3)]
    await asyncio.gather(*(world.profiles.record_contact(event) for event in events))
    document = await world.profiles.guest("g-first")
    assert guest_from_document(document).profile["email"] == "wen.li@example.com"
    assert sorted(document["applied_events"]) == sorted(str(e.event_id) for e in events)
    assert document["version"] == len(events)  # one write each, on the one document
