"""Issue 12 on the real broker: the desk's night audit rolls the business date and the
other departments follow it (business_day.closed), and housekeeping follows an extension
(stay.extended). The hotel is in Shanghai: the audit runs at 01:30 there, 17:30 UTC of
the day before, so the UTC date and the hotel's business date differ."""

from __future__ import annotations

import pytest

from tests.support.amqp import queue_depths, wait_for
from tests.support.stack import Stack, at_hotel

pytestmark = pytest.mark.e2e

WALK_IN = {
    "room_type": "king",
    "departure": "2027-05-12",
    "adults": 1,
    "registration": {
        "first_name": "Mei",
        "last_name": "Audit",
        "gender": "other",
        "nationality": "CN",
        "document": {"type": "passport", "number": "CB123456", "expires_on": "2035-01-01"},
    },
}


def plan_of(housekeeping, day: str) -> dict | None:
    found = housekeeping.get(f"/plans/{day}")
    return found.json() if found.status_code == 200 else None


async def test_departments_follow_the_night_audit_and_the_extension(
    stack: Stack, amqp_url: str
) -> None:
    stack.set_hotel_time("2027-05-10", 15)
    stack.start(
        "frontdesk",
        "housekeeping",
        "loyalty",
        "feedback",
        PLAN_AT="01:00",  # this hotel plans right after its audit
        SCHEDULER_POLL_SECONDS="0.3",
    )
    desk, housekeeping = stack.client("frontdesk"), stack.client("housekeeping")
    loyalty = stack.client("loyalty")
    stay = desk.post("/walk-ins", json=WALK_IN)
    assert stay.status_code == 201, stay.text
    stay_id, room, guest_id = (stay.json()[k] for k in ("stay_id", "room_number", "guest_id"))
    extended = desk.post(f"/stays/{stay_id}/extension", json={"departure": "2027-05-14"})
    assert extended.status_code == 200, extended.text
    await wait_for(
        lambda: loyalty.get(f"/guests/{guest_id}").status_code == 200,
        message="the walk-in's profile in loyalty",
    )
    birthday = loyalty.patch(f"/guests/{guest_id}", json={"birthday": "1990-05-11"})
    assert birthday.status_code == 200, birthday.text

    for night, opened in (("2027-05-10", "2027-05-11"), ("2027-05-11", "2027-05-12")):
        stack.set_clock(at_hotel(opened, 1, 30))  # 17:30 UTC on `night`
        assert plan_of(housekeeping, opened) is None  # the audit has not closed `night`
        audit = desk.post("/night-audit", json={"night": night})
        assert audit.status_code == 200 and audit.json()["closed"], audit.text
        plan = await wait_for(
            lambda day=opened: plan_of(housekeeping, day),
            message=f"housekeeping's plan for {opened}, after the audit of {night}",
        )
        # The guest was to leave on the 12th: that day's service is the extension's.
        assert plan["stayovers_created"] == [f"stayover|{room}|{opened}"], plan
        print(f"\naudit of {night} at 17:30 UTC on {night}: plan made for {plan['day']}")

    actions = await wait_for(
        lambda: loyalty.get(f"/guests/{guest_id}/export").json()["guest"].get("campaign_actions"),
        message="the birthday greeting on the business date 2027-05-11",
    )
    assert actions == [f"birthday|2027|{guest_id}"]

    queues = [
        f"{s}.stay-events{suffix}"
        for s in ("loyalty", "feedback", "housekeeping")
        for suffix in ("", ".retry", ".parking")
    ]
    depths = await wait_for(
        lambda: _all_empty(amqp_url, queues), message="the stay-event queues drained"
    )
    print(f"queues after two audits: {depths}")


async def _all_empty(url: str, names: list[str]) -> dict[str, int] | None:
    depths = await queue_depths(url, names)
    return depths if not any(depths.values()) else None
