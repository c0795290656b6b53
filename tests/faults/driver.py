"""Guest journeys driven over HTTP as a real client would drive them: every call is
retried after a lost answer, a refused connection, a 5xx or a 429, with backoff, until a
deadline; creating calls carry an Idempotency-Key so that a retry can never book twice.

A journey: book (reservation) -> check in when the desk knows the booking (front desk)
-> check out -> clean and inspect the room, so the next guest can have it
(housekeeping). What every service then did about it is the checker's business."""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx

# The room types journeys book in turn, with the demo hotel's rooms of each: no more
# journeys of a type are under way at once than the hotel has rooms of it, as a hotel
# takes no more guests for tonight than it has rooms. A booking refused (409) then means
# a finished journey's night has not come back yet: its wait is the release lag.
ROOMS = {"standard_twin": 12, "king": 10, "business": 8, "deluxe": 6}
MIX = tuple(ROOMS)


class JourneyStuck(Exception):
    """A step did not succeed before its deadline."""


@dataclass
class Journey:
    number: int
    run: str
    reservation_id: str | None = None
    guest_id: str | None = None
    stay_id: str | None = None
    room_number: str | None = None
    completed: bool = False
    failure: str | None = None

    @property
    def email(self) -> str:
        return f"guest{self.number}.{self.run}@example.com"

    @property
    def room_type(self) -> str:
        return MIX[self.number % len(MIX)]


@dataclass
class Clients:
    reservation: httpx.AsyncClient
    frontdesk: httpx.AsyncClient
    housekeeping: httpx.AsyncClient


@dataclass
class DriverStats:
    retries: Counter[str] = field(default_factory=Counter)
    started: float = field(default_factory=time.monotonic)
    # the longest a booking waited for a room night a finished journey gave back
    longest_booking_wait: float = 0.0


