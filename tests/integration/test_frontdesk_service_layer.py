"""Front desk use cases on the embedded store with a clock the test controls: the night
audit (once per night per stay, restart-safe), the late check-out fee, projections
applied newest-first and idempotently, and a double check-in racing itself."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from services.frontdesk.domain import CheckIn, CheckOut, WalkIn
from services.frontdesk.projections import ArrivalNotYetKnown
from services.frontdesk.workers import NightAuditWorker
from shared.errors import Conflict
from shared.events import (
    GuestMerged,
    GuestMergedPayload,
    GuestProfilePayload,
    GuestUpdated,
    ReservationAmended,
    ReservationAmendedPayload,
    ReservationNoShow,
    ReservationNoShowPayload,
)
from shared.property_setup import load_property
from tests.integration.frontdesk_harness import PROPERTY, FixedClock, booking, build

SETUP = load_property()
ARRIVAL, DEPARTURE = date(2027, 3, 10), date(2027, 3, 13)


def at_local(day: date, hour: int, minute: int = 0) -> datetime:
    """A time at the property (Asia/Shanghai, UTC+8) as UTC."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - timedelta(hours=8)


def run(coroutine):
    return asyncio.run(coroutine)


def test_the_night_audit_posts_each_night_once_per_stay_even_after_a_restart() -> None:
    async def scenario() -> tuple[list[int], list[str]]:
        clock = FixedClock(at_local(ARRIVAL, 14))
        desk = await build(SETUP, clock)
        service, folio, projections, _ = desk
        for number in range(3):
            await projections.reservation_created(booking(number, "king", ARRIVAL, DEPARTURE))
            await service.check_in(CheckIn(reservation_id=f"res-{number}"))
        worker = NightAuditWorker(desk.business_day, poll_seconds=60)
        passes = [await worker.work_once()]  # 14:00 on arrival day: nothing due
        clock.now = at_local(ARRIVAL + timedelta(days=1), 2)
        passes.append(await worker.work_once())  # 02:00: the audit hour is 03:00
        clock.now = at_local(ARRIVAL + timedelta(days=1), 4)
        passes.append(await worker.work_once())  # the night of the 10th
        passes.append(await worker.work_once())
        restarted = NightAuditWorker(desk.business_day, poll_seconds=60)
        passes.append(await restarted.work_once())  # a restart posts nothing twice
        passes.append(await folio.night_audit(ARRIVAL))  # nor does the endpoint
        stay = (await service.repository.stays_where({}))[0]
        return passes, [c["charge_id"] for c in stay["charges"]]

    passes, charges = run(scenario())
    assert passes[-1] == 0
    assert charges == ["room|2027-03-10"]


def test_late_check_out_is_charged_by_policy_on_the_departure_day() -> None:
    async def scenario(hour: int, waive: bool = False) -> dict:
        clock = FixedClock(at_local(ARRIVAL, 15))
        service, folio, projections, _ = await build(SETUP, clock)
        await projections.reservation_created(booking(1, "king", ARRIVAL, DEPARTURE, rate="560.00"))
        stay = await service.check_in("res-1")
        clock.now = at_local(DEPARTURE, hour)
        return (await folio.check_out(stay["_id"], CheckOut(waive_late_fee=waive)))["settlement"]

    on_time, half, full, waived = (
        run(scenario(11)),
        run(scenario(15)),
        run(scenario(20)),
        run(scenario(20, waive=True)),
    )
    assert [s["late_checkout_fee"] for s in (on_time, half, full, waived)] == [
        "0.00",
        "280.00",
        "560.00",
        "0.00",
    ]
    assert full["balance"] == "2240.00" and full["other_charges"] == "560.00"
    assert not full["early_departure"]


def test_an_amendment_applies_newest_first_and_waits_for_its_booking() -> None:
    async def scenario():
        service, folio, projections, _ = await build(SETUP)
        created = booking(1, "king", ARRIVAL, DEPARTURE)
        amended = ReservationAmended.new(
            ReservationAmendedPayload(
                reservation_id="res-1",
                guest_id="guest-1",
                changes=[],
                room_type="suite",
                arrival=ARRIVAL,
                departure=DEPARTURE + timedelta(days=1),
                adults=2,
                nightly_rates={"2027-03-10": Decimal("1")},
                total_amount=Decimal("1"),
            ),
            producer="reservation",
            property_id=PROPERTY,
        )
        with pytest.raises(ArrivalNotYetKnown):  # retried until the booking is known
            await projections.reservation_amended(amended)
        await projections.reservation_created(created)
        await service.assign("res-1", None)
        await projections.reservation_amended(amended)
        await projections.reservation_amended(amended)  # a duplicate changes nothing
        stale = amended.model_copy(
            update={
                "occurred_at": created.occurred_at - timedelta(1),
                "payload": amended.payload.model_copy(update={"room_type": "king"}),
            }
        )
        await projections.reservation_amended(stale)  # older than what we hold
        arrival = await service.repository.arrival("res-1")
        held = await service.repository.room_nights.find({}).to_list(None)
        no_show = ReservationNoShow.new(
            ReservationNoShowPayload(
                reservation_id="res-1", guest_id="guest-1", no_show_fee=Decimal("0")
            ),
            producer="reservation",
            property_id=PROPERTY,
        )
        await projections.reservation_no_show(no_show)
        with pytest.raises(Conflict):
            await service.check_in("res-1")
        return arrival, held

    arrival, held = run(scenario())
    assert (arrival["room_type"], arrival["departure"], arrival["assignment"]) == (
        "suite",
        "2027-03-14",
        None,
    )
    assert held == []  # the pre-assigned room went back when the booking changed


