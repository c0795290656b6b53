"""Issue 12, guests across departments, on the embedded store: a walk-in reaches the
guest profiles through a guest-profile event, and is matched to the guest's existing
profile by loyalty; the desk follows the merge."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from services.frontdesk.domain import WalkIn
from shared.events import EVENTS_BY_TYPE, GuestContactCaptured, GuestContactPayload, GuestMerged
from shared.property_setup import load_property
from tests.integration.frontdesk_harness import PROPERTY, FixedClock, build
from tests.integration.test_loyalty_ledger_service import World


async def test_a_walk_in_creates_a_guest_profile_and_is_matched_to_the_guest() -> None:
    desk = await build(load_property(), FixedClock(datetime(2027, 3, 10, 7, tzinfo=UTC)))
    stay = await desk.service.walk_in(
        WalkIn.model_validate(
            {
                "room_type": "king",
                "departure": "2027-03-12",
                "adults": 1,
                "registration": {
                    "first_name": "Mei",
                    "last_name": "Chen",
                    "gender": "female",
                    "nationality": "CN",
                    "email": "Mei.Chen@example.com",
                    "document": {
                        "type": "passport",
                        "number": "E1234567",
                        "expires_on": "2030-01-01",
                    },
                },
            }
        )
    )
    raw = await desk.database["stays"].find_one({"_id": stay["_id"]})
    [entry] = [e for e in raw["outbox"] if e["type"] == "guest.walk_in_registered"]
    assert "E1234567" not in entry["body"]  # contact only, never the document
    walk_in = EVENTS_BY_TYPE[entry["type"]].model_validate_json(entry["body"])

    world = World()
    await world.repository.prepare()
    await world.profiles.record_contact(
        GuestContactCaptured.new(
            GuestContactPayload(
                guest_id="guest-booked",
                first_name="Mei",
                last_name="Chen",
                email="mei.chen@example.com",
            ),
            producer="reservation",
            property_id=PROPERTY,
        )
    )
    await world.profiles.record_contact(walk_in)
    await world.profiles.record_contact(walk_in)  # redelivered
    survivor = await world.profiles.guest(stay["guest_id"])
    assert survivor["_id"] == "guest-booked"  # the same person: one profile
    merged = await world.repository.guests.find_one({"_id": "guest-booked"})
    merges = [
        json.loads(e["body"]) for e in merged.get("outbox", []) if e["type"] == "guest.merged"
    ]
    assert [m["payload"]["merged_guest_ids"] for m in merges] == [[stay["guest_id"]]]

    await desk.projections.guest_merged(GuestMerged.model_validate(merges[0]))
    assert (await desk.service.get_stay(stay["_id"]))["guest_id"] == "guest-booked"


async def test_a_walk_in_alone_gets_its_own_profile() -> None:
    world = World()
    await world.repository.prepare()
    from shared.events import GuestWalkInRegistered

    await world.profiles.record_contact(
        GuestWalkInRegistered.new(
            GuestContactPayload(
                guest_id="walkin-1", first_name="Li", last_name="Wei", phone="+86 139 0000 1111"
            ),
            producer="frontdesk",
            property_id=PROPERTY,
        )
    )
    guest = await world.profiles.guest("walkin-1")
    assert guest["profile"]["first_name"] == "Li"
    created = await world.repository.guests.find_one({"_id": "walkin-1"})
    assert "guest.created" in [e["type"] for e in created.get("outbox", [])]
