"""Issue 12: housekeeping habits and a long-stay guest's fixed room could not be set
through any API. Now they are profile preferences set over loyalty's API
(PATCH /guests/{id}), carried by the guest's profile event to housekeeping and the front desk."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from mongomock_motor import AsyncMongoMockClient
from pydantic import ValidationError

from services.frontdesk.domain import CheckIn
from services.loyalty.domain import ProfileUpdate
from shared.events import EVENTS_BY_TYPE, GuestContactCaptured, GuestContactPayload
from shared.property_setup import load_property
from tests.integration.frontdesk_harness import FixedClock, booking, build
from tests.integration.test_loyalty_ledger_service import World
from tests.unit.test_housekeeping_workday import FakeClock, Housekeeping, checked_in

PROPERTY = "demo-hotel"


async def test_habits_and_fixed_room_set_in_loyalty_reach_housekeeping_and_the_desk() -> None:
    world = World()
    await world.repository.prepare()
    await world.profiles.record_contact(
        GuestContactCaptured.new(
            GuestContactPayload(
                guest_id="guest-1", first_name="Mei", last_name="Chen", email="mei@example.com"
            ),
            producer="reservation",
            property_id=PROPERTY,
        )
    )
    await world.profiles.update_profile(
        "guest-1",
        ProfileUpdate.model_validate(
            {"preferences": {"housekeeping": ["no_service", "time:10:30"], "fixed_room": ["802"]}}
        ),
    )
    document = await world.repository.guests.find_one({"_id": "guest-1"})
    [update] = [
        EVENTS_BY_TYPE[e["type"]].model_validate_json(e["body"])
        for e in document["outbox"]
        # the newest profile: while the first waits for the relay, it is replaced by the
        # newer (shared/outbox.py, Superseded), so it goes out as guest.created
        if e["type"] in ("guest.created", "guest.updated")
    ][-1:]
    assert update.payload.preferences["fixed_room"] == ["802"]

    hk = await Housekeeping(
        AsyncMongoMockClient(tz_aware=True).get_database("hk"),
        FakeClock(datetime(2027, 3, 1, 8, tzinfo=UTC)),
    ).prepare()
    await hk.service.on_guest_profile(update)
    await hk.service.on_check_in(checked_in("401", date(2027, 3, 1), 3, "guest-1", "s-1"))
    assert (await hk.tasks.plan_day(date(2027, 3, 2)))["stayovers_created"] == []

    desk = await build(load_property(), FixedClock(datetime(2027, 3, 10, 7, tzinfo=UTC)))
    await desk.projections.guest_profile(update)
    await desk.projections.reservation_created(
        booking(1, "deluxe", date(2027, 3, 10), date(2027, 3, 30), guest_id="guest-1")
    )
    stay = await desk.service.check_in(CheckIn(reservation_id="res-1"))
    assert stay["room_number"] == "802"


@pytest.mark.parametrize(
    "preferences",
    [
        {"housekeeping": ["clean at noon"]},
        {"housekeeping": ["linen_every:0"]},
        {"fixed_room": ["801", "802"]},
    ],
)
def test_malformed_habits_and_rooms_are_refused(preferences: dict) -> None:
    with pytest.raises(ValidationError):
        ProfileUpdate.model_validate({"preferences": preferences})
