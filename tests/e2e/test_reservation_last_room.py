"""The last room, over HTTP against the real process: 100 concurrent bookings for the one
room left on a night, 50 rounds (a fresh night each). Exactly one wins each round, the
other 99 get 409 problem+json, and no night is ever sold past its capacity.

The reservation process runs its store in the interleaving mode (tests/conftest.py).
Guard removed (Inventory.resize reading `sold`, checking it, then writing without the
`sold <= capacity - growth` condition; run 2026-12-01, not committed) it printed
"winners per round [1, 2, ... 23], 4567 refused, 47 oversold nights, 433 rooms sold of
50". With the guard: "winners per round [1], 4950 refused, 0 oversold nights, 50 rooms
sold of 50"."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import date, timedelta

import httpx
import pytest

from tests.support.stack import Stack

pytestmark = pytest.mark.e2e

ROUNDS = 50
CONTENDERS = 100
FIRST_NIGHT = date(2027, 9, 1)


def booking(night: date, number: int) -> dict:
    return {
        "guest": {
            "first_name": "Contender",
            "last_name": f"N{number}",
            "email": f"contender{number}@example.com",
        },
        "room_type": "last-room",
        "arrival": night.isoformat(),
        "departure": (night + timedelta(days=1)).isoformat(),
        "adults": 1,
        "channel": "web",
    }


async def one_round(client: httpx.AsyncClient, night: date) -> Counter[int]:
    responses = await asyncio.gather(
        *(client.post("/reservations", json=booking(night, n)) for n in range(CONTENDERS))
    )
    for response in responses:
        if response.status_code == 409:
            assert response.headers["content-type"] == "application/problem+json"
    return Counter(response.status_code for response in responses)


def test_100_concurrent_bookings_for_the_last_room_50_rounds_one_winner_each(stack: Stack) -> None:
    stack.start("reservation")
    with stack.client("reservation") as client:
        created = client.put(
            "/room-types/last-room",
            json={
                "name": "Last Room",
                "beds": ["king"],
                "max_occupancy": 2,
                "rooms": 1,
                "nightly_rate": "500.00",
            },
        )
        assert created.status_code == 200, created.text

    async def all_rounds() -> list[Counter[int]]:
        # A fresh connection per request: no race with the server closing an idle keep-alive.
        limits = httpx.Limits(max_connections=CONTENDERS, max_keepalive_connections=0)
        async with stack.async_client("reservation", timeout=60, limits=limits) as client:
            return [await one_round(client, FIRST_NIGHT + timedelta(days=r)) for r in range(ROUNDS)]

    started = time.perf_counter()
    rounds = asyncio.run(all_rounds())
    elapsed = time.perf_counter() - started

    winners = [r[201] for r in rounds]
    with stack.client("reservation") as client:
        last_night = FIRST_NIGHT + timedelta(days=ROUNDS)
        report = client.get(
            "/reports",
            params={
                "from": FIRST_NIGHT.isoformat(),
                "to": (last_night - timedelta(days=1)).isoformat(),
            },
        )
        sold = {
            night: figures["sold"]
            for night, figures in report.json()["occupancy"]["nights"].items()
        }
        oversold = [night for night, count in sold.items() if count > 1]
        left = client.get(
            "/availability",
            params={"arrival": FIRST_NIGHT.isoformat(), "departure": last_night.isoformat()},
        ).json()
        booked = client.get(
            "/reservations", params={"arrival_from": FIRST_NIGHT.isoformat(), "limit": 1}
        ).json()
    # Printed before the checks, so a run with the guard removed shows how badly it oversold.
    print(
        f"\nlast room: {ROUNDS} rounds x {CONTENDERS} concurrent requests over HTTP in "
        f"{elapsed:.1f}s -> winners per round {sorted(set(winners))}, "
        f"{sum(r[409] for r in rounds)} refused, {len(oversold)} oversold nights, "
        f"{sum(sold.values())} rooms sold of {ROUNDS}"
    )
    assert winners == [1] * ROUNDS, winners
    assert all(r[409] == CONTENDERS - 1 for r in rounds), rounds
    assert oversold == [] and sum(sold.values()) == ROUNDS
    assert set(left["room_types"]["last-room"]["nights"].values()) == {0}
    assert booked["total"] == ROUNDS
