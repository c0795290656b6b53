"""1,000 walk-ins at once over HTTP against the front desk process, on a 100-room
property (PROPERTY_FILE): every room is let for tonight exactly once, and the other 900
are refused with 409. (The service-layer test interleaves harder; this one is the real
process, its HTTP server and its store.)

With the room night's unique key removed (its `_id` suffixed with the stay; run
2026-12-01, not committed) it printed "{201: 995, 409: 5}, 6 room nights let, 6 let
twice": 995 guests let into rooms of 6 distinct room nights. With it: {201: 100, 409: 900},
0 let twice."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.integration.frontdesk_harness import property_file
from tests.support.stack import Stack

pytestmark = pytest.mark.e2e

REGISTRATION = {
    "first_name": "Ana",
    "last_name": "Silva",
    "gender": "female",
    "nationality": "PT",
    "document": {"type": "passport", "number": "CB123456", "expires_on": "2035-01-01"},
}


async def test_1000_concurrent_walk_ins_over_100_rooms_let_each_room_once_a_night(
    stack: Stack, tmp_path: Path
) -> None:
    rooms = property_file(tmp_path, {"king": 60, "twin": 40})
    # 1,000 requests at once queue for minutes on a busy machine: the 30 s request
    # deadline answered 68 of them 503 in a run beside the fault run, and the test is
    # about who gets a room, not about latency.
    stack.start(
        "frontdesk",
        PROPERTY_FILE=str(rooms),
        NIGHT_AUDIT_ENABLED="false",
        REQUEST_TIMEOUT_SECONDS="600",
    )
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    rng = random.Random(3)
    bodies = [
        {
            "room_type": rng.choice(["king", "twin"]),
            "adults": 1,
            "departure": (today + timedelta(days=rng.randint(1, 3))).isoformat(),
            "registration": REGISTRATION,
        }
        for _ in range(1000)
    ]

    # A fresh connection per request: no race with the server closing an idle keep-alive
    # (under load the pool reused ones the server was closing: httpx.ReadError).
    limits = httpx.Limits(max_connections=50, max_keepalive_connections=0)
    async with stack.async_client("frontdesk", timeout=900, limits=limits) as client:
        responses = await asyncio.gather(*(client.post("/walk-ins", json=body) for body in bodies))
        statuses = Counter(response.status_code for response in responses)
        in_house = (await client.get("/in-house", params={"date": today.isoformat()})).json()

    given = Counter(
        (stay["room_number"], night.isoformat())
        for stay in in_house["items"]
        for night in _nights(stay["arrival"], stay["departure"])
    )
    twice = sum(1 for count in given.values() if count > 1)
    print(
        f"\n1000 concurrent walk-ins over 100 rooms (HTTP, one process): {dict(statuses)}, "
        f"{len(given)} room nights let, {twice} let twice"
    )
    assert statuses == {201: 100, 409: 900}
    assert in_house["total"] == 100
    assert len({stay["room_number"] for stay in in_house["items"]}) == 100
    assert twice == 0


def _nights(arrival: str, departure: str) -> list[date]:
    first, last = date.fromisoformat(arrival), date.fromisoformat(departure)
    return [first + timedelta(days=n) for n in range((last - first).days)]
