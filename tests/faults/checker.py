"""What was asked for against what every service stored and what the guests received:
for each completed journey exactly one departure task, one ledger entry, one survey and
one survey mail; anything missing is lost, anything more is doubled, and an effect for
no journey of the run is unexpected."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.faults.driver import Journey
from tests.support.stack import SmtpSink

EFFECTS = ("tasks", "ledger entries", "surveys", "mails")


@dataclass
class Tally:
    expected: int = 0
    found: Counter[str] = field(default_factory=Counter)
    lost: Counter[str] = field(default_factory=Counter)
    doubled: Counter[str] = field(default_factory=Counter)
    unexpected: Counter[str] = field(default_factory=Counter)

    def add(self, effect: str, count: int) -> None:
        self.found[effect] += count
        if count == 0:
            self.lost[effect] += 1
        elif count > 1:
            self.doubled[effect] += count - 1

    @property
    def clean(self) -> bool:
        return not (
            sum(self.lost.values()) or sum(self.doubled.values()) or sum(self.unexpected.values())
        )

    def line(self) -> str:
        found = ", ".join(f"{self.found[e]} {e}" for e in EFFECTS)
        return (
            f"{self.expected} journeys -> {found}; lost {sum(self.lost.values())}, "
            f"doubled {sum(self.doubled.values())}, "
            f"unexpected {sum(self.unexpected.values())}"
        )


async def effects_of(
    journey: Journey,
    housekeeping: httpx.AsyncClient,
    loyalty: httpx.AsyncClient,
    feedback: httpx.AsyncClient,
) -> dict[str, int]:
    for attempt in range(5):  # a service just restarted may drop a connection once
        try:
            return await _effects_of(journey, housekeeping, loyalty, feedback)
        except httpx.TransportError:
            if attempt == 4:
                raise
            await asyncio.sleep(1)
    raise AssertionError("unreachable")


async def _effects_of(
    journey: Journey,
    housekeeping: httpx.AsyncClient,
    loyalty: httpx.AsyncClient,
    feedback: httpx.AsyncClient,
) -> dict[str, int]:
    tasks = (await housekeeping.get("/tasks", params={"stay_id": journey.stay_id})).json()
    points = await loyalty.get(f"/guests/{journey.guest_id}/points")
    surveys = (await feedback.get("/surveys", params={"stay_id": journey.stay_id})).json()
    entries: list[dict[str, Any]] = points.json()["entries"] if points.status_code == 200 else []
    return {
        "tasks": sum(1 for t in tasks["items"] if t["kind"] == "departure_cleaning"),
        "ledger entries": sum(1 for e in entries if e.get("stay_id") == journey.stay_id),
        "surveys": len(surveys["items"]),
    }


async def check(
    journeys: list[Journey],
    clients: dict[str, httpx.AsyncClient],
    smtp: SmtpSink,
    concurrency: int = 16,
) -> Tally:
    tally = Tally(expected=sum(1 for j in journeys if j.completed))
    mails = Counter(str(message["To"]) for message in smtp.messages)
    emails = {j.email for j in journeys}
    tally.unexpected["mails"] = sum(count for to, count in mails.items() if to not in emails)
    semaphore = asyncio.Semaphore(concurrency)

    async def one(journey: Journey) -> None:
        async with semaphore:
            found = await effects_of(
                journey, clients["housekeeping"], clients["loyalty"], clients["feedback"]
            )
        for effect, count in found.items():
            tally.add(effect, count)
        tally.add("mails", mails[journey.email])

    await asyncio.gather(*(one(j) for j in journeys if j.completed))
    return tally
