"""A guest's profile changed twice before the relay's pass goes out once, with the newer
state (shared/outbox.py, Superseded), and a guest first seen in a booking is published
with the contact every booking carries: a new guest's booking and then the contact made
a guest.created and a guest.updated, each to four departments (issue 14). On the
embedded store in its interleaving mode (test_loyalty_ledger_service.World).

Guards removed (run 2026-12-01, not committed): the replacing write not guarded by the
pending entry's id at its index, `test_an_entry_the_relay_took_meanwhile_...` fails: the
write overwrote the tier event that had moved into the profile's place. A booking's
first sight publishing the profile: `test_a_guest_first_seen_in_a_booking_...` fails."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from typing import Any

import pytest

from services.loyalty.domain import ProfileUpdate
from tests.integration.frontdesk_harness import booking
from tests.integration.test_loyalty_guest_moves import contact
from tests.integration.test_loyalty_ledger_service import World

PROFILE_TYPES = ("guest.created", "guest.updated")


@pytest.fixture
async def world() -> World:
    world = World()
    await world.repository.prepare()
    return world


def prefers(*values: str) -> ProfileUpdate:
    return ProfileUpdate.model_validate({"preferences": {"pillow": list(values)}})


async def outbox(world: World, guest_id: str) -> list[dict[str, Any]]:
    document = await world.repository.guests.find_one({"_id": guest_id})
    return list(document.get("outbox") or [])


def profiles_in(entries: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (entry["type"], json.loads(entry["body"])["payload"])
        for entry in entries
        if entry["type"] in PROFILE_TYPES
    ]


async def relay_sends(world: World, guest_id: str, *event_ids: str) -> None:
    """What the relay does once the broker confirmed: pulls the entries."""
    await world.repository.guests.update_one(
        {"_id": guest_id}, {"$pull": {"outbox": {"event_id": {"$in": list(event_ids)}}}}
    )


async def test_changes_before_the_relay_make_one_created_with_the_newest_profile(
    world: World,
) -> None:
    await world.profiles.record_contact(contact("g-1"))
    await world.profiles.update_profile("g-1", prefers("foam"))
    await world.profiles.update_profile("g-1", prefers("feather"))
    [(kind, profile)] = profiles_in(await outbox(world, "g-1"))
    assert kind == "guest.created"
    assert (profile["version"], profile["email"]) == (3, "wen.li@example.com")
    assert profile["preferences"] == {"pillow": ["feather"]}


async def test_a_profile_the_relay_sent_is_followed_by_an_update(world: World) -> None:
    await world.profiles.record_contact(contact("g-2"))
    [created] = await outbox(world, "g-2")
    await relay_sends(world, "g-2", created["event_id"])
    await world.profiles.update_profile("g-2", prefers("foam"))
    [(kind, profile)] = profiles_in(await outbox(world, "g-2"))
    assert (kind, profile["version"]) == ("guest.updated", 2)


async def test_an_entry_the_relay_took_meanwhile_is_not_overwritten(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The profile pending at index 0 and another event behind it; the relay sends the
    profile between the use case's read of the outbox and its write, so the other event
    moves to index 0. The write finds its entry gone, reads again and appends."""
    await world.profiles.record_contact(contact("g-3"))
    [created] = await outbox(world, "g-3")
    other = {"event_id": "evt-tier", "type": "loyalty.tier_changed", "body": "{}"}
    await world.repository.guests.update_one({"_id": "g-3"}, {"$push": {"outbox": other}})
    read_outbox = world.repository.outbox_of
    taken: list[str] = []

    async def relay_between(guest_id: str) -> dict[str, Any]:
        pending = await read_outbox(guest_id)
        if not taken:
            taken.append(created["event_id"])
            await relay_sends(world, guest_id, created["event_id"])
        return pending

    monkeypatch.setattr(world.repository, "outbox_of", relay_between)
    await world.profiles.update_profile("g-3", prefers("foam"))
    entries = await outbox(world, "g-3")
    assert [entry["event_id"] for entry in entries][:1] == ["evt-tier"]
    assert [(kind, p["version"]) for kind, p in profiles_in(entries)] == [("guest.updated", 2)]


async def test_racing_changes_leave_one_profile_of_the_newest_version(world: World) -> None:
    await world.profiles.record_contact(contact("g-4"))
    await asyncio.gather(
        *(world.profiles.update_profile("g-4", prefers(f"p{n}")) for n in range(5))
    )
    guest = await world.profiles.guest("g-4")
    [(kind, profile)] = profiles_in(await outbox(world, "g-4"))
    assert guest["version"] == 6  # the contact, then one write each
    assert (kind, profile["version"]) == ("guest.created", 6)
    assert world.repository.conflicts > 0  # they really raced


async def test_a_guest_first_seen_in_a_booking_is_published_with_the_contact(
    world: World,
) -> None:
    """Even when the relay passes between the booking and its contact."""
    await world.service.record_reservation(
        booking(1, "king", date(2027, 3, 10), date(2027, 3, 12), guest_id="g-5")
    )
    assert profiles_in(await outbox(world, "g-5")) == []
    await world.profiles.record_contact(contact("g-5"))
    [(kind, profile)] = profiles_in(await outbox(world, "g-5"))
    assert (kind, profile["version"], profile["email"]) == (
        "guest.created",
        2,
        "wen.li@example.com",
    )


async def test_a_booking_after_its_published_contact_is_an_update_with_its_segment(
    world: World,
) -> None:
    """The contact handled first and sent: the booking's segment is news, an update."""
    await world.profiles.record_contact(contact("g-6"))
    [created] = await outbox(world, "g-6")
    await relay_sends(world, "g-6", created["event_id"])
    await world.service.record_reservation(
        booking(2, "king", date(2027, 3, 10), date(2027, 3, 12), guest_id="g-6")
    )
    [(kind, profile)] = profiles_in(await outbox(world, "g-6"))
    assert (kind, profile["version"], profile["segments"]) == ("guest.updated", 2, ["business"])
