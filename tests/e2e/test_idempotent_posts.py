"""Every POST honours Idempotency-Key: the same key and body get the first answer again
and the work is done once; the same key with another body is refused."""

from __future__ import annotations

import asyncio

import pytest

from tests.support.stack import Stack

pytestmark = pytest.mark.e2e


async def test_a_repeated_post_gets_the_first_answer_and_does_the_work_once(stack: Stack) -> None:
    stack.start("housekeeping")
    request = {
        "room_number": "401",
        "category": "bathroom",
        "priority": "high",
        "description": "the shower drips",
        "reported_by": "desk",
    }
    async with stack.async_client("housekeeping") as housekeeping:
        headers = {"idempotency-key": "maintenance-0001"}
        answers = await asyncio.gather(
            *(
                housekeeping.post("/maintenance-requests", json=request, headers=headers)
                for _ in range(8)
            )
        )
        statuses = sorted(a.status_code for a in answers)
        # Copies racing the first wait for it and answer with its answer.
        assert {a.status_code for a in answers} == {201}, (statuses, answers[0].text)
        assert len({a.json()["id"] for a in answers}) == 1
        assert sum(a.headers.get("idempotent-replayed") == "true" for a in answers) == 7

        listed = (await housekeeping.get("/maintenance-requests")).json()
        assert len(listed) == 1

        other = await housekeeping.post(
            "/maintenance-requests", headers=headers, json={**request, "description": "a leak"}
        )
        assert other.status_code == 422
        assert other.headers["content-type"] == "application/problem+json"
        without = await housekeeping.post("/maintenance-requests", json=request)
        assert without.status_code == 201  # no key: a new request, as before
        print(
            f"\n8 concurrent copies of one keyed POST: answers {statuses}, "
            f"1 maintenance request stored; another body: 422"
        )