def test_a_merged_guest_is_recognised_under_the_surviving_profile() -> None:
    async def scenario():
        service, folio, projections, _ = await build(SETUP)
        for version, tier in ((2, "gold"), (1, "silver")):  # the older update arrives late
            await projections.guest_profile(
                GuestUpdated.new(
                    GuestProfilePayload(
                        guest_id="guest-main",
                        first_name="Mei",
                        last_name="Chen",
                        tier=tier,
                        vip=True,
                        version=version,
                    ),
                    producer="loyalty",
                    property_id=PROPERTY,
                )
            )
        await projections.reservation_created(booking(1, "king", ARRIVAL, DEPARTURE))
        await projections.guest_merged(
            GuestMerged.new(
                GuestMergedPayload(surviving_guest_id="guest-main", merged_guest_ids=["guest-1"]),
                producer="loyalty",
                property_id=PROPERTY,
            )
        )
        return await service.check_in("res-1")

    stay = run(scenario())
    assert stay["guest_id"] == "guest-main" and stay["vip"] is True
    # no stay before this one: a first stay, not "Welcome back"
    assert stay["recognition"]["greeting"] == "Welcome, Mei Chen, gold member, VIP"


def test_a_reservation_checked_in_twice_at_once_gets_one_stay_and_one_room() -> None:
    async def scenario():
        service, folio, projections, database = await build(SETUP, interleave=True)
        await projections.reservation_created(booking(1, "king", ARRIVAL, DEPARTURE))
        outcomes = await asyncio.gather(
            *(service.check_in("res-1") for _ in range(5)), return_exceptions=True
        )
        return outcomes, await database["room_nights"].find({}).to_list(None)

    outcomes, held = run(scenario())
    # Each copy answers with the one stay the winner made (a retry is safe), none fails.
    assert all(isinstance(o, dict) for o in outcomes), outcomes
    assert len({o["_id"] for o in outcomes}) == 1
    stay = outcomes[0]
    assert (
        sorted((n["room_number"], n["stay_id"]) for n in held)
        == [(stay["room_number"], stay["_id"])] * 3
    )


def test_an_early_check_in_takes_the_night_before_in_the_same_room_or_nothing() -> None:
    async def scenario():
        clock = FixedClock(at_local(ARRIVAL - timedelta(days=1), 9))
        service, folio, projections, database = await build(SETUP, clock)
        for number in (1, 2):
            await projections.reservation_created(booking(number, "suite", ARRIVAL, DEPARTURE))
        first = await service.assign("res-1", "901")
        await service.check_in(
            CheckIn(reservation_id="res-2", room_number="902", early_check_in=True)
        )
        # The early guest now holds 901 on the 9th: a walk-in cannot have it that night.
        early = await service.check_in(CheckIn(reservation_id="res-1", early_check_in=True))
        with pytest.raises(Conflict):
            await service.walk_in(
                WalkIn.model_validate(
                    {
                        "room_type": "suite",
                        "departure": "2027-03-10",
                        "adults": 1,
                        "room_number": "901",
                        "registration": {
                            "first_name": "A",
                            "last_name": "B",
                            "gender": "male",
                            "nationality": "CN",
                            "document": {
                                "type": "passport",
                                "number": "E1234567",
                                "expires_on": "2030-01-01",
                            },
                        },
                    }
                )
            )
        held = await database["room_nights"].find({"stay_id": early["_id"]}).to_list(None)
        return first, early, sorted(n["night"] for n in held)

    first, early, held = run(scenario())
    assert early["room_number"] == first["room_number"] == "901"
    assert early["arrival"] == "2027-03-09" and early["nightly_rates"]["2027-03-09"] == "1680.00"
    assert held == ["2027-03-09", "2027-03-10", "2027-03-11", "2027-03-12"]
