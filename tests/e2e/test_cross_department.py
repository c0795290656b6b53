"""What no single service can show alone: departments working together through events."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import bson
import pytest

from shared.clock import PropertyClock, business_date
from shared.mongo import CODEC
from tests.support.amqp import EventTap, publish_events, publish_raw, wait_for
from tests.support.journeys import checkout
from tests.support.stack import SERVICE_NAMES, Stack, wait_until

pytestmark = pytest.mark.e2e

ID_NUMBER = "11010519491231002X"  # the GB 11643 specimen: a valid check digit
LINK = re.compile(r"/surveys/(?P<survey_id>[0-9a-f-]{36})\?token=(?P<token>[0-9a-f]{32})")
KING_ROOMS = {"401", "402", "403", "404", "405", "501", "502", "503", "504", "505"}


def hotel_today() -> date:
    """The desk's business date on the wall clock (yesterday until the audit hour)."""
    return business_date(None, PropertyClock())


def walk_in(number: int) -> dict:
    return {
        "room_type": "king",
        "departure": (hotel_today() + timedelta(days=2)).isoformat(),
        "adults": 1,
        "registration": {
            "first_name": f"Walker{number}",
            "last_name": "Test",
            "gender": "other",
            "nationality": "PT",
            "document": {
                "type": "passport",
                "number": f"CB{number:06d}",
                "expires_on": "2035-01-01",
            },
        },
    }


async def test_the_desk_never_gives_a_dirty_or_out_of_order_room(
    stack: Stack, amqp_url: str
) -> None:
    stack.start("housekeeping", "frontdesk", SCHEDULER_POLL_SECONDS="0.3")
    housekeeping, desk = stack.client("housekeeping"), stack.client("frontdesk")
    now = datetime.now(UTC)
    for room in ("401", "402"):
        created = housekeeping.post(
            f"/rooms/{room}/out-of-order-periods",
            json={
                "start": (now - timedelta(minutes=1)).isoformat(),
                "end": (now + timedelta(hours=3)).isoformat(),
                "reason": "air conditioning",
            },
        )
        assert created.status_code == 201, created.text
    await wait_for(
        lambda: all(
            housekeeping.get(f"/rooms/{r}").json()["status"] == "out_of_order"
            for r in ("401", "402")
        ),
        message="rooms out of order",
    )

    # A guest stays and leaves: housekeeping makes the room dirty, from the event.
    first = desk.post("/walk-ins", json=walk_in(0))
    assert first.status_code == 201, first.text
    dirty_room = first.json()["room_number"]
    assert desk.post(f"/stays/{first.json()['stay_id']}/checkout").status_code == 200
    await wait_for(
        lambda: housekeeping.get(f"/rooms/{dirty_room}").json()["status"] == "vacant_dirty",
        message="the departed room dirty",
    )
    await stack.wait_quiet()

    not_ready = {"401", "402", dirty_room}
    given = []
    for number in range(1, 8):  # exactly the seven king rooms that are ready
        response = desk.post("/walk-ins", json=walk_in(number))
        assert response.status_code == 201, response.text
        given.append(response.json()["room_number"])
    assert len(set(given)) == 7 and not set(given) & not_ready
    assert set(given) == KING_ROOMS - not_ready
    refused = desk.post("/walk-ins", json=walk_in(99))
    assert refused.status_code == 409, refused.text
    print(
        f"\nout of order: 401, 402; dirty: {dirty_room}; given: {sorted(given)}; "
        f"the next king walk-in: {refused.status_code}"
    )


async def test_goodwill_from_a_resolved_case_reaches_the_loyalty_balance_once(
    stack: Stack, amqp_url: str
) -> None:
    stack.start("feedback", "loyalty", SURVEY_LINK_SECRET="cross-department")
    feedback, loyalty = stack.client("feedback"), stack.client("loyalty")
    profile, checked_out = checkout(7)
    guest_id = checked_out.payload.guest_id
    async with EventTap(amqp_url, ["case.opened", "goodwill.granted"]) as tap:
        await publish_events(amqp_url, [profile, checked_out])
        (mail,) = await wait_for(lambda: stack.smtp.messages, timeout=30, message="the survey")
        earned = await wait_for(
            lambda: loyalty.get(f"/guests/{guest_id}/points").json().get("balance"),
            message="the stay's points",
        )
        link = LINK.search(mail.get_payload(decode=True).decode())
        answered = feedback.post(
            f"/surveys/{link['survey_id']}/responses",
            json={"token": link["token"], "answers": {"recommend": 3, "check_in": 2}},
        )
        assert answered.status_code == 201, answered.text
        (opened,) = await wait_for(lambda: tap.bodies("case.opened"), message="the case")

        resolved = feedback.post(
            f"/cases/{opened['payload']['case_id']}/resolve",
            json={
                "resolved_by": "duty-manager",
                "resolution": "room upgrade on the next stay",
                "goodwill_points": 750,
            },
        )
        assert resolved.status_code == 200, resolved.text
        await wait_for(
            lambda: loyalty.get(f"/guests/{guest_id}/points").json()["balance"] == earned + 750,
            message="the goodwill in the balance",
        )
        # The grant delivered twice more changes nothing.
        (grant,) = [m for m in tap.received if m.type == "goodwill.granted"]
        for _ in range(2):
            await publish_raw(
                amqp_url,
                grant.type,
                grant.body,
                type=grant.type,
                message_id=grant.message_id,
                content_type="application/json",
                login="feedback",
            )
        await stack.wait_quiet()

    points = loyalty.get(f"/guests/{guest_id}/points").json()
    assert points["balance"] == earned + 750
    assert [e["points"] for e in points["entries"] if "goodwill" in e["entry_id"]] == [750]
    print(f"\nstay earned {earned}; goodwill 750 delivered 3 times; balance {points['balance']}")


