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
        opened = CaseOpened.new(
            CaseOpenedPayload(
                case_id="case-1",
                guest_id="guest-1",
                stay_id=stay["_id"],
                category="noise",
                severity="medium",
                source="phone",
                owner="gr-wang",
                in_house=True,
                due_at=datetime(2027, 3, 12, tzinfo=UTC),
            ),
            producer="feedback",
            property_id=PROPERTY,
        )
        await projections.case_opened(opened)
        alerts_open = (await service.get_stay(stay["_id"]))["alerts"]
        resolved = CaseResolved.new(
            CaseResolvedPayload(
                case_id="case-1", guest_id="guest-1", stay_id=stay["_id"], resolution="moved floor"
            ),
            producer="feedback",
            property_id=PROPERTY,
        )
        await projections.case_resolved(resolved)
        await projections.case_resolved(resolved)  # redelivered: nothing more
        after = await service.get_stay(stay["_id"])
        return alerts_open, after["alerts"], after.get("resolved_alerts", [])

    alerts_open, alerts_after, resolved = run(scenario())
    assert [a["case_id"] for a in alerts_open] == ["case-1"]
    assert alerts_after == []
    assert [(a["case_id"], a["resolution"]) for a in resolved] == [("case-1", "moved floor")]


def test_welcome_back_only_for_a_guest_who_has_stayed_before_under_any_merged_id() -> None:
    from shared.events import GuestCreated, GuestMerged, GuestMergedPayload, GuestProfilePayload

    async def scenario() -> list[str]:
        clock = FixedClock(at_local(ARRIVAL, 15))
        service, folio, projections, _ = await build(SETUP, clock)
        for guest_id in ("guest-1", "guest-main"):
            await projections.guest_profile(
                GuestCreated.new(
                    GuestProfilePayload(guest_id=guest_id, first_name="Mei", last_name="Chen"),
                    producer="loyalty",
                    property_id=PROPERTY,
                )
            )
        await projections.reservation_created(booking(1, "king", ARRIVAL, DEPARTURE))
        first = await service.check_in(CheckIn(reservation_id="res-1"))
        clock.now = at_local(DEPARTURE, 10)
        await folio.check_out(first["_id"])
        # the same person booked again under another profile; loyalty merges the two
        later = DEPARTURE + timedelta(days=7)
        await projections.reservation_created(
            booking(2, "king", later, later + timedelta(days=1), guest_id="guest-main")
        )
        await projections.guest_merged(
            GuestMerged.new(
                GuestMergedPayload(surviving_guest_id="guest-main", merged_guest_ids=["guest-1"]),
                producer="loyalty",
                property_id=PROPERTY,
            )
        )
        clock.now = at_local(later, 15)
        second = await service.check_in(CheckIn(reservation_id="res-2"))
        return [first["recognition"]["greeting"], second["recognition"]["greeting"]]

    assert run(scenario()) == ["Welcome, Mei Chen", "Welcome back, Mei Chen"]


def _room_check(stay: dict, check_id: str = "check-1"):
    from decimal import Decimal

    from shared.events import ItemCharge, RoomItemCheckReported, RoomItemCheckReportedPayload

    return RoomItemCheckReported.new(
        RoomItemCheckReportedPayload(
            check_id=check_id,
            stay_id=stay["_id"],
            room_number=stay["room_number"],
            damages=[ItemCharge(description="cracked TV", amount=Decimal("1000.00"))],
            minibar=[ItemCharge(description="water", quantity=2, amount=Decimal("50.00"))],
        ),
        producer="housekeeping",
        property_id=PROPERTY,
    )


async def _desk_with_a_guest(clock: FixedClock, wait_seconds: float = 900):
    from services.frontdesk.departure import DepartureDesk

    desk = await build(SETUP, clock)
    await desk.projections.reservation_created(booking(1, "king", ARRIVAL, DEPARTURE))
    leaving, clock.now = clock.now, at_local(ARRIVAL, 15)  # checked in on the arrival day
    stay = await desk.service.check_in(CheckIn(reservation_id="res-1"))
    clock.now = leaving
    return desk, stay, DepartureDesk(desk.folio, room_check_wait_seconds=wait_seconds)


