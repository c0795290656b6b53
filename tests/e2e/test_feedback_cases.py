"""Guest answers and cases, as real processes on the real broker and a real SMTP server:
a low score opens one case, a late case escalates once, goodwill is granted once, and bad
answers are refused with nothing recorded."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from services.feedback.domain import survey_token
from shared.events import (
    ComplaintRaised,
    ComplaintRaisedPayload,
    StayCheckedIn,
    StayCheckedInPayload,
)
from tests.support.amqp import EventTap, publish_events, publish_raw, wait_for
from tests.support.journeys import PROPERTY, checkout
from tests.support.stack import Stack

pytestmark = pytest.mark.e2e

SECRET = "e2e-survey-secret"
TOMORROW = datetime.now(UTC) + timedelta(days=1)  # a survey link's expiry
# A high-severity case is late after 0.002 h (7.2 s) here, so the test can watch it pass.
SHORT_DEADLINES = json.dumps({"critical": 0.002, "high": 0.002, "medium": 0.002, "low": 0.002})
LINK = re.compile(r"/surveys/(?P<survey_id>[0-9a-f-]{36})\?token=(?P<token>[0-9a-f]{32})")


def start(stack: Stack, **extra: str) -> httpx.Client:
    stack.start(
        "feedback",
        SURVEY_LINK_SECRET=SECRET,
        CASE_WORKER_POLL_SECONDS="0.3",
        SMS_LOG_PATH=str(stack.work_dir / "sms.log"),
        **extra,
    )
    return stack.client("feedback")


async def guest_with_survey_link(stack: Stack, amqp_url: str) -> tuple[str, str, str]:
    """One departed guest and the link from their invitation: (survey_id, token, email)."""
    profile, checked_out = checkout(1)
    await publish_events(amqp_url, [profile, checked_out])
    (mail,) = await wait_for(lambda: stack.smtp.messages, timeout=30, message="the invitation")
    found = LINK.search(mail.get_payload(decode=True).decode())
    return found["survey_id"], found["token"], profile.payload.email


def escalation_passes(client: httpx.Client) -> float:
    found = re.search(
        r"^case_escalation_passes_total (\S+)$", client.get("/metrics").text, re.MULTILINE
    )
    return float(found.group(1)) if found else 0.0


def is_problem(response: httpx.Response, status: int) -> bool:
    return (
        response.status_code == status
        and response.headers["content-type"] == "application/problem+json"
        and bool(response.json()["detail"])
    )


async def test_nps_3_opens_one_case_that_escalates_once_and_resolves_with_goodwill_once(
    stack: Stack, amqp_url: str
) -> None:
    feedback = start(stack, CASE_DEADLINE_HOURS=SHORT_DEADLINES)
    events = [
        "survey.response_received",
        "case.opened",
        "case.escalated",
        "case.resolved",
        "goodwill.granted",
    ]
    async with EventTap(amqp_url, events) as tap:
        survey_id, token, email = await guest_with_survey_link(stack, amqp_url)
        answered = feedback.post(
            f"/surveys/{survey_id}/responses",
            json={
                "token": token,
                "answers": {"recommend": 3, "check_in": 4, "comments": "The room was not ready"},
            },
        )
        assert answered.status_code == 201, answered.text
        assert answered.json()["low_score"] is True

        await wait_for(lambda: tap.bodies("case.opened"), timeout=30, message="case.opened")
        # The response event delivered twice more: still one case.
        (response_message,) = [m for m in tap.received if m.type == "survey.response_received"]
        for _ in range(2):
            await publish_raw(
                amqp_url,
                response_message.type,
                response_message.body,
                type=response_message.type,
                message_id=response_message.message_id,
                content_type="application/json",
                login="feedback",
            )
        await wait_for(
            lambda: tap.bodies("case.escalated"),
            timeout=60,
            message="the escalation of the late case",
        )
        # Three more passes of the escalation worker, still past the deadline.
        seen = escalation_passes(feedback)
        await wait_for(
            lambda: escalation_passes(feedback) >= seen + 3,
            timeout=30,
            message="more escalation passes",
        )
        await stack.wait_quiet()

        cases = feedback.get("/cases", params={"survey_id": survey_id}).json()
        assert cases["total"] == 1
        (case,) = cases["items"]
        resolve = {
            "resolved_by": "gr-manager-li",
            "resolution": "Apologised; room upgrade on the next stay",
            "goodwill_points": 500,
        }
        resolved = feedback.post(f"/cases/{case['case_id']}/resolve", json=resolve)
        assert resolved.status_code == 200, resolved.text
        again = feedback.post(f"/cases/{case['case_id']}/resolve", json=resolve)
        assert is_problem(again, 409)
        await wait_for(lambda: tap.bodies("goodwill.granted"), timeout=30, message="goodwill")
        result_mail = await wait_for(
            lambda: [
                m
                for m in stack.smtp.messages
                if f"<case-{case['case_id']}-result@" in m["Message-ID"]
            ],
            timeout=30,
            message="the result mail",
        )
        await stack.wait_quiet()

    opened = tap.bodies("case.opened")
    escalated = tap.bodies("case.escalated")
    granted = tap.bodies("goodwill.granted")
    assert len(opened) == 1 and len(escalated) == 1 and len(granted) == 1
    assert len(tap.bodies("case.resolved")) == 1
    assert opened[0]["payload"]["owner"] == "guest-relations"
    assert opened[0]["payload"]["severity"] == "high" and opened[0]["payload"]["source"] == "survey"
    due_at = datetime.fromisoformat(opened[0]["payload"]["due_at"])
    assert due_at - datetime.fromisoformat(opened[0]["occurred_at"]) < timedelta(seconds=8)
    assert escalated[0]["payload"]["escalated_to"] == "duty-manager"
    assert granted[0]["payload"] == {
        "grant_id": granted[0]["payload"]["grant_id"],
        "case_id": case["case_id"],
        "guest_id": case["guest_id"],
        "points": 500,
        "voucher": None,
    }
    final = feedback.get(f"/cases/{case['case_id']}").json()
    assert (final["status"], final["owner"], final["escalated_to"]) == (
        "resolved",
        "guest-relations",
        "duty-manager",
    )
    assert final["guest_notice"] == "sent"
    assert (
        result_mail[0]["To"] == email
        and "500 points" in result_mail[0].get_payload(decode=True).decode()
    )
    print(
        f"\nNPS 3 -> {len(opened)} case (owner {opened[0]['payload']['owner']}, due "
        f"{opened[0]['payload']['due_at']}); escalations after {escalation_passes(feedback):.0f} "
        f"passes: {len(escalated)}; goodwill.granted: {len(granted)} "
        f"({granted[0]['payload']['points']} points)"
    )


async def test_bad_answers_and_tokens_are_refused_and_nothing_is_recorded(
    stack: Stack, amqp_url: str
) -> None:
    feedback = start(stack)
    async with EventTap(amqp_url, ["survey.response_received", "case.opened"]) as tap:
        survey_id, token, _ = await guest_with_survey_link(stack, amqp_url)
        url = f"/surveys/{survey_id}/responses"
        refusals = {
            "outside the scale": (
                feedback.post(url, json={"token": token, "answers": {"recommend": 11}}),
                422,
            ),
            "a rating of 0": (
                feedback.post(
                    url, json={"token": token, "answers": {"recommend": 8, "check_in": 0}}
                ),
                422,
            ),
            "an unknown question": (
                feedback.post(url, json={"token": token, "answers": {"recommend": 8, "spa": 5}}),
                422,
            ),
            "a forged token": (
                feedback.post(url, json={"token": "0" * 32, "answers": {"recommend": 8}}),
                403,
            ),
            "another survey's token": (
                feedback.post(
                    url,
                    json={
                        "token": survey_token(SECRET, str(uuid.uuid4()), TOMORROW),
                        "answers": {"recommend": 8},
                    },
                ),
                403,
            ),
        }
        unknown = str(uuid.uuid4())
        refusals["an unknown survey"] = (
            feedback.post(
                f"/surveys/{unknown}/responses",
                json={
                    "token": survey_token(SECRET, unknown, TOMORROW),
                    "answers": {"recommend": 8},
                },
            ),
            404,
        )
        for what, (response, status) in refusals.items():
            assert is_problem(response, status), (what, response.status_code, response.text)
        assert "from 0 to 10" in refusals["outside the scale"][0].json()["detail"]
        surveys = feedback.get("/surveys", params={"status": "answered"}).json()
        assert surveys["total"] == 0

        accepted = feedback.post(
            url, json={"token": token, "answers": {"recommend": 9, "check_in": 5}}
        )
        assert accepted.status_code == 201, accepted.text
        reused = feedback.post(url, json={"token": token, "answers": {"recommend": 0}})
        assert is_problem(reused, 409)
        assert is_problem(feedback.get(f"/surveys/{survey_id}", params={"token": token}), 409)
        await wait_for(lambda: tap.received, timeout=30, message="survey.response_received")
        await stack.wait_quiet()

    responses = tap.bodies("survey.response_received")
    assert [(r["payload"]["nps"], r["payload"]["low_score"]) for r in responses] == [(9, False)]
    assert tap.bodies("case.opened") == []
    report = feedback.get("/reports/satisfaction").json()
    assert (
        report["overall"]["responses"],
        report["overall"]["nps"],
        report["overall"]["csat"],
    ) == (1, 100.0, 100.0)
    csv_export = feedback.get("/reports/satisfaction.csv")
    assert csv_export.headers["content-type"].startswith("text/csv")
    assert csv_export.text.splitlines()[1] == "overall,all,,1,1,100.0,1,100.0,5.0"
    print(
        "\nrefused: "
        + ", ".join(f"{what} -> {status}" for what, (_, status) in refusals.items())
        + "; reused token -> 409; "
        f"recorded: {len(responses)} response (the valid one), 0 cases"
    )


async def test_a_complaint_during_the_stay_opens_an_in_house_case_owned_by_the_desk_agent(
    stack: Stack, amqp_url: str
) -> None:
    feedback = start(stack)
    arrival = date(2027, 3, 10)
    checked_in = StayCheckedIn.new(
        StayCheckedInPayload(
            stay_id="stay-inhouse-1",
            reservation_id="res-1",
            guest_id="guest-inhouse-1",
            room_number="301",
            room_type="king",
            arrival=arrival,
            departure=arrival + timedelta(days=2),
        ),
        producer="frontdesk",
        property_id=PROPERTY,
    )
    complaint = ComplaintRaised.new(
        ComplaintRaisedPayload(
            complaint_id="cmp-1",
            guest_id="guest-inhouse-1",
            stay_id="stay-inhouse-1",
            room_number="301",
            category="noise",
            severity="medium",
            description="Construction noise at 7am",
            taken_by="desk-agent-wang",
        ),
        producer="frontdesk",
        property_id=PROPERTY,
    )
    async with EventTap(amqp_url, ["case.opened"]) as tap:
        await publish_events(amqp_url, [checked_in])
        await stack.wait_quiet()
        await publish_events(amqp_url, [complaint], copies=3)
        await wait_for(lambda: tap.received, timeout=30, message="case.opened")
        phoned = feedback.post(
            "/cases",
            headers={"Idempotency-Key": "call-42"},
            json={
                "guest_id": "guest-inhouse-1",
                "category": "billing",
                "severity": "low",
                "description": "Charged twice for minibar",
                "channel": "phone",
                "taken_by": "operator-zhao",
            },
        )
        replayed = feedback.post(
            "/cases",
            headers={"Idempotency-Key": "call-42"},
            json={
                "guest_id": "guest-inhouse-1",
                "category": "billing",
                "severity": "low",
                "description": "Charged twice for minibar",
                "channel": "phone",
                "taken_by": "operator-zhao",
            },
        )
        assert phoned.status_code == 201 and replayed.json()["case_id"] == phoned.json()["case_id"]
        noted = feedback.post(
            f"/cases/{phoned.json()['case_id']}/notes",
            json={"author": "operator-zhao", "text": "Called the guest back"},
        )
        assert noted.status_code == 201 and len(noted.json()["notes"]) == 1
        await stack.wait_quiet()

    opened = tap.bodies("case.opened")
    assert len(opened) == 2
    desk = next(o["payload"] for o in opened if o["payload"]["source"] == "desk")
    phone = next(o["payload"] for o in opened if o["payload"]["source"] == "phone")
    assert (desk["owner"], desk["in_house"], desk["stay_id"]) == (
        "desk-agent-wang",
        True,
        "stay-inhouse-1",
    )
    # The phone call named no stay: the guest is in house, so the case is tied to the stay.
    # Its owner is who opened it, the signed-in credential, not the name in the body.
    assert (phone["owner"], phone["in_house"], phone["stay_id"]) == (
        "test-manager",
        True,
        "stay-inhouse-1",
    )
    assert feedback.get("/cases").json()["total"] == 2