def journal_documents(store: Path) -> list[tuple[str, str, dict]]:
    """(service, collection, document) for every document a stopped service left (a clean
    stop writes them all to the store's snapshot)."""
    found = []
    for snapshot in store.glob("*/*.snapshot"):
        for record in bson.decode_all(snapshot.read_bytes(), CODEC):
            if record.get("o") == "p":
                found.append((snapshot.parent.name, record["c"], record["d"]))
    return found


def paths_holding(document: dict, needles: list[str], path: str = "") -> list[str]:
    hits = []
    for key, value in document.items():
        here = f"{path}.{key}" if path else str(key)
        if isinstance(value, dict):
            hits += paths_holding(value, needles, here)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                item_path = f"{here}[{index}]"
                if isinstance(item, dict):
                    hits += paths_holding(item, needles, item_path)
                elif any(n in re.sub(r"[ -]", "", str(item)).lower() for n in needles):
                    hits.append(item_path)
        elif any(n in re.sub(r"[ -]", "", str(value)).lower() for n in needles):
            hits.append(here)
    return hits


async def test_erasure_leaves_no_trace_of_the_guest_in_any_service_but_the_invoice(
    stack: Stack, amqp_url: str
) -> None:
    stack.start(*SERVICE_NAMES)
    guest = {
        "first_name": "Erasmus",
        "last_name": "Gonewright",
        "email": "erasmus.gonewright@example.com",
        "phone": "+86 139 8765 4321",
    }
    needles = [
        "erasmus",
        "gonewright",
        "erasmus.gonewright@example.com",
        "13987654321",
        ID_NUMBER.lower(),
        "wheezebloom",  # issue 15: the guest's words in free text, in every service
    ]
    today = hotel_today()
    booked = stack.client("reservation").post(
        "/reservations",
        json={
            "guest": guest,
            "room_type": "deluxe",
            "arrival": today.isoformat(),
            "departure": (today + timedelta(days=1)).isoformat(),
            "adults": 1,
            "channel": "phone",
            "special_requests": ["quiet: wheezebloom allergy, no feathers"],
        },
    )
    assert booked.status_code == 201, booked.text
    guest_id = booked.json()["guest_id"]
    desk = stack.client("frontdesk")
    wait_until(
        lambda: desk.get("/arrivals", params={"date": today.isoformat()}).json()["total"],
        message="the arrival",
    )
    stay = desk.post(
        "/stays",
        json={
            "reservation_id": booked.json()["id"],
            "registration": {
                "first_name": guest["first_name"],
                "last_name": guest["last_name"],
                "gender": "male",
                "nationality": "CN",
                "phone": guest["phone"],
                "email": guest["email"],
                "document": {"type": "cn_resident_id", "number": ID_NUMBER},
            },
        },
    )
    assert stay.status_code == 201, stay.text
    stay_id = stay.json()["stay_id"]
    said = [  # housekeeping gets a task and a maintenance request, feedback a case
        ("requests", {"kind": "amenities", "details": "wheezebloom: hypoallergenic pillows"}),
        ("requests", {"kind": "maintenance", "details": "wheezebloom: the air filter smells"}),
        ("complaints", {"category": "room", "severity": "low", "description": "wheezebloom dust"}),
    ]
    for path, body in said:
        answer = desk.post(f"/stays/{stay_id}/{path}", json=body)
        assert answer.status_code == 201, answer.text
    housekeeping = stack.client("housekeeping")
    wait_until(
        lambda: housekeeping.get("/maintenance-requests").json(), message="the maintenance request"
    )
    checked_out = desk.post(f"/stays/{stay_id}/checkout")
    assert checked_out.status_code == 200, checked_out.text
    wait_until(lambda: stack.smtp.messages, message="the survey e-mail")
    loyalty = stack.client("loyalty")
    wait_until(lambda: loyalty.get(f"/guests/{guest_id}").status_code == 200, message="profile")
    await stack.wait_quiet()

    before = journal_documents_of_running(stack)
    assert {service for service, _, doc in before if paths_holding(doc, needles)} >= {
        "reservation",
        "frontdesk",
        "feedback",
        "loyalty",
        "housekeeping",
    }, "the journey left no data to erase"

    erased = loyalty.post(f"/guests/{guest_id}/erasure", json={"reason": "guest request"})
    assert erased.status_code == 202, erased.text
    await stack.wait_quiet()

    # Restart every service: a clean stop writes a snapshot of what is left.
    for name in SERVICE_NAMES:
        stack.restart(name)
        stack.services[name].stop()
    leftovers = [
        (service, collection, path)
        for service, collection, document in journal_documents(stack.work_dir / "store")
        for path in paths_holding(document, needles)
    ]
    outside_invoice = [hit for hit in leftovers if not hit[2].endswith("settlement.billed_to")]
    assert outside_invoice == [], outside_invoice
    assert [(s, c) for s, c, _ in leftovers] == [("frontdesk", "stays")]  # the invoice keeps it
    print(
        f"\nbefore erasure: {len(before)} documents; after: 0 traces outside the invoice "
        f"({leftovers})"
    )


def journal_documents_of_running(stack: Stack) -> list[tuple[str, str, dict]]:
    """The services' data as it stands, read from the snapshot a clean stop writes."""
    for name in SERVICE_NAMES:
        stack.restart(name)
    return journal_documents(stack.work_dir / "store")