def test_check_out_waits_for_the_room_check_and_bills_it() -> None:
    """The 1,050.00 check that gave compensation 0.00: asked for before settling now."""

    async def scenario():
        clock = FixedClock(at_local(DEPARTURE, 11, 50))
        desk, stay, departures = await _desk_with_a_guest(clock)
        asked = await departures.request_checkout(stay["_id"])
        again = await departures.request_checkout(stay["_id"])  # asked twice: one request
        outbox = [
            e["type"]
            for e in (await desk.database["stays"].find_one({"_id": stay["_id"]}))["outbox"]
        ]
        clock.now = at_local(DEPARTURE, 12, 20)  # housekeeping reports after noon
        await desk.projections.item_check_reported(_room_check(stay))
        await desk.projections.item_check_reported(_room_check(stay))  # redelivered
        return asked, again, outbox, await desk.folio.get_stay(stay["_id"])

    asked, again, outbox, closed = run(scenario())
    assert asked["status"] == again["status"] == "in_house"
    assert outbox.count("stay.room_check_requested") == 1
    settlement = closed["settlement"]
    assert closed["status"] == "checked_out"
    assert (
        settlement["room_charges"],
        settlement["compensation"],
        settlement["other_charges"],
        settlement["late_checkout_fee"],
        settlement["balance"],
    ) == ("1500.00", "1000.00", "50.00", "0.00", "2550.00")  # asked at 11:50: no late fee
    assert settlement["item_checks"] == ["check-1"]


def test_a_room_check_after_settlement_goes_on_a_post_departure_invoice() -> None:
    async def scenario():
        clock = FixedClock(at_local(DEPARTURE, 10))
        desk, stay, departures = await _desk_with_a_guest(clock, wait_seconds=600)
        await departures.request_checkout(stay["_id"])
        clock.now = at_local(DEPARTURE, 10, 9)
        early = await departures.settle_overdue()  # 9 minutes: still waiting
        clock.now = at_local(DEPARTURE, 10, 11)
        overdue = await departures.settle_overdue()
        await desk.projections.item_check_reported(_room_check(stay))
        await desk.projections.item_check_reported(_room_check(stay))  # redelivered
        raw = await desk.database["stays"].find_one({"_id": stay["_id"]})
        charged = [
            e
            for e in raw["outbox"]
            if e["type"] == "folio.charge_posted" and '"check|check-1|' in e["body"]
        ]
        return (
            early,
            overdue,
            await desk.folio.folio(stay["_id"]),
            await desk.folio.get_stay(stay["_id"]),
            charged,
        )

    early, overdue, folio, closed, charged = run(scenario())
    assert (early, overdue) == (0, 1)
    assert closed["settlement"]["compensation"] == "0.00"
    [invoice] = folio["post_departure_invoices"]
    assert invoice["total"] == "1050.00" and invoice["amount_due"] == "1050.00"
    assert invoice["invoice_number"] == closed["settlement"]["invoice_number"] + "-1"
    assert invoice["check_id"] == "check-1"
    assert len(charged) == 2  # each line of the check published once, for accounting


def test_the_desk_posts_a_damage_itself() -> None:
    from decimal import Decimal

    from services.frontdesk.domain import ChargeCreate

    async def scenario():
        clock = FixedClock(at_local(ARRIVAL, 20))
        desk, stay, _ = await _desk_with_a_guest(clock)
        await desk.folio.post_charge(
            stay["_id"],
            ChargeCreate(
                category="damage",
                amount=Decimal("320.00"),
                description="burnt carpet",
                reference="DMG-1",
            ),
        )
        clock.now = at_local(DEPARTURE, 9)
        return (await desk.folio.check_out(stay["_id"]))["settlement"]

    settlement = run(scenario())
    assert (settlement["compensation"], settlement["balance"]) == ("320.00", "1820.00")


