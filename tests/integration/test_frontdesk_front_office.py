"""Issue 18 (seed 002 ch. 10, 12; seed 000 一(四)): the guest's opinion at check-out, a
guest walked to a partner hotel, the communication log and shift handover, and the
front-office metrics, through the desk's routes in-process on the embedded store."""

from __future__ import annotations

from contextlib import aclosing
from datetime import UTC, date, datetime

import httpx
from fastapi import FastAPI, Request

from services.frontdesk.api import frontdesk_router
from services.frontdesk.front_office import FrontOffice
from services.frontdesk.front_office_api import front_office_router
from shared.audit import AuditLog
from shared.auth import Principal, current_principal
from shared.problems import install_problem_handlers
from tests.integration.frontdesk_harness import PROPERTY, FixedClock, booking, build
from tests.integration.test_one_hotel_frontdesk import hotel

MARCH_10, MARCH_12 = date(2027, 3, 10), date(2027, 3, 12)


def as_desk(request: Request) -> Principal:
    return Principal(request.headers.get("x-test-key", "desk-1"), frozenset({"frontdesk"}))


async def office(tmp_path):  # type: ignore[no-untyped-def]
    clock = FixedClock(datetime(2027, 3, 10, 8, tzinfo=UTC))  # 16:00 at the hotel
    desk = await build(hotel(tmp_path, {"king": 3}), clock)
    for number in (1, 2, 3):
        await desk.projections.reservation_created(booking(number, "king", MARCH_10, MARCH_12))
    front_office = FrontOffice(desk.service, desk.database)
    await front_office.prepare()
    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(
        frontdesk_router(
            desk.service, desk.folio, AuditLog(desk.database, PROPERTY), desk.business_day
        )
    )
    app.include_router(front_office_router(front_office))
    app.dependency_overrides[current_principal] = as_desk
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://desk")
    return desk, clock, client


async def test_the_opinion_at_check_out_is_asked_once_and_a_low_one_is_a_complaint(
    tmp_path,
) -> None:
    desk, clock, client = await office(tmp_path)
    async with aclosing(client):
        unhappy = (await client.post("/stays", json={"reservation_id": "res-1"})).json()
        happy = (await client.post("/stays", json={"reservation_id": "res-2"})).json()
        clock.now = datetime(2027, 3, 12, 2, tzinfo=UTC)
        for stay in (unhappy, happy):
            assert (await client.post(f"/stays/{stay['stay_id']}/checkout")).status_code == 200
        low = {"score": 2, "comment": "noisy corridor at night", "taken_by": "desk-1"}
        first = await client.post(f"/stays/{unhappy['stay_id']}/opinion", json=low)
        again = await client.post(f"/stays/{unhappy['stay_id']}/opinion", json={**low, "score": 1})
        fine = await client.post(
            f"/stays/{happy['stay_id']}/opinion", json={"score": 5, "taken_by": "desk-1"}
        )
        bad = await client.post(
            f"/stays/{happy['stay_id']}/opinion", json={"score": 9, "taken_by": "desk-1"}
        )
    assert first.status_code == 201 and first.json()["complaint_id"]
    assert again.json()["score"] == 2  # asked once: the first answer stands
    assert fine.status_code == 201 and fine.json()["complaint_id"] is None  # no complaint
    assert bad.status_code == 422
    stored = await desk.database["stays"].find_one({"_id": unhappy["stay_id"]})
    assert [c["category"] for c in stored["complaints"]] == ["opinion at check-out"]
    raised = [e for e in stored["outbox"] if e["type"] == "complaint.raised"]
    assert len(raised) == 1
    happy_stored = await desk.database["stays"].find_one({"_id": happy["stay_id"]})
    assert happy_stored.get("complaints", []) == []


async def test_a_walked_guest_is_recorded_with_the_cost_and_no_longer_expected(tmp_path) -> None:
    desk, _, client = await office(tmp_path)
    walk = {
        "partner_hotel": "Harbour View Hotel",
        "nights": 2,
        "room_cost": "1300.00",
        "transport_cost": "80.00",
        "reason": "king rooms out of order after a leak",
    }
    async with aclosing(client):
        walked = await client.post("/arrivals/res-3/walk", json=walk)
        again = await client.post("/arrivals/res-3/walk", json=walk)
        check_in = await client.post("/stays", json={"reservation_id": "res-3"})
        listed = await client.get("/walks", params={"from": "2027-03-10", "to": "2027-03-10"})
        arrivals = (await client.get("/arrivals", params={"date": "2027-03-10"})).json()
    assert walked.status_code == 201, walked.text
    assert walked.json()["total_cost"] == "1380.00" and walked.json()["arranged_by"] == "desk-1"
    assert again.json() == walked.json()
    assert check_in.status_code == 409
    assert (listed.json()["count"], listed.json()["total_cost"]) == (1, "1380.00")
    [res3] = [a for a in arrivals["items"] if a["reservation_id"] == "res-3"]
    assert res3["status"] == "walked"


