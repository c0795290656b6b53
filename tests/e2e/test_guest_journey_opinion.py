"""The guest journey with the guest's opinion asked at check-out (seed 000 一(四)), all five
services as processes on the real broker, and where each answer lands (issue 18):

- the opinion at check-out, low: kept on the stay at the desk, a complaint owned by the
  desk's credential, one case at guest relations (feedback), a problem guest in the CRM
  (loyalty: at-risk, the case counted);
- the survey after the stay: its parts go to the departments (survey.results_shared):
  housekeeping follows up the low cleanliness score in that room, loyalty keeps the
  history per department, the desk shows it when it recognises the guest next time;
- the complaint resolved, the guest not satisfied: the case is reopened (case.reopened),
  the desk is alerted on the guest's new in-house stay, loyalty counts the reopening.
Each effect exactly once, counted after the system is quiet."""

from __future__ import annotations

import re

import pytest

from tests.e2e.test_feedback_cases import LINK
from tests.support.amqp import EventTap, wait_for
from tests.support.stack import SERVICE_NAMES, Stack, wait_until

pytestmark = pytest.mark.e2e

GUEST = {"first_name": "Hua", "last_name": "Zhang", "email": "hua.zhang@example.com"}
FOLLOW_UP = re.compile(r"/case-follow-ups/(?P<case_id>[^?\s]+)\?token=(?P<token>[0-9a-f]+)")


def body_of(message) -> str:
    return message.get_payload(decode=True).decode()


def book(stack: Stack, arrival: str, departure: str) -> dict:
    booked = stack.client("reservation").post(
        "/reservations",
        json={
            "guest": GUEST,
            "room_type": "king",
            "arrival": arrival,
            "departure": departure,
            "adults": 1,
            "channel": "web",
        },
    )
    assert booked.status_code == 201, booked.text
    return booked.json()


def check_in(stack: Stack, booking: dict) -> dict:
    desk = stack.client("frontdesk")
    wait_until(
        lambda: desk.get("/arrivals", params={"date": booking["arrival"]}).json()["total"] == 1,
        message="the arrival on the desk's list",
    )
    checked_in = desk.post("/stays", json={"reservation_id": booking["id"]})
    assert checked_in.status_code == 201, checked_in.text
    return checked_in.json()