def test_what_was_paid_at_booking_is_on_the_folio_and_amendment_fees_stay_charged() -> None:
    """The deposit paid at booking never reached the folio (the guest paid twice); and
    a non-refundable 2,800.00 stay amended to one night must not refund 2,240.00."""
    from decimal import Decimal

    from shared.events import FieldChange, ReservationAmended, ReservationAmendedPayload

    async def scenario():
        clock = FixedClock(at_local(ARRIVAL, 15))
        desk = await build(SETUP, clock)
        five_nights = ARRIVAL + timedelta(days=5)
        await desk.projections.reservation_created(
            booking(
                1,
                "king",
                ARRIVAL,
                five_nights,
                rate="560.00",
                deposit_paid=Decimal("2800.00"),
                non_refundable=True,
            )
        )
        await desk.projections.reservation_created(
            booking(2, "king", ARRIVAL, ARRIVAL + timedelta(days=2), deposit_paid=Decimal("250.00"))
        )
        await desk.projections.reservation_amended(
            ReservationAmended.new(
                ReservationAmendedPayload(
                    reservation_id="res-1",
                    guest_id="guest-1",
                    changes=[
                        FieldChange(
                            field="departure",
                            old=five_nights.isoformat(),
                            new=(ARRIVAL + timedelta(days=1)).isoformat(),
                        )
                    ],
                    room_type="king",
                    arrival=ARRIVAL,
                    departure=ARRIVAL + timedelta(days=1),
                    adults=1,
                    nightly_rates={ARRIVAL.isoformat(): Decimal("560.00")},
                    total_amount=Decimal("560.00"),
                    deposit_paid=Decimal("2800.00"),
                    non_refundable=True,
                    amendment_fees=Decimal("2240.00"),
                ),
                producer="reservation",
                property_id=PROPERTY,
            )
        )
        prepaid = await desk.service.check_in(CheckIn(reservation_id="res-1"))
        deposit = await desk.service.check_in(CheckIn(reservation_id="res-2"))
        clock.now = at_local(ARRIVAL + timedelta(days=1), 10)
        one = (await desk.folio.check_out(prepaid["_id"]))["settlement"]
        clock.now = at_local(ARRIVAL + timedelta(days=2), 10)
        two = (await desk.folio.check_out(deposit["_id"]))["settlement"]
        return one, two

    one, two = run(scenario())
    assert (
        one["room_charges"],
        one["other_charges"],
        one["deposit"],
        one["balance"],
        one["refund"],
    ) == ("560.00", "2240.00", "2800.00", "0.00", "0.00")
    assert (two["room_charges"], two["deposit"], two["amount_due"]) == (
        "1000.00",
        "250.00",
        "750.00",
    )


def test_a_finished_housekeeping_task_closes_the_request_and_the_guest_is_told() -> None:
    from services.frontdesk.domain import GuestRequestCreate
    from services.frontdesk.request_follow_up import RequestFollowUp
    from shared.events import HkTaskCompleted, HkTaskCompletedPayload

    async def scenario():
        clock = FixedClock(at_local(ARRIVAL, 20))
        desk, stay, _ = await _desk_with_a_guest(clock)
        request = await desk.service.raise_request(
            stay["_id"],
            GuestRequestCreate(kind="amenities", details="two extra towels", taken_by="desk-li"),
        )
        follow_up = RequestFollowUp(desk.service.repository, lambda: None)
        done = HkTaskCompleted.new(
            HkTaskCompletedPayload(
                task_id=f"request|{request['request_id']}",
                kind="amenity_delivery",
                room_number=stay["room_number"],
                stay_id=stay["_id"],
                request_id=request["request_id"],
            ),
            producer="housekeeping",
            property_id=PROPERTY,
        )
        other = HkTaskCompleted.new(
            HkTaskCompletedPayload(  # no request behind it
                task_id="stayover|x", kind="stayover_service", room_number=stay["room_number"]
            ),
            producer="housekeeping",
            property_id=PROPERTY,
        )
        results = [await follow_up.task_completed(e) for e in (done, done, other)]
        raw = await desk.database["stays"].find_one({"_id": stay["_id"]})
        raised = [e for e in raw["outbox"] if e["type"] == "guest.request_raised"]
        told = [e for e in raw["outbox"] if e["type"] == "guest.request_completed"]
        return results, raw, raised, told

    results, raw, raised, told = run(scenario())
    assert results == [True, False, False]
    [request] = raw["requests"]
    assert request["status"] == "done" and request["task_id"].startswith("request|")
    assert [n["message"] for n in raw["guest_notices"]] == [
        "What you asked for has been brought to your room."
    ]
    assert len(told) == 1 and '"guest_id":"guest-1"' in told[0]["body"].replace(" ", "")
    assert '"guest_id":"guest-1"' in raised[0]["body"].replace(" ", "")


