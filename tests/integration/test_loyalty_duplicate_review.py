"""Issue 15, identity: no automatic merge on unverified contact data. A booking's contact
(guest.contact_captured) that matches another profile's phone or e-mail goes to the
review list with its evidence; only a verified identity (a walk-in the desk registered
with a checked document, under the same name) merges on its own; a manager decides the
rest. Unverified contact data never rewrites the contact a profile already holds."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from services.loyalty.domain import EnrolmentCreate, ProfileUpdate
from shared.errors import Conflict
from shared.events import GuestContactCaptured, GuestContactPayload, GuestWalkInRegistered
from tests.integration.test_loyalty_ledger_service import World, checked_out


@pytest.fixture
async def world() -> World:
    world = World()
    await world.repository.prepare()
    return world


VICTIM = {"first_name": "Mei", "last_name": "Lin", "email": "mei.lin@example.com"}
VICTIM_PHONE = "+86 138 0013 8000"


def booked(guest_id: str, **contact: str) -> GuestContactCaptured:
    return GuestContactCaptured.new(
        GuestContactPayload(guest_id=guest_id, **contact),
        producer="reservation",
        property_id="demo-hotel",
    )


def walked_in(guest_id: str, **contact: str) -> GuestWalkInRegistered:
    return GuestWalkInRegistered.new(
        GuestContactPayload(guest_id=guest_id, **contact),
        producer="frontdesk",
        property_id="demo-hotel",
    )


async def victim(world: World) -> dict:
    profiles = world.profiles
    await profiles.record_contact(booked("guest-victim", **VICTIM, phone=VICTIM_PHONE))
    await profiles.update_profile(
        "guest-victim", ProfileUpdate.model_validate({"birthday": "1990-04-02"})
    )
    await profiles.enrol("guest-victim", EnrolmentCreate())
    await world.service.earn_for_stay(checked_out("guest-victim", 3, 1500, date(2027, 1, 5)))
    return await profiles.guest("guest-victim")


async def test_a_booking_with_a_victims_phone_or_email_goes_to_review_not_into_the_victim(
    world: World,
) -> None:
    before = await victim(world)
    profiles = world.profiles
    # The attack of the review: someone books with the victim's phone, another time with
    # the victim's e-mail (reservation files another name under another guest id).
    await profiles.record_contact(
        booked(
            "guest-eve",
            first_name="Eve",
            last_name="Stone",
            email="eve@evil.example",
            phone="+8613800138000",
        )
    )
    await profiles.record_contact(
        booked("guest-eve2", first_name="Eve", last_name="Stone", email="MEI.LIN@example.com")
    )

    for attacker in ("guest-eve", "guest-eve2"):
        seen = await profiles.guest(attacker)
        assert seen["_id"] == attacker, "the attacker's id resolves to the victim"
        shown = repr(seen)
        for secret in ("Mei", "mei.lin", "1990-04-02", before["member_number"]):
            assert secret not in shown, secret
        assert seen.get("balance", 0) == 0 and not seen.get("stays")
    after = await profiles.guest("guest-victim")
    assert after["profile"] == before["profile"] and after.get("also_known_as", []) == []
    assert after["balance"] == before["balance"]

    entries = await profiles.duplicates("open", 10)
    assert sorted((e["guest_id"], e["matched_on"], e["source"]) for e in entries) == [
        ("guest-eve", ["phone"], "guest.contact_captured"),
        ("guest-eve2", ["email"], "guest.contact_captured"),
    ]
    assert {e["existing_guest_id"] for e in entries} == {"guest-victim"}
    assert "mei.lin" not in repr(entries) and "13800138000" not in repr(entries)
    print(
        f"\n2 bookings with the victim's phone / e-mail -> {len(entries)} entries on the "
        "review list, 0 merged, the victim's profile unchanged"
    )


async def test_unverified_contact_on_the_same_id_fills_gaps_but_never_overwrites(
    world: World,
) -> None:
    before = await victim(world)
    # A later booking filed under the same guest id (same e-mail and name) with another
    # phone: newest no longer wins for an unverified source.
    await world.profiles.record_contact(
        booked("guest-victim", **VICTIM, phone="+86 139 9999 0000", language="zh")
    )
    after = await world.profiles.guest("guest-victim")
    assert after["profile"]["phone"] == VICTIM_PHONE
    assert after["profile"]["email"] == before["profile"]["email"]
    assert after["profile"]["language"] == "zh"  # not contact data: newest wins
    # A profile without a phone takes one from a booking.
    await world.profiles.record_contact(booked("guest-new", first_name="Li", last_name="Wu"))
    await world.profiles.record_contact(
        booked("guest-new", first_name="Li", last_name="Wu", phone="+86 137 1111 2222")
    )
    assert (await world.profiles.guest("guest-new"))["profile"]["phone"] == "+86 137 1111 2222"


async def test_a_verified_walk_in_under_the_same_name_merges_another_name_goes_to_review(
    world: World,
) -> None:
    await victim(world)
    profiles = world.profiles
    await profiles.record_contact(
        walked_in("walkin-imposter", first_name="Eve", last_name="Stone", phone=VICTIM_PHONE)
    )
    assert (await profiles.guest("walkin-imposter"))["_id"] == "walkin-imposter"
    await profiles.record_contact(
        walked_in("walkin-mei", first_name="MEI", last_name="lin ", phone=VICTIM_PHONE)
    )
    assert (await profiles.guest("walkin-mei"))["_id"] == "guest-victim"
    [entry] = await profiles.duplicates("open", 10)
    assert (entry["guest_id"], entry["source"]) == ("walkin-imposter", "guest.walk_in_registered")


async def test_a_manager_decides_once_and_a_distinct_pair_is_not_raised_again(
    world: World,
) -> None:
    await victim(world)
    profiles = world.profiles
    world.clock.now += timedelta(days=1)  # the second profile is the younger one
    await world.service.earn_for_stay(checked_out("guest-second", 1, 500, date(2027, 1, 8)))
    await profiles.record_contact(
        booked("guest-second", first_name="Mei", last_name="Lin", phone=VICTIM_PHONE)
    )
    await profiles.record_contact(
        booked("guest-other", first_name="Ann", last_name="Lee", email=VICTIM["email"])
    )
    entries = {e["guest_id"]: e for e in await profiles.duplicates("open", 10)}
    assert set(entries) == {"guest-second", "guest-other"}

    merged = await profiles.decide_duplicate(
        entries["guest-second"]["_id"], merge=True, decided_by="boss", reason="same passport"
    )
    assert (merged["status"], merged["surviving_guest_id"]) == ("merged", "guest-victim")
    survivor = await profiles.guest("guest-second")
    assert survivor["_id"] == "guest-victim" and len(survivor["stays"]) == 2
    with pytest.raises(Conflict):
        await profiles.decide_duplicate(
            entries["guest-second"]["_id"], merge=False, decided_by="boss", reason="again"
        )

    distinct = await profiles.decide_duplicate(
        entries["guest-other"]["_id"], merge=False, decided_by="boss", reason="two people"
    )
    assert distinct["status"] == "distinct" and distinct["decided_by"] == "boss"
    # The same pair matching again (another booking) does not reopen the decision.
    await profiles.record_contact(
        booked("guest-other", first_name="Ann", last_name="Lee", email=VICTIM["email"])
    )
    assert await profiles.duplicates("open", 10) == []
    assert (await profiles.guest("guest-other"))["_id"] == "guest-other"


async def test_erasure_drops_the_guests_review_entries(world: World) -> None:
    await victim(world)
    await world.profiles.record_contact(
        booked("guest-eve", first_name="Eve", last_name="Stone", phone=VICTIM_PHONE)
    )
    assert len(await world.profiles.duplicates("open", 10)) == 1
    await world.profiles.erase("guest-eve", "guest request")
    assert await world.profiles.duplicates("open", 10) == []


async def test_erasure_erases_the_words_of_the_guests_requests_in_loyaltys_copy(
    world: World,
) -> None:
    """Issue 15: loyalty keeps the guest's reservations (for segments): on erasure the
    kinds of request stay ("family", "celebration"), the words after them go."""
    from tests.integration.test_loyalty_guest_history import booked as reservation

    await victim(world)
    await world.service.record_reservation(
        reservation("guest-victim", requests=("family", "diet: no gluten, coeliac since 2019"))
    )
    await world.profiles.erase("guest-victim", "guest request")
    guest = await world.repository.get("guest-victim")
    assert [r["special_requests"] for r in guest["reservations"]] == [["family", "diet"]]
    assert "coeliac" not in repr(guest)