class JourneyDriver:
    def __init__(
        self, clients: Clients, run: str, step_deadline: float = 300, seed: int = 7
    ) -> None:
        self.clients = clients
        self.run = run
        self.step_deadline = step_deadline
        self.stats = DriverStats()
        self._random = random.Random(seed)
        self.business_date: date | None = None

    async def drive(
        self,
        journeys: list[Journey],
        concurrency: int = 16,
        progress: Callable[[Journey], None] | None = None,
    ) -> None:
        queue: asyncio.Queue[Journey] = asyncio.Queue()
        for journey in journeys:
            queue.put_nowait(journey)
        rooms_free = {kind: asyncio.Semaphore(count) for kind, count in ROOMS.items()}

        async def worker() -> None:
            while not queue.empty():
                journey = queue.get_nowait()
                try:
                    async with rooms_free[journey.room_type]:
                        await self.journey(journey)
                except JourneyStuck as error:
                    journey.failure = str(error)
                if progress:
                    progress(journey)

        await asyncio.gather(*(worker() for _ in range(concurrency)))

    async def journey(self, journey: Journey) -> None:
        # A guest arrives on the business date (the only day a booking checks in) and
        # leaves the same day: the early departure gives the night back to the next guest.
        if self.business_date is None:
            answer = await self._call(
                "business date", self.clients.frontdesk, "GET", "/business-date", done={200}
            )
            self.business_date = date.fromisoformat(answer["business_date"])
        arrival = self.business_date
        # 409: a finished journey's night has not come back to reservation yet. A refusal
        # is an answer, and the Idempotency-Key keeps it (a retry with the same key gets
        # the same 409 for as long as the key is kept): asking again for the room is a new
        # request, with a new key, as a real client's "try again" is. A lost answer or a
        # 5xx keeps the key, so a retry can never book twice.
        asked = time.monotonic()
        booking = await self._call(
            "book",
            self.clients.reservation,
            "POST",
            "/reservations",
            idempotency_key=f"journey-{self.run}-{journey.number}",
            new_key_after={409},
            json={
                "guest": {
                    "first_name": f"Guest{journey.number}",
                    "last_name": "Faults",
                    "email": journey.email,
                },
                "room_type": journey.room_type,
                "arrival": arrival.isoformat(),
                "departure": (arrival + timedelta(days=1)).isoformat(),
                "adults": 1,
                "channel": "web",
            },
            done={201},
            wait_on={409},
        )
        waited = time.monotonic() - asked
        self.stats.longest_booking_wait = max(self.stats.longest_booking_wait, waited)
        journey.reservation_id, journey.guest_id = booking["id"], booking["guest_id"]
        # 404: the booking has not reached the desk yet; 409: no ready room of the type
        # right now (the previous guest's room is being cleaned). Both pass with time.
        stay = await self._call(
            "check in",
            self.clients.frontdesk,
            "POST",
            "/stays",
            json={"reservation_id": journey.reservation_id},
            done={201},
            wait_on={404, 409},
        )
        journey.stay_id, journey.room_number = stay["stay_id"], stay["room_number"]
        await self._call(
            "check out",
            self.clients.frontdesk,
            "POST",
            f"/stays/{journey.stay_id}/checkout",
            done={200},
        )
        await self._clean(journey)
        journey.completed = True

    async def _clean(self, journey: Journey) -> None:
        """The departure cleaning, finished and inspected: the room is ready again."""
        deadline = time.monotonic() + self.step_deadline
        while True:
            found = await self._call(
                "find task",
                self.clients.housekeeping,
                "GET",
                "/tasks",
                params={"stay_id": journey.stay_id},
                done={200},
            )
            task = next((t for t in found["items"] if t["kind"] == "departure_cleaning"), None)
            if task is not None:
                break
            if time.monotonic() > deadline:
                raise JourneyStuck(f"journey {journey.number}: no departure task")
            await asyncio.sleep(0.2)
        path = f"/tasks/{task['task_id']}"
        if task["status"] == "open":
            await self._call(
                "start",
                self.clients.housekeeping,
                "POST",
                f"{path}/start",
                json={"attendant": "faults"},
                done={200},
                settled={409},
            )
        await self._call(
            "finish",
            self.clients.housekeeping,
            "POST",
            f"{path}/finish",
            json={"completed_items": task.get("checklist", [])},
            done={200},
            settled={409},
        )
        await self._call(
            "inspect",
            self.clients.housekeeping,
            "POST",
            f"{path}/inspection",
            json={"inspector": "faults", "passed": True},
            done={200},
            settled={409},
        )

    async def _call(
        self,
        step: str,
        client: httpx.AsyncClient,
        method: str,
        path: str,
        done: set[int],
        wait_on: frozenset[int] | set[int] = frozenset(),
        settled: set[int] | None = None,
        idempotency_key: str | None = None,
        new_key_after: frozenset[int] | set[int] = frozenset(),
        **options: Any,
    ) -> dict[str, Any]:
        """Retries until an answer in `done` (or `settled`: the step already happened, as a
        retry after a lost answer finds), or the step's deadline. An answer in
        `new_key_after` ends the request for good: the next try is a new one, new key."""
        deadline = time.monotonic() + self.step_deadline
        backoff = 0.1
        last = ""
        tries = 0
        while time.monotonic() < deadline:
            if idempotency_key is not None:
                key = idempotency_key if tries == 0 else f"{idempotency_key}-{tries}"
                options["headers"] = {**options.get("headers", {}), "idempotency-key": key}
            try:
                response = await client.request(method, path, **options)
                if response.status_code in done:
                    return response.json()
                if settled and response.status_code in settled:
                    return {}
                last = f"{response.status_code} {response.text[:200]}"
                if (
                    response.status_code < 500
                    and response.status_code != 429
                    and response.status_code not in wait_on
                ):
                    raise JourneyStuck(f"{step}: {last}")
                if response.status_code in new_key_after:
                    tries += 1
            except httpx.TransportError as error:
                last = repr(error)
            self.stats.retries[step] += 1
            await asyncio.sleep(backoff * (0.5 + self._random.random()))
            backoff = min(backoff * 2, 2.0)
        raise JourneyStuck(f"{step}: no success before the deadline; last answer {last}")
