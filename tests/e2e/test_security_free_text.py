"""Free text that could carry a card or ID number, on the running services: the front
desk's requests and complaints, housekeeping's maintenance descriptions and room-check
items, feedback's free-text answers and case notes. A number is refused with a 422 that
names the field and never repeats the value, and nothing is written."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.integration.frontdesk_harness import property_file
from tests.support.amqp import publish_events, wait_for
from tests.support.journeys import checkout
from tests.support.stack import Stack

pytestmark = pytest.mark.e2e

CARD = "4111 1111 1111 1111"  # passes the Luhn check
ID_NUMBER = "11010519491231002X"
LINK = re.compile(r"/surveys/(?P<survey_id>[0-9a-f-]{36})\?token=(?P<token>[0-9a-f]{32})")


def refused(response: httpx.Response, field: str, number: str) -> bool:
    """A 422 problem that names the field and the kind of number, never the value."""
    digits = re.sub(r"\D", "", number)
    errors = response.json().get("errors") or []
    only_that_field = all(
        field in map(str, error["location"]) for error in errors if isinstance(error, dict)
    )  # feedback's answers: one text each
    return (
        response.status_code == 422
        and only_that_field
        and response.headers["content-type"] == "application/problem+json"
        and field in response.json()["detail"]
        and ("card number" in response.text or "ID number" in response.text)
        and number not in response.text
        and digits not in re.sub(r"\D", "", response.text)
    )


def test_the_front_desk_refuses_card_and_id_numbers_in_requests_and_complaints(
    stack: Stack, tmp_path: Path
) -> None:
    stack.start(
        "frontdesk",
        PROPERTY_FILE=str(property_file(tmp_path, {"king": 2})),
        NIGHT_AUDIT_ENABLED="false",
    )
    desk = stack.client("frontdesk", scope="frontdesk")
    tomorrow = datetime.now(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=1)
    walk_in = {
        "room_type": "king",
        "adults": 1,
        "departure": tomorrow.isoformat(),
        "registration": {
            "first_name": "Ana",
            "last_name": "Silva",
            "gender": "female",
            "nationality": "PT",
            "document": {"type": "passport", "number": "CB123456", "expires_on": "2035-01-01"},
        },
    }
    assert refused(
        desk.post("/walk-ins", json={**walk_in, "requests": [f"pay with {CARD}"]}), "requests", CARD
    )
    stay = desk.post("/walk-ins", json=walk_in)
    assert stay.status_code == 201, stay.text
    stay_id = stay.json()["stay_id"]
    cases = {
        "details": desk.post(
            f"/stays/{stay_id}/requests",
            json={"kind": "amenities", "details": f"towels; my card is {CARD}", "taken_by": "li"},
        ),
        "description": desk.post(
            f"/stays/{stay_id}/complaints",
            json={
                "category": "noise",
                "severity": "low",
                "taken_by": "li",
                "description": f"noisy; guest ID {ID_NUMBER}",
            },
        ),
    }
    for field, response in cases.items():
        assert refused(response, field, CARD if field == "details" else ID_NUMBER), response.text
    assert ID_NUMBER not in stack.logs() and CARD not in stack.logs()
    # The same without the number goes through.
    assert (
        desk.post(
            f"/stays/{stay_id}/requests",
            json={"kind": "amenities", "details": "two more towels", "taken_by": "li"},
        ).status_code
        == 201
    )


def test_housekeeping_refuses_card_and_id_numbers_in_maintenance_and_notes(stack: Stack) -> None:
    stack.start("housekeeping")
    housekeeping = stack.client("housekeeping", scope="housekeeping")
    fault = {"room_number": "501", "category": "tv", "reported_by": "amy"}
    bad = housekeeping.post(
        "/maintenance-requests", json={**fault, "description": f"guest left card {CARD} on the TV"}
    )
    assert refused(bad, "description", CARD), bad.text
    inspection = housekeeping.post(
        "/rooms/501/inspection",
        json={"inspector": "amy", "passed": True, "notes": f"ID card {ID_NUMBER} found in drawer"},
    )
    assert refused(inspection, "notes", ID_NUMBER), inspection.text
    assert housekeeping.get("/maintenance-requests").json() == []  # nothing written
    assert ID_NUMBER not in stack.logs() and CARD not in stack.logs()
    good = housekeeping.post(
        "/maintenance-requests",
        json={**fault, "description": "a card was found on the TV; sent to lost and found"},
    )
    assert good.status_code == 201, good.text
    assert len(housekeeping.get("/maintenance-requests").json()) == 1


async def test_feedback_refuses_card_and_id_numbers_in_answers_and_case_notes(
    stack: Stack, amqp_url: str
) -> None:
    stack.start(
        "feedback",
        SURVEY_LINK_SECRET="e2e-free-text-secret",
        SMS_LOG_PATH=str(stack.work_dir / "sms.log"),
    )
    staff = stack.client("feedback", scope="feedback")
    guest = stack.client("feedback", scope=None)
    await publish_events(amqp_url, list(checkout(1)))
    (mail,) = await wait_for(lambda: stack.smtp.messages, timeout=30, message="the invitation")
    survey_id, token = LINK.search(mail.get_payload(decode=True).decode()).group(
        "survey_id", "token"
    )

    answer = guest.post(
        f"/surveys/{survey_id}/responses",
        json={"token": token, "answers": {"recommend": 4, "comments": f"refund to {CARD} please"}},
    )
    assert refused(answer, "comments", CARD), answer.text
    case = {
        "guest_id": "guest-1",
        "category": "billing",
        "severity": "medium",
        "channel": "desk",
        "taken_by": "wang",
    }
    opened = staff.post("/cases", json={**case, "description": f"ID {ID_NUMBER} on the bill"})
    assert refused(opened, "description", ID_NUMBER), opened.text
    assert staff.get("/cases").json()["total"] == 0

    opened = staff.post("/cases", json={**case, "description": "double charge on the bill"})
    assert opened.status_code == 201, opened.text
    note = staff.post(
        f"/cases/{opened.json()['case_id']}/notes",
        json={"author": "wang", "text": f"guest gave card {CARD} for the refund"},
    )
    assert refused(note, "text", CARD), note.text
    assert staff.get(f"/cases/{opened.json()['case_id']}").json().get("notes", []) == []
    assert ID_NUMBER not in stack.logs() and CARD not in stack.logs()
    # The answer without the number is taken: the refused one wrote nothing.
    answered = guest.post(
        f"/surveys/{survey_id}/responses",
        json={"token": token, "answers": {"recommend": 9, "comments": "lovely stay"}},
    )
    assert answered.status_code == 201, answered.text
