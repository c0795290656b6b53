"""Authorisation by object on the running services: an integrator reaches only its own
channel's reservations (another channel's answers exactly as one that does not exist),
and a survey token opens only its own survey."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest

from tests.support.amqp import publish_events, wait_for
from tests.support.journeys import checkout
from tests.support.stack import INTEGRATOR_CHANNEL, OTHER_CHANNEL, Stack

pytestmark = pytest.mark.e2e

LINK = re.compile(r"/surveys/(?P<survey_id>[0-9a-f-]{36})\?token=(?P<token>[0-9a-f]{32})")


def booking(last_name: str, channel: str = "ota") -> dict[str, Any]:
    return {
        "guest": {
            "first_name": "Test",
            "last_name": last_name,
            "email": f"{last_name.lower()}@example.com",
        },
        "room_type": "king",
        "arrival": "2027-05-10",
        "departure": "2027-05-12",
        "adults": 1,
        "channel": channel,
    }


def book(
    client: httpx.Client, last_name: str, channel: str = "ota", **headers: str
) -> dict[str, Any]:
    response = client.post("/reservations", json=booking(last_name, channel), headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def ids(response: httpx.Response) -> set[str]:
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["items"]}


def test_an_integrator_reaches_only_its_own_channels_reservations(stack: Stack) -> None:
    stack.start("reservation")
    ota_a = stack.client("reservation", scope="integrator")
    ota_b = stack.client("reservation", scope="integrator-other")
    office = stack.client("reservation", scope="reservations")

    # Created for the key's own channel, whatever the body says about the channel kind.
    mine = book(ota_a, "Alpha")
    theirs = book(ota_b, "Bravo", channel="web")
    phoned = book(office, "Charlie", channel="phone")
    assert (mine["channel_name"], theirs["channel_name"]) == (INTEGRATOR_CHANNEL, OTHER_CHANNEL)
    assert phoned["channel_name"] == "phone"

    not_found = ota_a.get(f"/reservations/res-{uuid.uuid4()}").json()["title"]
    refusals = {}
    for target in (theirs, phoned):
        rid = target["id"]
        refusals[f"GET {target['channel_name']}"] = ota_a.get(f"/reservations/{rid}")
        refusals[f"PATCH {target['channel_name']}"] = ota_a.patch(
            f"/reservations/{rid}", json={"adults": 2, "reason": "guest asked"}
        )
        refusals[f"cancel {target['channel_name']}"] = ota_a.post(
            f"/reservations/{rid}/cancel", json={"reason": "not mine to cancel"}
        )
    refusals["B GETs A's"] = ota_b.get(f"/reservations/{mine['id']}")
    refusals["B cancels A's"] = ota_b.post(f"/reservations/{mine['id']}/cancel")
    for what, response in refusals.items():
        assert response.status_code == 404, (what, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["title"] == not_found, what  # no tell-tale difference
    # A group block is the office's contract: to an integrator, as if there were none.
    block = office.post(
        "/blocks",
        json={
            "name": "Tour",
            "company": "Acme Travel",
            "kind": "agency",
            "room_type": "king",
            "start": "2027-06-01",
            "end": "2027-06-03",
            "rooms_per_night": 2,
            "nightly_rate": "400.00",
            "release_date": "2027-05-20",
        },
    )
    assert block.status_code == 201, block.text
    into_block = ota_a.post(
        "/reservations", json={**booking("Foxtrot"), "block_id": block.json()["id"]}
    )
    missing_block = ota_a.post("/reservations", json={**booking("Foxtrot"), "block_id": "blk-x"})
    assert into_block.status_code == missing_block.status_code == 422
    assert into_block.json()["title"] == missing_block.json()["title"]
    # No-show is the reservations office's: refused by function before any object.
    assert ota_a.post(f"/reservations/{theirs['id']}/no-show").status_code == 403

    # Nothing of the refused changes happened.
    for target in (theirs, phoned):
        current = office.get(f"/reservations/{target['id']}").json()
        assert (current["status"], current["version"], current["adults"]) == ("confirmed", 1, 1)

    # Lists and searches keep each integrator to its own channel; staff see all.
    assert ids(ota_a.get("/reservations")) == {mine["id"]}
    assert ids(ota_a.get("/reservations", params={"channel": "web"})) == set()
    assert ids(ota_a.get("/reservations", params={"name": "Bravo"})) == set()
    assert (
        ids(
            ota_a.get(
                "/reservations", params={"confirmation_number": theirs["confirmation_number"]}
            )
        )
        == set()
    )
    assert ids(ota_b.get("/reservations")) == {theirs["id"]}
    assert ids(office.get("/reservations")) == {mine["id"], theirs["id"], phoned["id"]}
    assert ids(stack.client("reservation", scope="frontdesk").get("/reservations")) == {
        mine["id"],
        theirs["id"],
        phoned["id"],
    }

    # The same Idempotency-Key on two channels: two bookings, neither sees the other's.
    key = {"Idempotency-Key": "shared-key-0001"}
    first = book(ota_a, "Delta", **key)
    second = book(ota_b, "Echo", **key)
    assert first["id"] != second["id"] and second["channel_name"] == OTHER_CHANNEL
    replay = ota_a.post("/reservations", json=booking("Delta"), headers=key)
    assert (replay.status_code, replay.json()["id"]) == (201, first["id"])
    assert replay.headers["Idempotent-Replayed"] == "true"

    # Its own: read, amend, cancel.
    assert ota_a.get(f"/reservations/{mine['id']}").status_code == 200
    amended = ota_a.patch(
        f"/reservations/{mine['id']}", json={"adults": 2, "reason": "guest asked"}
    )
    assert (amended.status_code, amended.json()["adults"]) == (200, 2), amended.text
    cancelled = ota_a.post(f"/reservations/{mine['id']}/cancel", json={"reason": "plans changed"})
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "cancelled")
    print(
        f"\nintegrator A vs B and staff bookings: {len(refusals)} foreign reads/amends/"
        f"cancels -> 404 (as a missing id), no-show -> 403; lists: A 1, B 1, staff 3; "
        f"one Idempotency-Key on two channels -> 2 bookings"
    )


async def test_a_survey_token_opens_and_answers_only_its_own_survey(
    stack: Stack, amqp_url: str
) -> None:
    stack.start(
        "feedback",
        SURVEY_LINK_SECRET="e2e-object-level-secret",
        SMS_LOG_PATH=str(stack.work_dir / "sms.log"),
    )
    guest = stack.client("feedback", scope=None)  # the guest's browser: no key, the link
    for number in (1, 2):
        await publish_events(amqp_url, list(checkout(number)))
    mails = await wait_for(
        lambda: stack.smtp.messages if len(stack.smtp.messages) >= 2 else None,
        timeout=30,
        message="two survey invitations",
    )
    (x_id, x_token), (y_id, y_token) = [
        LINK.search(mail.get_payload(decode=True).decode()).group("survey_id", "token")
        for mail in mails
    ]
    assert x_id != y_id

    crossed = {
        "GET Y with X's token": guest.get(f"/surveys/{y_id}", params={"token": x_token}),
        "GET X with Y's token": guest.get(f"/surveys/{x_id}", params={"token": y_token}),
        "answer Y with X's token": guest.post(
            f"/surveys/{y_id}/responses", json={"token": x_token, "answers": {"recommend": 9}}
        ),
        "answer X with Y's token": guest.post(
            f"/surveys/{x_id}/responses", json={"token": y_token, "answers": {"recommend": 1}}
        ),
    }
    for what, response in crossed.items():
        assert response.status_code == 403, (what, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    # The list of surveys is staff's: the guest's browser gets nothing without a key.
    assert guest.get("/surveys").status_code == 401

    # Neither survey was touched: each still opens and takes its own answer, once.
    for survey_id, token in ((x_id, x_token), (y_id, y_token)):
        assert guest.get(f"/surveys/{survey_id}", params={"token": token}).status_code == 200
        answered = guest.post(
            f"/surveys/{survey_id}/responses", json={"token": token, "answers": {"recommend": 10}}
        )
        assert answered.status_code == 201, answered.text
    print(f"\nsurvey X vs Y: {len(crossed)} crossed token uses -> 403; own tokens -> 200/201")
