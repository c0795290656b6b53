"""The stay aggregate models every field the desk writes (issue 17): the stays the service
itself produces through its routes, consumers and jobs (a check-in and a walk-in, a room
move, an extension, a shortening, the folio's postings, requests, complaints, alerts,
companions, corrections, the departure check and request, check-outs, an overstay, an
opinion, a late room check, a redemption after the folio closed, erasure and retention)
read back field for field, and each field of the aggregate is one of them."""

from __future__ import annotations

from contextlib import aclosing
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI, Request

from services.frontdesk.api import frontdesk_router
from services.frontdesk.config import Settings
from services.frontdesk.departure import DepartureDesk
from services.frontdesk.front_office import FrontOffice
from services.frontdesk.front_office_api import front_office_router
from services.frontdesk.main import retention_job
from services.frontdesk.registration_api import registration_router
from services.frontdesk.registration_desk import RegistrationDesk
from services.frontdesk.request_follow_up import RequestFollowUp
from services.frontdesk.stay_aggregate import Stay
from services.frontdesk.stay_store import NO_OUTBOX, stay_from_document, stay_to_document
from shared.audit import AuditLog
from shared.auth import Principal, current_principal
from shared.events import (
    CaseOpened,
    CaseOpenedPayload,
    CaseResolved,
    CaseResolvedPayload,
    GuestAnonymized,
    GuestAnonymizedPayload,
    HkTaskCompleted,
    HkTaskCompletedPayload,
    ItemCharge,
    RoomItemCheckReported,
    RoomItemCheckReportedPayload,
)
from shared.problems import install_problem_handlers
from shared.retention import RetentionJob
from tests.integration.frontdesk_harness import PROPERTY, FixedClock, booking, build
from tests.integration.test_one_hotel_frontdesk import hotel
from tests.integration.test_points_after_the_folio_closed import returned_by_the_desk

MARCH_10, MARCH_11, MARCH_12, MARCH_13 = (date(2027, 3, day) for day in (10, 11, 12, 13))
GUEST = {
    "first_name": "Mei",
    "last_name": "Chen",
    "gender": "female",
    "nationality": "CN",
    "document": {"type": "passport", "number": "E1234567", "expires_on": "2030-01-01"},
    "email": "mei@example.com",
}
COMPANION = {
    **GUEST,
    "first_name": "Bo",
    "gender": "male",
    "document": {"type": "passport", "number": "E7654321", "expires_on": "2031-05-01"},
}


VIEWS = ("", "/folio", "/registration", "/requests")


def as_desk(request: Request) -> Principal:
    return Principal("desk-1", frozenset({"frontdesk"}))


