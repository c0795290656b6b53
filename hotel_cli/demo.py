"""`hotel demo`: N guest journeys through the public APIs, then what every service did.

One journey: book on the web channel, wait until the desk knows the arrival, check in,
check out, let housekeeping clean the room (so the next guests find ready rooms), then
wait for the effects the check-out fans out to: the departure task, the ledger entry,
the survey and its mail. Every demo guest has an address of this run only, so the
counts are this run's, exactly.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, TypeVar

from .http import ServiceRefused, Services

ROOM_TYPES = ("standard_twin", "king", "business", "deluxe", "suite")
T = TypeVar("T")


class JourneyFailed(Exception):
    pass


@dataclass
class Journey:
    number: int
    email: str
    reservation_id: str = ""
    guest_id: str = ""
    stay_id: str = ""
    tasks: int = 0
    ledger_entries: int = 0
    surveys: int = 0
    error: str | None = None


@dataclass
class DemoResult:
    journeys: list[Journey] = field(default_factory=list)
    mails: int = 0
    parked: int = 0
    seconds: float = 0.0

    def total(self, attribute: str) -> int:
        return sum(getattr(journey, attribute) for journey in self.journeys)

    @property
    def completed(self) -> int:
        return sum(1 for journey in self.journeys if journey.error is None)


async def eventually(
    probe: Callable[[], Awaitable[T | None]], *, timeout: float, what: str, interval: float = 0.5
) -> T:
    """Polls `probe` until it returns something, or fails naming what never came."""
    deadline = time.monotonic() + timeout
    last_error = ""
    while True:
        try:
            found = await probe()
            if found:
                return found
        except ServiceRefused as error:
            last_error = f" (last answer: {error})"
        if time.monotonic() > deadline:
            raise JourneyFailed(f"{what} not there after {timeout:.0f}s{last_error}")
        await asyncio.sleep(interval)


class Demo:
    def __init__(
        self, services: Services, *, guests: int, concurrency: int = 6, timeout: float = 90
    ) -> None:
        self.services = services
        self.guests = guests
        self.concurrency = concurrency
        self.timeout = timeout
        self.run_id = uuid.uuid4().hex[:8]
        # Guests arrive on the hotel's business date (a guest checks in only then) and
        # leave the same day: the early departure gives the night back for the next one.
        self.business_date: date | None = None

    def booking(self, journey: Journey) -> dict[str, Any]:
        assert self.business_date is not None
        return {
            "guest": {
                "first_name": "Demo",
                "last_name": f"Guest {journey.number}",
                "email": journey.email,
            },
            "room_type": ROOM_TYPES[journey.number % len(ROOM_TYPES)],
            "arrival": self.business_date.isoformat(),
            "departure": (self.business_date + timedelta(days=1)).isoformat(),
            "adults": 1,
            "channel": "web",
        }

    async def journey(self, journey: Journey) -> None:
        api = self.services

        async def book() -> dict[str, Any] | None:
            # 409: tonight's rooms of the type are all held by journeys still under way
            response = await api.call(
                "reservation",
                "POST",
                "/reservations",
                expect=(201, 409),
                json=self.booking(journey),
                headers={"Idempotency-Key": f"demo-{self.run_id}-{journey.number}"},
            )
            if response.status_code != 201:
                raise ServiceRefused(f"{response.status_code} {response.json().get('detail')}")
            return response.json()

        booked = await eventually(book, timeout=self.timeout, what="the booking")
        journey.reservation_id, journey.guest_id = booked["id"], booked["guest_id"]

        async def check_in() -> dict[str, Any] | None:
            # 404: the booking has not reached the desk yet; 409: no ready room right now
            # (the other journeys' rooms are being cleaned). Both pass; anything else fails.
            response = await api.call(
                "frontdesk",
                "POST",
                "/stays",
                expect=(201, 404, 409),
                json={"reservation_id": journey.reservation_id},
            )
            if response.status_code != 201:
                raise ServiceRefused(f"{response.status_code} {response.json().get('detail')}")
            return response.json()

        stay = await eventually(check_in, timeout=self.timeout, what="the check-in")
        journey.stay_id = stay["stay_id"]
        await api.post("frontdesk", f"/stays/{journey.stay_id}/checkout")

        async def departure_task() -> dict[str, Any] | None:
            found = await api.get("housekeeping", "/tasks", params={"stay_id": journey.stay_id})
            return found["items"][0] if found["items"] else None

        task = await eventually(departure_task, timeout=self.timeout, what="the departure task")
        await self.clean(task)
        await self.count_effects(journey)

    async def clean(self, task: dict[str, Any]) -> None:
        """An attendant works the task through; the room turns clean for the next guest."""
        api = self.services
        if task["status"] in ("open", "paused"):
            await api.post(
                "housekeeping",
                f"/tasks/{task['task_id']}/start",
                json={"attendant": "demo attendant"},
            )
        await api.post(
            "housekeeping",
            f"/tasks/{task['task_id']}/finish",
            json={"completed_items": task["checklist"]},
        )

    async def clean_leftovers(self) -> int:
        """Departure cleanings an earlier, interrupted run left open: done first, so this
        run's guests find their rooms ready."""
        cleaned = 0
        for status in ("open", "in_progress", "paused"):
            found = await self.services.get(
                "housekeeping",
                "/tasks",
                params={"status": status, "kind": "departure_cleaning", "limit": 200},
            )
            for task in found["items"]:
                await self.clean(task)
                cleaned += 1
        return cleaned

    async def count_effects(self, journey: Journey) -> None:
        api = self.services

        async def ledger() -> list | None:
            response = await api.call(
                "loyalty", "GET", f"/guests/{journey.guest_id}/points", expect=(200, 404)
            )
            return response.json()["entries"] if response.status_code == 200 else None

        async def sent_surveys() -> list | None:
            found = await api.get("feedback", "/surveys", params={"stay_id": journey.stay_id})
            return [s for s in found["items"] if s.get("status") == "sent"] or None

        journey.ledger_entries = len(
            await eventually(ledger, timeout=self.timeout, what="the ledger entry")
        )
        journey.surveys = len(
            await eventually(sent_surveys, timeout=self.timeout, what="the survey")
        )
        tasks = await api.get("housekeeping", "/tasks", params={"stay_id": journey.stay_id})
        journey.tasks = tasks["total"]

    async def run(self, on_done: Callable[[Journey], None]) -> DemoResult:
        result = DemoResult(
            journeys=[
                Journey(n, f"demo-{self.run_id}-{n}@example.com") for n in range(1, self.guests + 1)
            ]
        )
        gate = asyncio.Semaphore(self.concurrency)
        started = time.monotonic()
        self.business_date = date.fromisoformat(
            (await self.services.get("frontdesk", "/business-date"))["business_date"]
        )
        await self.clean_leftovers()

        async def one(journey: Journey) -> None:
            async with gate:
                try:
                    await self.journey(journey)
                except (JourneyFailed, ServiceRefused) as error:
                    journey.error = str(error)
                on_done(journey)

        await asyncio.gather(*(one(journey) for journey in result.journeys))
        result.seconds = time.monotonic() - started
        return result
