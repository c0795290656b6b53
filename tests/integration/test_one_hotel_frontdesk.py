"""Issue 12, the desk's side, in-process with a clock the test moves: the business date
(a day crossing 16:00 UTC and midnight at the hotel), the night audit that closes it,
check-in only on the arrival date, rooms promised to bookings, N rooms for room_count N,
and an extension that tells the other departments."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from services.frontdesk.domain import CheckIn, StayExtend, WalkIn
from services.frontdesk.promises import RoomPromised
from shared.errors import Conflict
from shared.property_setup import load_property
from tests.integration.frontdesk_harness import FixedClock, booking, build, property_file

MARCH_10, MARCH_11, MARCH_12 = date(2027, 3, 10), date(2027, 3, 11), date(2027, 3, 12)


def walk_in(room_type: str, departure: str) -> WalkIn:
    return WalkIn.model_validate(
        {
            "room_type": room_type,
            "departure": departure,
            "adults": 1,
            "registration": {
                "first_name": "A",
                "last_name": "B",
                "gender": "male",
                "nationality": "CN",
                "document": {"type": "passport", "number": "E1234567", "expires_on": "2030-01-01"},
            },
        }
    )


def outbox_types(document: dict[str, Any]) -> list[str]:
    return [entry["type"] for entry in document.get("outbox", [])]


def payload(entry: dict[str, Any]) -> dict[str, Any]:
    return json.loads(entry["body"])["payload"]


def run(coroutine):
    return asyncio.run(coroutine)


def hotel(tmp_path: Path, rooms: dict[str, int]):
    return load_property(str(property_file(tmp_path, rooms)))


def test_a_day_crossing_16_utc_and_midnight_at_the_hotel_stays_one_business_day(
    tmp_path: Path,
) -> None:
    async def scenario():
        clock = FixedClock(datetime(2027, 3, 10, 6, tzinfo=UTC))  # 14:00 at the hotel
        desk = await build(hotel(tmp_path, {"king": 4}), clock)
        await desk.projections.reservation_created(booking(1, "king", MARCH_10, MARCH_12))
        await desk.projections.reservation_created(booking(2, "king", MARCH_10, MARCH_11))
        # 16:30 UTC is 00:30 on the 11th at the hotel: the business date is still the 10th.
        clock.now = datetime(2027, 3, 10, 16, 30, tzinfo=UTC)
        assert await desk.business_day.today() == MARCH_10
        late = await desk.service.check_in(CheckIn(reservation_id="res-1"))
        # "Tomorrow" for the desk is the 11th: a walk-in leaving then has one night, the 10th.
        walked = await desk.service.walk_in(walk_in("king", "2027-03-11"))
        assert (late["arrival"], walked["arrival"]) == ("2027-03-10", "2027-03-10")
        # The night audit (at 01:00) closes the 10th: room nights posted, date rolled,
        # business_day.closed naming the arrival that never came.
        clock.now = datetime(2027, 3, 10, 17, tzinfo=UTC)
        closed = await desk.business_day.close()
        again = await desk.business_day.close(MARCH_10)
        day = await desk.database["business_days"].find_one({})
        return closed, again, day, await desk.business_day.today()

    closed, again, day, today = run(scenario())
    assert (closed["night"], closed["posted"], closed["closed"]) == (MARCH_10, 2, True)
    assert (again["posted"], again["closed"]) == (0, False)  # once
    assert today == MARCH_11 and day["open_date"] == "2027-03-11"
    [event] = day["outbox"]
    assert event["type"] == "business_day.closed"
    assert payload(event)["expected_arrivals_not_checked_in"] == ["res-2"]


def test_a_guest_checks_in_on_the_arrival_business_date_only(tmp_path: Path) -> None:
    async def scenario():
        clock = FixedClock(datetime(2027, 3, 9, 6, tzinfo=UTC))  # the 9th, 14:00 local
        desk = await build(hotel(tmp_path, {"king": 4}), clock)
        await desk.projections.reservation_created(booking(1, "king", MARCH_10, MARCH_12))
        with pytest.raises(Conflict, match="arrives on 2027-03-10") as refused:
            await desk.service.check_in(CheckIn(reservation_id="res-1"))
        assert refused.value.extensions["business_date"] == "2027-03-09"
        # 08:00 on the arrival day (before the standard hour): an early check-in, fine.
        clock.now = datetime(2027, 3, 10, 0, tzinfo=UTC)
        return await desk.service.check_in(CheckIn(reservation_id="res-1"))

    stay = run(scenario())
    assert stay["arrival"] == "2027-03-10" and sorted(stay["nightly_rates"]) == [
        "2027-03-10",
        "2027-03-11",
    ]


def test_the_desk_never_gives_away_a_room_promised_to_a_booking(tmp_path: Path) -> None:
    async def scenario():
        clock = FixedClock(datetime(2027, 3, 10, 6, tzinfo=UTC))
        desk = await build(hotel(tmp_path, {"suite": 2, "king": 2}), clock)
        await desk.projections.reservation_created(booking(1, "suite", MARCH_10, MARCH_12))
        await desk.projections.reservation_created(booking(2, "suite", MARCH_11, MARCH_12))
        # One suite is free tonight, none tomorrow (both promised).
        first = await desk.service.walk_in(walk_in("suite", "2027-03-11"))
        with pytest.raises(RoomPromised, match="2027-03-10") as tonight:
            await desk.service.walk_in(walk_in("suite", "2027-03-11"))
        with pytest.raises(RoomPromised, match="2027-03-11") as extension:
            await desk.service.extend(first["_id"], StayExtend(departure=MARCH_12))
        king = await desk.service.walk_in(walk_in("king", "2027-03-12"))
        return tonight.value, extension.value, king

    tonight, extension, king = run(scenario())
    assert isinstance(tonight, Conflict) and tonight.extensions["night"] == "2027-03-10"
    assert extension.extensions["night"] == "2027-03-11"
    assert king["room_type"] == "king"


def test_room_count_two_gives_two_stays_each_billed_one_room(tmp_path: Path) -> None:
    async def scenario():
        clock = FixedClock(datetime(2027, 3, 10, 6, tzinfo=UTC))
        desk = await build(hotel(tmp_path, {"king": 4}), clock)
        # 2 rooms x 2 nights at 500.01: the booking's nightly rate is for both rooms.
        await desk.projections.reservation_created(
            booking(1, "king", MARCH_10, MARCH_12, rate="1000.02", room_count=2)
        )
        first = await desk.service.check_in(CheckIn(reservation_id="res-1"))
        arrival = await desk.database["arrivals"].find_one({"_id": "res-1"})
        second = await desk.service.check_in(CheckIn(reservation_id="res-1"))
        with pytest.raises(Conflict, match="all its 2 rooms"):
            await desk.service.check_in(CheckIn(reservation_id="res-1"))
        return first, second, arrival, await desk.database["arrivals"].find_one({"_id": "res-1"})

    first, second, halfway, arrival = run(scenario())
    assert first["room_number"] != second["room_number"]
    assert (
        first["nightly_rates"]
        == second["nightly_rates"]
        == {"2027-03-10": "500.01", "2027-03-11": "500.01"}
    )
    assert halfway["status"] == "expected" and arrival["status"] == "checked_in"


def test_an_extension_publishes_stay_extended(tmp_path: Path) -> None:
    async def scenario():
        clock = FixedClock(datetime(2027, 3, 10, 6, tzinfo=UTC))
        desk = await build(hotel(tmp_path, {"king": 2}), clock)
        stay = await desk.service.walk_in(walk_in("king", "2027-03-11"))
        await desk.service.extend(stay["_id"], StayExtend(departure=MARCH_12))
        return await desk.database["stays"].find_one({"_id": stay["_id"]})

    stay = run(scenario())
    assert stay["departure"] == "2027-03-12"
    assert outbox_types(stay)[-1] == "stay.extended"
    assert payload(stay["outbox"][-1])["old_departure"] == "2027-03-11"


def test_concurrent_walk_ins_never_take_a_room_promised_to_a_booking(tmp_path: Path) -> None:
    """The promised-room guard read, then took a room: walk-ins arriving together all
    read "one room free" and took the booking's room too. Exactly the rooms free to give
    (3 kings, 1 promised: 2) go to 12 walk-ins at once, in each of 8 interleavings; the
    booked guest still gets hers. With the room night's unique key removed (run
    2026-12-01, not committed) all 12 walk-ins were let, in 1 room: (12, 0, True, 1)."""

    async def scenario(seed: int):
        clock = FixedClock(datetime(2027, 3, 10, 6, tzinfo=UTC))
        desk = await build(hotel(tmp_path, {"king": 3}), clock, interleave=True, seed=seed)
        await desk.projections.reservation_created(booking(1, "king", MARCH_10, MARCH_12))
        answers = await asyncio.gather(
            *(desk.service.walk_in(walk_in("king", "2027-03-11")) for _ in range(12)),
            return_exceptions=True,
        )
        try:
            booked = await desk.service.check_in(CheckIn(reservation_id="res-1"))
        except Conflict:
            booked = None
        return answers, booked

    outcomes = []
    for seed in range(8):
        answers, booked = run(scenario(seed))
        let = [a for a in answers if isinstance(a, dict)]
        refused = [a for a in answers if isinstance(a, Conflict)]
        rooms = {stay["room_number"] for stay in [*let, *([booked] if booked else [])]}
        outcomes.append((len(let), len(refused), booked is not None, len(rooms)))
    assert outcomes == [(2, 10, True, 3)] * 8, outcomes


def test_a_room_out_of_order_on_a_night_to_come_is_not_given_that_night(tmp_path: Path) -> None:
    """The desk counted out-of-order rooms for tonight only (by their status), while
    reservation sells one room fewer on every night of a period: a walk-in took the last
    king tomorrow, when one king is broken and the other promised to a booking."""
    from shared.events import (
        RoomOutOfOrderCancelled,
        RoomOutOfOrderChanged,
        RoomOutOfOrderPayload,
        RoomOutOfOrderScheduled,
    )

    def period(kind, nights, revision):
        return kind.new(
            RoomOutOfOrderPayload(
                period_id="p-1",
                room_number="201",
                room_type="king",
                kind="out_of_order",
                start=datetime(2027, 3, 11, 4, tzinfo=UTC),
                end=datetime(2027, 3, 12, 3, tzinfo=UTC),
                nights=nights,
                revision=revision,
            ),
            producer="housekeeping",
            property_id="demo-hotel",
        )

    async def scenario():
        clock = FixedClock(datetime(2027, 3, 10, 6, tzinfo=UTC))
        desk = await build(hotel(tmp_path, {"king": 2}), clock)
        await desk.projections.reservation_created(booking(1, "king", MARCH_11, MARCH_12))
        scheduled = period(RoomOutOfOrderScheduled, [MARCH_11], 0)
        await desk.projections.out_of_order(scheduled, cancelled=False)
        with pytest.raises(RoomPromised, match="2027-03-11") as refused:
            await desk.service.walk_in(walk_in("king", "2027-03-12"))
        # ended before it began (revision 1), then the first copy redelivered: still ended
        await desk.projections.out_of_order(period(RoomOutOfOrderChanged, [], 1), cancelled=False)
        await desk.projections.out_of_order(scheduled, cancelled=False)
        let = await desk.service.walk_in(walk_in("king", "2027-03-12"))
        await desk.projections.out_of_order(
            period(RoomOutOfOrderCancelled, [MARCH_11], 1), cancelled=True
        )
        return refused.value, let

    refused, let = run(scenario())
    assert refused.extensions["night"] == "2027-03-11"
    assert let["room_type"] == "king"


def test_a_named_room_of_another_type_is_not_one_promised_to_a_booking(tmp_path: Path) -> None:
    """The promised-room guard counted the type the guest came for: a check-in, an
    assignment or a walk-in naming a room of ANOTHER type took a suite both bookings of
    suites were promised. Suites 200-201 are both promised; of kings 202-204 one is free."""

    async def scenario():
        clock = FixedClock(datetime(2027, 3, 10, 6, tzinfo=UTC))
        desk = await build(hotel(tmp_path, {"suite": 2, "king": 3}), clock)
        for number in (1, 2):
            await desk.projections.reservation_created(booking(number, "suite", MARCH_10, MARCH_12))
        await desk.projections.reservation_created(booking(3, "king", MARCH_10, MARCH_11))
        await desk.projections.reservation_created(booking(4, "king", MARCH_10, MARCH_11))
        refused = []
        with pytest.raises(RoomPromised, match="2027-03-10") as check_in:
            await desk.service.check_in(CheckIn(reservation_id="res-3", room_number="200"))
        refused.append(check_in.value)
        with pytest.raises(RoomPromised, match="2027-03-10") as assignment:
            await desk.service.assign("res-4", "201")
        refused.append(assignment.value)
        named = walk_in("king", "2027-03-11").model_copy(update={"room_number": "201"})
        with pytest.raises(RoomPromised, match="2027-03-10") as walked:
            await desk.service.walk_in(named)
        refused.append(walked.value)
        # the suites' own guests still get them; a king named at check-in is given
        suites = [await desk.service.check_in(CheckIn(reservation_id=f"res-{n}")) for n in (1, 2)]
        king = await desk.service.check_in(CheckIn(reservation_id="res-3", room_number="203"))
        held = await desk.database["room_nights"].count_documents({})
        return refused, suites, king, held

    refused, suites, king, held = run(scenario())
    assert [r.extensions["room_type"] for r in refused] == ["suite"] * 3
    assert sorted(s["room_number"] for s in suites) == ["200", "201"]
    assert king["room_number"] == "203"
    assert held == 2 + 2 + 1  # two suites x two nights, one king x one night: nothing leaked


def test_a_multi_room_bookings_deposit_is_on_the_bill_once(tmp_path: Path) -> None:
    """Every room's folio of a 2-room booking took the whole deposit (1,000.03 paid, 2,000.06
    on the bills: the first room's settlement refunded money the guest never paid). Each
    folio carries its room's part, as it carries its room's part of the rates."""
    from decimal import Decimal

    async def scenario():
        clock = FixedClock(datetime(2027, 3, 10, 6, tzinfo=UTC))
        desk = await build(hotel(tmp_path, {"king": 4}), clock)
        await desk.projections.reservation_created(
            booking(
                1,
                "king",
                MARCH_10,
                MARCH_12,
                rate="1000.02",
                room_count=2,
                deposit_paid=Decimal("1000.03"),
            )
        )
        stays = [await desk.service.check_in(CheckIn(reservation_id="res-1")) for _ in range(2)]
        clock.now = datetime(2027, 3, 12, 2, tzinfo=UTC)  # 10:00 on the departure day
        return [(await desk.folio.check_out(s["_id"]))["settlement"] for s in stays]

    first, second = run(scenario())
    deposits = [Decimal(s["deposit"]) for s in (first, second)]
    assert deposits == [Decimal("500.01"), Decimal("500.02")]
    assert sum(deposits) == Decimal("1000.03")  # what the guest paid, on the bills once
    assert [s["refund"] for s in (first, second)] == ["0.00", "0.00"]
    assert [s["amount_due"] for s in (first, second)] == ["500.01", "500.00"]


def test_a_withdrawn_redemption_is_not_on_the_folio_in_either_order(tmp_path: Path) -> None:
    """An amendment dropped a redeemed night; the desk kept the allowance and credited the
    folio for a night the guest no longer bought. Withdrawn after it was applied, or before
    the applied event (redelivered late) reaches the desk: not on the folio either way."""
    from decimal import Decimal

    from services.frontdesk.points_allowances import PointsAllowances
    from shared.events import (
        RedemptionApplied,
        RedemptionAppliedPayload,
        RedemptionWithdrawn,
        RedemptionWithdrawnPayload,
    )

    def redemption(kind, reservation: str, redemption_id: str, **extra):
        fields = {
            "reservation_id": reservation,
            "guest_id": reservation.replace("res", "guest"),
            "redemption_id": redemption_id,
            "redeemed_for": "night",
            "night": MARCH_10,
            "points": 3000,
            "value": Decimal("500.00"),
            **extra,
        }
        payload = (
            RedemptionAppliedPayload if kind is RedemptionApplied else RedemptionWithdrawnPayload
        )
        return kind.new(payload(**fields), producer="reservation", property_id="demo-hotel")

    async def scenario():
        clock = FixedClock(datetime(2027, 3, 10, 6, tzinfo=UTC))
        desk = await build(hotel(tmp_path, {"king": 4}), clock)
        allowances = PointsAllowances(desk.service.repository, clock, lambda: None)
        for number in (1, 2):
            await desk.projections.reservation_created(booking(number, "king", MARCH_10, MARCH_12))
        applied = redemption(RedemptionApplied, "res-1", "redeem|a")
        await allowances.applied(applied)
        await allowances.withdrawn(redemption(RedemptionWithdrawn, "res-1", "redeem|a", reason="x"))
        await allowances.applied(applied)  # redelivered after the withdrawal
        await allowances.withdrawn(redemption(RedemptionWithdrawn, "res-2", "redeem|b", reason="x"))
        await allowances.applied(redemption(RedemptionApplied, "res-2", "redeem|b"))
        stays = [await desk.service.check_in(CheckIn(reservation_id=f"res-{n}")) for n in (1, 2)]
        clock.now = datetime(2027, 3, 12, 2, tzinfo=UTC)
        return [(await desk.folio.check_out(s["_id"]))["settlement"] for s in stays]

    for settlement in run(scenario()):
        assert (settlement["room_charges"], settlement["amount_due"]) == ("1000.00", "1000.00")
