"""Issue 12 ("one hotel, one truth"), the desk's side of money, requests and guests, on
the service layer with a clock the test controls. Each test failed before its fix."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from services.frontdesk.domain import CheckIn
from shared.events import CaseOpened, CaseOpenedPayload, CaseResolved, CaseResolvedPayload
from shared.property_setup import load_property
from tests.integration.frontdesk_harness import PROPERTY, FixedClock, booking, build

SETUP = load_property()
ARRIVAL, DEPARTURE = date(2027, 3, 10), date(2027, 3, 13)


def at_local(day: date, hour: int, minute: int = 0) -> datetime:
    """A time at the property (Asia/Shanghai, UTC+8) as UTC."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - timedelta(hours=8)


def run(coroutine):
    return asyncio.run(coroutine)


def test_a_resolved_case_clears_the_desks_alert() -> None:
    async def scenario() -> tuple[list, list, list]:
        service, _, projections, _ = await build(SETUP, FixedClock(at_local(ARRIVAL, 15)))
        await projections.reservation_created(booking(1, "king", ARRIVAL, DEPARTURE))
        stay = await service.check_in(CheckIn(reservation_id="res-1"))
        opened = CaseOpened.new(CaseOpenedPayload(
            case_id="case-1", guest_id="guest-1", stay_id=stay["_id"], category="noise",
            severity="medium", source="phone", owner="gr-wang", in_house=True,
            due_at=datetime(2027, 3, 12, tzinfo=UTC)), producer="feedback", property_id=PROPERTY)
        await projections.case_opened(opened)
        alerts_open = (await service.get_stay(stay["_id"]))["alerts"]
        resolved = CaseResolved.new(CaseResolvedPayload(
            case_id="case-1", guest_id="guest-1", stay_id=stay["_id"], resolution="moved floor"),
            producer="feedback", property_id=PROPERTY)
        await projections.case_resolved(resolved)
        await projections.case_resolved(resolved)  # redelivered: nothing more
        after = await service.get_stay(stay["_id"])
        return alerts_open, after["alerts"], after.get("resolved_alerts", [])

    alerts_open, alerts_after, resolved = run(scenario())
    assert [a["case_id"] for a in alerts_open] == ["case-1"]
    assert alerts_after == []
    assert [(a["case_id"], a["resolution"]) for a in resolved] == [("case-1", "moved floor")]


def test_welcome_back_only_for_a_guest_who_has_stayed_before_under_any_merged_id() -> None:
    from shared.events import (GuestCreated, GuestMerged, GuestMergedPayload,
                               GuestProfilePayload)

    async def scenario() -> list[str]:
        clock = FixedClock(at_local(ARRIVAL, 15))
        service, folio, projections, _ = await build(SETUP, clock)
        for guest_id in ("guest-1", "guest-main"):
            await projections.guest_profile(GuestCreated.new(GuestProfilePayload(
                guest_id=guest_id, first_name="Mei", last_name="Chen"),
                producer="loyalty", property_id=PROPERTY))
        await projections.reservation_created(booking(1, "king", ARRIVAL, DEPARTURE))
        first = await service.check_in(CheckIn(reservation_id="res-1"))
        clock.now = at_local(DEPARTURE, 10)
        await folio.check_out(first["_id"])
        # the same person booked again under another profile; loyalty merges the two
        later = DEPARTURE + timedelta(days=7)
        await projections.reservation_created(booking(2, "king", later, later + timedelta(days=1),
                                                      guest_id="guest-main"))
        await projections.guest_merged(GuestMerged.new(GuestMergedPayload(
            surviving_guest_id="guest-main", merged_guest_ids=["guest-1"]),
            producer="loyalty", property_id=PROPERTY))
        clock.now = at_local(later, 15)
        second = await service.check_in(CheckIn(reservation_id="res-2"))
        return [first["recognition"]["greeting"], second["recognition"]["greeting"]]

    assert run(scenario()) == ["Welcome, Mei Chen", "Welcome back, Mei Chen"]