async def test_the_log_and_the_shift_handover_are_signed_by_the_credential(tmp_path) -> None:
    _, _, client = await office(tmp_path)
    async with aclosing(client):
        follow_up = (
            await client.post(
                "/logbook",
                json={
                    "kind": "follow_up",
                    "text": "res-2 arrives late, keep the room",
                    "reservation_id": "res-2",
                },
            )
        ).json()
        await client.post("/logbook", json={"text": "printer fixed"})
        handover = (
            await client.post("/shift-handovers", json={"shift": "morning", "notes": "calm"})
        ).json()
        own = await client.post(f"/shift-handovers/{handover['handover_id']}/acknowledge")
        acked = await client.post(
            f"/shift-handovers/{handover['handover_id']}/acknowledge",
            headers={"x-test-key": "desk-2"},
        )
        done = await client.post(
            f"/logbook/{follow_up['entry_id']}/done", headers={"x-test-key": "desk-2"}
        )
        still_open = (await client.get("/logbook", params={"open": "true"})).json()["items"]
        everything = (await client.get("/logbook")).json()["items"]
        latest = (await client.get("/shift-handovers/latest")).json()
    assert follow_up["author"] == "desk-1"
    assert handover["open_follow_ups"] == [follow_up["entry_id"]]
    assert (handover["arrivals_expected"], handover["in_house"]) == (3, 0)
    assert own.status_code == 409
    assert acked.json()["acknowledged_by"] == "desk-2"
    assert (done.json()["done_by"], still_open) == ("desk-2", [])
    assert len(everything) == 2
    assert latest["handover_id"] == handover["handover_id"]


async def test_front_office_metrics_over_a_period(tmp_path) -> None:
    _, clock, client = await office(tmp_path)
    async with aclosing(client):
        first = (await client.post("/stays", json={"reservation_id": "res-1"})).json()
        clock.now = datetime(2027, 3, 10, 11, tzinfo=UTC)  # 19:00 at the hotel
        second = (await client.post("/stays", json={"reservation_id": "res-2"})).json()
        await client.post(
            "/arrivals/res-3/walk",
            json={"partner_hotel": "Harbour", "nights": 2, "room_cost": "900.00", "reason": "full"},
        )
        await client.post(
            f"/stays/{first['stay_id']}/complaints",
            json={
                "category": "noise",
                "severity": "low",
                "description": "party next door",
                "taken_by": "desk-1",
            },
        )
        clock.now = datetime(2027, 3, 12, 2, tzinfo=UTC)
        for stay, score in ((first, 2), (second, 5)):
            await client.post(f"/stays/{stay['stay_id']}/checkout")
            await client.post(
                f"/stays/{stay['stay_id']}/opinion", json={"score": score, "taken_by": "desk-1"}
            )
        metrics = (
            await client.get(
                "/front-office/metrics", params={"from": "2027-03-10", "to": "2027-03-12"}
            )
        ).json()
        too_long = await client.get(
            "/front-office/metrics", params={"from": "2027-01-01", "to": "2027-12-31"}
        )
    assert (metrics["check_ins"], metrics["check_outs"]) == (2, 2)
    assert metrics["check_ins_by_hour"] == {"16:00": 1, "19:00": 1}
    assert metrics["complaints_by_category"] == {"noise": 1, "opinion at check-out": 1}
    assert metrics["opinions"] == {"count": 2, "average": 3.5, "low": 1}
    assert metrics["walks"] == {"count": 1, "total_cost": "900.00"}
    assert metrics["errors"] == {"failed_departure_checks": 0}
    assert too_long.status_code == 422


async def test_the_arrivals_list_shows_the_expected_times_as_booked_and_amended(tmp_path) -> None:
    from datetime import time

    from shared.events import ReservationAmended, ReservationAmendedPayload

    desk, _, client = await office(tmp_path)
    await desk.projections.reservation_created(
        booking(
            7,
            "king",
            MARCH_10,
            MARCH_12,
            expected_arrival_time=time(22, 30),
            expected_departure_time=time(6, 0),
        )
    )
    async with aclosing(client):
        before = (await client.get("/arrivals", params={"date": "2027-03-10"})).json()["items"]
        await desk.projections.reservation_amended(
            ReservationAmended.new(
                ReservationAmendedPayload(
                    reservation_id="res-7",
                    guest_id="guest-7",
                    changes=[{"field": "expected_arrival_time", "old": "22:30:00", "new": None}],
                    room_type="king",
                    arrival=MARCH_10,
                    departure=MARCH_12,
                    adults=1,
                    nightly_rates={"2027-03-10": "500.00", "2027-03-11": "500.00"},
                    total_amount="1000.00",
                    expected_departure_time=time(6, 0),
                    reason="the guest does not know yet",
                ),
                producer="reservation",
                property_id=PROPERTY,
            )
        )
        after = (await client.get("/arrivals", params={"date": "2027-03-10"})).json()["items"]
    [booked] = [a for a in before if a["reservation_id"] == "res-7"]
    assert (booked["expected_arrival_time"], booked["expected_departure_time"]) == (
        "22:30:00",
        "06:00:00",
    )
    [amended] = [a for a in after if a["reservation_id"] == "res-7"]
    assert (amended["expected_arrival_time"], amended["expected_departure_time"]) == (
        None,
        "06:00:00",
    )
    plain = [a for a in before if a["reservation_id"] == "res-1"][0]
    assert plain["expected_arrival_time"] is None