def test_an_overstay_is_charged_by_policy_and_the_guest_stays_on_the_in_house_list() -> None:
    async def scenario():
        clock = FixedClock(at_local(ARRIVAL, 15))
        desk = await build(SETUP, clock)
        desk.folio.overstay_rate_percent = Decimal("150")
        await desk.projections.reservation_created(booking(1, "king", ARRIVAL, DEPARTURE))
        stay = await desk.service.check_in(CheckIn(reservation_id="res-1"))
        for night in range(3):
            await desk.folio.night_audit(ARRIVAL + timedelta(days=night))
        clock.now = at_local(DEPARTURE, 20)  # still here in the evening of departure day
        in_house = await desk.service.in_house_on(DEPARTURE)
        posted = await desk.folio.night_audit(DEPARTURE)  # the night after departure
        again = await desk.folio.night_audit(DEPARTURE)
        clock.now = at_local(DEPARTURE + timedelta(days=1), 10)
        settlement = (await desk.folio.check_out(stay["_id"]))["settlement"]
        after = await desk.service.in_house_on(DEPARTURE + timedelta(days=1))
        return in_house, posted, again, settlement, after

    from decimal import Decimal

    in_house, posted, again, settlement, after = run(scenario())
    assert [(s["_id"] is not None, s.get("overstay")) for s in in_house] == [(True, True)]
    assert (posted, again) == (1, 0)
    assert (settlement["nights"], settlement["room_charges"]) == (4, "2250.00")  # 3x500 + 750
    assert after == []


def test_the_arrivals_list_follows_the_full_amended_record() -> None:
    """reservation.amended did not carry special requests, room count or guest name, so
    the desk's arrivals list kept the old values."""
    from decimal import Decimal

    from shared.events import FieldChange, ReservationAmended, ReservationAmendedPayload

    async def scenario():
        desk = await build(SETUP, FixedClock(at_local(ARRIVAL - timedelta(days=3), 10)))
        await desk.projections.reservation_created(
            booking(1, "king", ARRIVAL, DEPARTURE, special_requests=["quiet"])
        )
        await desk.projections.reservation_amended(
            ReservationAmended.new(
                ReservationAmendedPayload(
                    reservation_id="res-1",
                    guest_id="guest-1",
                    changes=[FieldChange(field="special_requests")],
                    room_type="king",
                    arrival=ARRIVAL,
                    departure=DEPARTURE,
                    adults=2,
                    children=1,
                    nightly_rates=booking(1, "king", ARRIVAL, DEPARTURE).payload.nightly_rates,
                    total_amount=Decimal("1500.00"),
                    guest_name="Mei Lin",
                    room_count=2,
                    special_requests=["bed: twin", "celebration: anniversary"],
                ),
                producer="reservation",
                property_id=PROPERTY,
            )
        )
        [arrival] = await desk.service.arrivals_on(ARRIVAL)
        return arrival

    arrival = run(scenario())
    assert (arrival["guest_name"], arrival["room_count"], arrival["adults"]) == ("Mei Lin", 2, 2)
    assert arrival["special_requests"] == ["bed: twin", "celebration: anniversary", "family"]
