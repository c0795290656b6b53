"""The hotel the benchmark drives: a property file of N rooms, bookings that fill it (and
a few more, which must be refused), and the fan-out tracker that sees each checkout's
three effects arrive."""

from __future__ import annotations

import json
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import aio_pika

from shared.topology import EVENTS_EXCHANGE

ROOM_TYPES = (
    ("standard_twin", "twin", 2, "480.00"),
    ("king", "king", 2, "560.00"),
    ("business", "king", 2, "680.00"),
    ("deluxe", "king", 3, "880.00"),
    ("suite", "king", 4, "1680.00"),
)
ROOMS_PER_FLOOR = 20
ARRIVAL, DEPARTURE = "2027-06-01", "2027-06-02"
EFFECTS = ("hk.task.created", "loyalty.points_accrued", "survey.sent")
NAMES = {"hk.task.created": "cleaning", "loyalty.points_accrued": "points", "survey.sent": "survey"}


def write_property(path: Path, rooms: int) -> dict[str, int]:
    """A property of `rooms` rooms spread evenly over the room types; returns rooms per type."""
    per_type = rooms // len(ROOM_TYPES)
    floors = -(-per_type // ROOMS_PER_FLOOR)
    room_types, capacity, floor = [], {}, 2
    for code, bed, occupancy, rate in ROOM_TYPES:
        numbers = []
        for n in range(per_type):
            numbers.append(
                {
                    "number": f"{floor + n // ROOMS_PER_FLOOR}{n % ROOMS_PER_FLOOR + 1:02d}",
                    "floor": floor + n // ROOMS_PER_FLOOR,
                    "features": ["non_smoking"],
                }
            )
        floor += floors
        room_types.append(
            {
                "code": code,
                "name": code.replace("_", " ").title(),
                "bed": bed,
                "max_occupancy": occupancy,
                "nightly_rate": rate,
                "rooms": numbers,
            }
        )
        capacity[code] = per_type
    path.write_text(
        json.dumps(
            {
                "property_id": "demo-hotel",
                "name": "Bench Hotel",
                "currency": "CNY",
                "room_types": room_types,
            }
        )
    )
    return capacity


def booking(n: int) -> dict[str, Any]:
    code = ROOM_TYPES[n % len(ROOM_TYPES)][0]
    return {
        "guest": {
            "first_name": f"Bench{n}",
            "last_name": "Guest",
            "email": f"bench{n}@example.com",
        },
        "room_type": code,
        "arrival": ARRIVAL,
        "departure": DEPARTURE,
        "adults": 1,
        "channel": "web",
    }


class FanOutTracker:
    """Sees hk.task.created (departure cleaning), loyalty.points_accrued and survey.sent
    on a queue of its own; a stay is complete when all three arrived."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.seen: dict[str, dict[str, float]] = defaultdict(dict)
        self.complete_at: dict[str, float] = {}

    async def __aenter__(self) -> FanOutTracker:
        self._connection = await aio_pika.connect_robust(self.url)
        channel = await self._connection.channel()
        await channel.set_qos(prefetch_count=500)
        exchange = await channel.get_exchange(EVENTS_EXCHANGE)
        queue = await channel.declare_queue(exclusive=True)
        for key in EFFECTS:
            await queue.bind(exchange, routing_key=key)
        await queue.consume(self._on_message, no_ack=True)
        return self

    async def _on_message(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        now = time.perf_counter()
        payload = json.loads(message.body)["payload"]
        if message.type == "hk.task.created" and payload.get("kind") != "departure_cleaning":
            return
        stay_id = payload.get("stay_id")
        if not stay_id:
            return
        effects = self.seen[stay_id]
        effects.setdefault(message.type, now)
        if len(effects) == len(EFFECTS) and stay_id not in self.complete_at:
            self.complete_at[stay_id] = now

    def effect_latencies(
        self, stay_ids: list[str], answered: list[float]
    ) -> dict[str, list[float]]:
        """Per effect, from each check-out's answer to that effect's arrival."""
        return {
            NAMES[effect]: [
                self.seen[s][effect] - t for s, t in zip(stay_ids, answered, strict=True)
            ]
            for effect in EFFECTS
        }

    def last_effects(self, stay_ids: list[str], since: float) -> str:
        """When the last of each effect arrived, in seconds after `since`: which consumer
        a slow drain waited for."""
        last = {
            NAMES[effect]: max(self.seen[s][effect] for s in stay_ids) - since for effect in EFFECTS
        }
        return ", ".join(f"{name} {seconds:.1f} s" for name, seconds in last.items())

    async def __aexit__(self, *exc: object) -> None:
        await self._connection.close()