def local(day: date, hour: int) -> datetime:
    """An hour at the hotel (UTC+8) as UTC."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC) - timedelta(hours=8)


def event(kind: Any, payload: Any, producer: str) -> Any:
    return kind.new(payload, producer=producer, property_id=PROPERTY)


async def ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code < 300, response.text
    body: dict[str, Any] = response.json()
    return body


Answer = tuple[str, int, Any]  # path, status, body


async def look(client: httpx.AsyncClient, day: date, *stay_ids: str) -> list[Answer]:
    """The read views over the stays as they are now (a stay without a registration has
    no card: a 404 is an answer too)."""
    paths = [f"/stays/{stay_id}{view}" for stay_id in stay_ids for view in VIEWS]
    paths += [f"/{listing}?date={day.isoformat()}" for listing in ("in-house", "departures")]
    answers = []
    for path in paths:
        response = await client.get(path)
        answers.append((path, response.status_code, response.json()))
    return answers


async def stays_of_a_busy_desk(tmp_path: Path) -> tuple[list[dict[str, Any]], list[Answer]]:
    """The stays, before and after the erasure and retention, and what the read views
    answered along the way."""
    answers: list[Answer] = []
    clock = FixedClock(local(MARCH_10, 16))
    desk = await build(hotel(tmp_path, {"king": 4}), clock)
    for number, departure in ((1, MARCH_13), (2, MARCH_12)):
        await desk.projections.reservation_created(booking(number, "king", MARCH_10, departure))
    registrations = RegistrationDesk(desk.service, require_departure_check=False)
    departures = DepartureDesk(desk.folio, room_check_wait_seconds=3600)
    front_office = FrontOffice(desk.service, desk.database)
    await front_office.prepare()
    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(
        frontdesk_router(
            desk.service,
            desk.folio,
            AuditLog(desk.database, PROPERTY),
            desk.business_day,
            departures,
            registrations,
        )
    )
    app.include_router(registration_router(registrations))
    app.include_router(front_office_router(front_office))
    app.dependency_overrides[current_principal] = as_desk
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://desk")
    async with aclosing(client):
        stay = await ok(
            await client.post(
                "/stays",
                json={
                    "reservation_id": "res-1",
                    "registration": GUEST,
                    "deposit": {"amount": "500.00", "token_reference": "tok_dep_1"},
                    "requests": ["a quiet room"],
                },
            )
        )
        stay_id = stay["stay_id"]
        walk_in = await ok(
            await client.post(
                "/walk-ins",
                json={
                    "room_type": "king",
                    "departure": MARCH_12.isoformat(),
                    "adults": 1,
                    "registration": {**GUEST, "first_name": "Li"},
                },
            )
        )
        plain = await ok(await client.post("/stays", json={"reservation_id": "res-2"}))
        everyone = (stay_id, walk_in["stay_id"], plain["stay_id"])
        answers += await look(client, MARCH_10, *everyone)
        # during the stay
        await ok(await client.post(f"/stays/{stay_id}/companions", json=COMPANION))
        await ok(
            await client.patch(
                f"/stays/{stay_id}/registration",
                json={"phone": "+86 138 0000 1111", "reason": "a new number"},
            )
        )
        await ok(await client.post(f"/stays/{stay_id}/move", json={"reason": "noise"}))
        await ok(await client.post(f"/stays/{stay_id}/extension", json={"departure": "2027-03-14"}))
        await ok(
            await client.post(
                f"/stays/{stay_id}/shortening",
                json={"departure": MARCH_13.isoformat(), "reason": "plans changed"},
            )
        )
        await ok(
            await client.post(
                f"/stays/{stay_id}/charges",
                json={"category": "minibar", "amount": "30.00", "description": "water"},
            )
        )
        await ok(
            await client.post(
                f"/stays/{stay_id}/payments", json={"kind": "payment", "amount": "100.00"}
            )
        )
        asked = await ok(
            await client.post(
                f"/stays/{stay_id}/requests", json={"kind": "amenities", "details": "towels"}
            )
        )
        await ok(
            await client.post(
                f"/stays/{stay_id}/complaints",
                json={"category": "room", "severity": "low", "description": "a dripping tap"},
            )
        )
        await RequestFollowUp(desk.service.repository, lambda: None).task_completed(
            event(
                HkTaskCompleted,
                HkTaskCompletedPayload(
                    task_id="t-1",
                    kind="amenities",
                    room_number=stay["room_number"],
                    stay_id=stay_id,
                    request_id=asked["request_id"],
                ),
                "housekeeping",
            )
        )
        for case_id in ("case-1", "case-2"):
            await desk.projections.case_opened(
                event(
                    CaseOpened,
                    CaseOpenedPayload(
                        case_id=case_id,
                        guest_id=stay["guest_id"],
                        stay_id=stay_id,
                        category="room",
                        severity="high",
                        source="desk",
                        owner="gr-1",
                        due_at=local(MARCH_12, 12),
                        in_house=True,
                    ),
                    "feedback",
                )
            )
        await desk.projections.case_resolved(
            event(
                CaseResolved,
                CaseResolvedPayload(
                    case_id="case-1", guest_id=stay["guest_id"], stay_id=stay_id, resolution="ok"
                ),
                "feedback",
            )
        )
        await desk.projections.item_check_reported(
            event(
                RoomItemCheckReported,
                RoomItemCheckReportedPayload(
                    check_id="check-1",
                    stay_id=stay_id,
                    room_number="201",
                    minibar=[ItemCharge(description="juice", amount=Decimal("25"))],
                ),
                "housekeeping",
            )
        )
        answers += await look(client, MARCH_10, *everyone)
        folio = await ok(await client.get(f"/stays/{stay_id}/folio"))
        [receipt] = [p["payment_id"] for p in folio["payments"] if p["kind"] == "deposit"]
        await client.post(  # a wrong document first: the failure is counted
            f"/stays/{stay_id}/departure-check",
            json={"document_number": "E9999999", "deposit_receipt": receipt},
        )
        await ok(
            await client.post(
                f"/stays/{stay_id}/departure-check",
                json={"document_number": "E1234567", "deposit_receipt": receipt},
            )
        )
        # the departures: the walk-in stays past its departure (an overstay)
        clock.now = local(MARCH_12, 4)
        await desk.folio.night_audit(MARCH_10)
        await desk.folio.night_audit(MARCH_11)
        await ok(await client.post(f"/stays/{plain['stay_id']}/checkout-request", json={}))
        answers += await look(client, MARCH_12, *everyone)
        clock.now = local(MARCH_13, 4)
        await desk.folio.night_audit(MARCH_12)
        await ok(await client.post(f"/stays/{stay_id}/checkout"))
        await ok(await client.post(f"/stays/{walk_in['stay_id']}/checkout"))
        await ok(
            await client.post(
                f"/stays/{stay_id}/opinion", json={"score": 2, "comment": "noisy", "taken_by": "x"}
            )
        )
        await desk.projections.item_check_reported(
            event(
                RoomItemCheckReported,
                RoomItemCheckReportedPayload(
                    check_id="late-1",
                    stay_id=stay_id,
                    room_number="201",
                    missing_items=[ItemCharge(description="bathrobe", amount=Decimal("200"))],
                ),
                "housekeeping",
            )
        )
        answers += await look(client, MARCH_13, *everyone)
        before = list(await desk.database["stays"].find({}).to_list(None))
        # the guest's erasure, then the hotel's retention of every stay
        await desk.projections.guest_anonymized(
            event(
                GuestAnonymized,
                GuestAnonymizedPayload(guest_id=stay["guest_id"], requested_at=clock.now),
                "loyalty",
            )
        )
        answers += await look(client, MARCH_13, *everyone)
        rules = retention_job(desk.database, Settings()).rules
        later = local(date(2031, 1, 1), 12)
        await RetentionJob(desk.database, rules, clock=lambda: later).work_once()
        answers += await look(client, MARCH_13, *everyone)
    return before + list(await desk.database["stays"].find({}).to_list(None)), answers


def read_back(document: dict[str, Any]) -> dict[str, Any]:
    return stay_to_document(stay_from_document(document))


def as_stored(document: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key not in NO_OUTBOX}


async def test_every_stay_the_desk_writes_reads_back_as_stored(tmp_path: Path) -> None:
    (tmp_path / "desk").mkdir()
    (tmp_path / "points").mkdir()
    stays, answers = await stays_of_a_busy_desk(tmp_path / "desk")
    assert {status for _, status, _ in answers} == {200, 404}
    closed, _ = await returned_by_the_desk(tmp_path / "points")
    stays.append(closed)
    for document in stays:
        assert read_back(document) == as_stored(document)
    written = {key for document in stays for key in document} - set(NO_OUTBOX)
    modelled = {field.alias or name for name, field in Stay.model_fields.items()}
    assert modelled == written, (modelled - written, written - modelled)