async def test_the_opinion_at_check_out_and_the_survey_land_where_the_departments_act(
    stack: Stack, amqp_url: str
) -> None:
    for name in SERVICE_NAMES:  # one at a time: five imports at once can outlast the wait
        stack.start(name, SMS_LOG_PATH=str(stack.work_dir / "sms.log"))
    desk = stack.client("frontdesk", scope="frontdesk")
    feedback, loyalty, housekeeping = (
        stack.client(n) for n in ("feedback", "loyalty", "housekeeping")
    )
    async with EventTap(amqp_url, ["case.reopened", "survey.results_shared"]) as tap:
        stack.set_hotel_time("2027-10-01", 10)
        first = book(stack, "2027-10-10", "2027-10-12")
        guest_id = first["guest_id"]
        stack.set_hotel_time("2027-10-10", 15)
        stay = check_in(stack, first)
        stack.set_hotel_time("2027-10-12", 11)
        assert desk.post(f"/stays/{stay['stay_id']}/checkout").status_code == 200

        # At check-out the desk asks the guest's opinion (seed 000 一(四)): a low one.
        opinion = {"score": 2, "comment": "The corridor was noisy at night", "taken_by": "x"}
        asked = desk.post(f"/stays/{stay['stay_id']}/opinion", json=opinion)
        assert asked.status_code == 201, asked.text
        assert asked.json()["taken_by"] != "x"  # the credential asked, not the body
        cases = wait_until(
            lambda: feedback.get("/cases", params={"stay_id": stay["stay_id"]}).json()["items"],
            message="the opinion's case at guest relations",
        )
        [case] = [c for c in cases if c["category"] == "opinion at check-out"]
        assert (case["source"], case["owner"]) == ("desk", asked.json()["taken_by"])
        profile = wait_until(
            lambda: (
                (p := loyalty.get(f"/guests/{guest_id}").json())["feedback"]["cases_opened"] and p
            ),
            message="the case in the guest's CRM profile",
        )
        assert "at-risk" in profile["segments"]

        # The survey after the stay: the room was not clean enough.
        invitation = await wait_for(
            lambda: [m for m in stack.smtp.messages if LINK.search(body_of(m))],
            timeout=30,
            message="the survey invitation",
        )
        link = LINK.search(body_of(invitation[0]))
        answered = feedback.post(
            f"/surveys/{link['survey_id']}/responses",
            json={
                "token": link["token"],
                "answers": {"recommend": 7, "check_in": 4, "room_cleanliness": 2},
            },
        )
        assert answered.status_code == 201, answered.text
        tasks = wait_until(
            lambda: housekeeping.get("/tasks", params={"kind": "feedback_follow_up"}).json()[
                "items"
            ],
            message="housekeeping's follow-up of the low score",
        )
        wait_until(
            lambda: len(loyalty.get(f"/guests/{guest_id}").json()["feedback"]["history"]) == 2,
            message="the satisfaction history in the CRM",
        )

        # The guest comes back: the desk recognises them with how the last stay went.
        second = book(stack, "2027-11-01", "2027-11-03")
        assert second["guest_id"] == guest_id
        stack.set_hotel_time("2027-11-01", 15)
        back = check_in(stack, second)
        last = back["recognition"]["last_feedback"]
        assert last["survey_id"] == link["survey_id"]
        assert last["departments"]["housekeeping"]["low_topics"] == ["room_cleanliness"]

        # Guest relations puts the complaint right; the guest is not satisfied.
        resolved = feedback.post(
            f"/cases/{case['case_id']}/resolve",
            json={
                "resolution": "We apologised and moved the housekeeping trolleys' route.",
                "improvement": "Night cleaning of the corridor stopped after 22:00.",
            },
        )
        assert resolved.status_code == 200, resolved.text
        result = await wait_for(
            lambda: [m for m in stack.smtp.messages if FOLLOW_UP.search(body_of(m))],
            timeout=30,
            message="the result mail with the follow-up link",
        )
        follow_up = FOLLOW_UP.search(body_of(result[0]))
        assert follow_up["case_id"] == case["case_id"]
        answer = feedback.post(
            f"/case-follow-ups/{case['case_id']}/answer",
            json={"token": follow_up["token"], "satisfied": False},
        )
        assert answer.status_code == 201, answer.text
        wait_until(
            lambda: desk.get(f"/stays/{back['stay_id']}").json()["alerts"],
            message="the desk's alert of the reopened case",
        )
        await stack.wait_quiet()

    # Counted once the system is quiet: every effect once.
    alerts = desk.get(f"/stays/{back['stay_id']}").json()["alerts"]
    assert [(a["case_id"], a["reopen_count"]) for a in alerts] == [(case["case_id"], 1)]
    assert desk.get(f"/stays/{stay['stay_id']}").json()["alerts"] == []  # that stay is over
    cases = feedback.get("/cases", params={"guest_id": guest_id}).json()["items"]
    assert sorted(c["source"] for c in cases) == ["desk", "survey"]  # opinion, low score
    tasks = housekeeping.get("/tasks", params={"kind": "feedback_follow_up"}).json()["items"]
    assert [(t["room_number"], t["low_topics"]) for t in tasks] == [
        (stay["room_number"], ["room_cleanliness"])
    ]
    crm = loyalty.get(f"/guests/{guest_id}").json()
    assert sorted(h["department"] for h in crm["feedback"]["history"]) == [
        "front_office",
        "housekeeping",
    ]
    assert (crm["feedback"]["cases_opened"], crm["feedback"]["cases_reopened"]) == (2, 1)
    assert "at-risk" in crm["segments"]
    assert len(tap.bodies("case.reopened")) == 1
    shared = tap.bodies("survey.results_shared")
    assert sorted(s["payload"]["department"] for s in shared) == ["front_office", "housekeeping"]
    assert all(set(s["payload"]) >= {"guest_id", "stay_id"} for s in shared)
    print(
        f"\nopinion 2/5 at check-out -> cases {sorted(c['source'] for c in cases)}, "
        f"housekeeping follow-ups {len(tasks)}, CRM history {len(crm['feedback']['history'])}, "
        f"reopened alerts at the desk {len(alerts)}, "
        f"case.reopened {len(tap.bodies('case.reopened'))}"
    )
