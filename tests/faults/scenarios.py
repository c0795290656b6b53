"""The fault scenarios: each drives a batch of guest journeys while one kind of fault
happens, then reports what it did, how long the system took to recover, and whether
every effect of every journey happened exactly once."""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import aio_pika
import httpx

from scripts.broker_users import url_as
from shared.services import SERVICE_NAMES
from shared.topology import EVENTS_EXCHANGE
from tests.faults.checker import Tally, check
from tests.faults.driver import Journey, JourneyDriver
from tests.faults.harness import FaultSystem
from tests.support.amqp import all_consumer_queues, queue_depths

Fault = Callable[[FaultSystem, "Report"], Awaitable[None]]


@dataclass
class Report:
    name: str
    journeys: int = 0
    completed: int = 0
    recovery_seconds: list[float] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def line(self) -> str:
        recovery = ", ".join(f"{s:.1f}" for s in self.recovery_seconds) or "-"
        notes = f"; {'; '.join(self.notes)}" if self.notes else ""
        return (
            f"{self.name}: {self.completed}/{self.journeys} journeys complete; "
            f"recovery (s): {recovery}{notes}"
        )


class FaultRun:
    """Journeys numbered across the whole run, so every phase books its own nights."""

    def __init__(self, system: FaultSystem, run: str, concurrency: int = 16) -> None:
        self.system = system
        self.run = run
        self.concurrency = concurrency
        self.journeys: list[Journey] = []
        self.reports: list[Report] = []
        self.driver = JourneyDriver(system.driver_clients(), run)

    async def phase(self, name: str, count: int, fault: Fault | None = None) -> Report:
        report = Report(name, journeys=count)
        batch = [Journey(len(self.journeys) + n, self.run) for n in range(count)]
        self.journeys += batch
        self.driver.stats.longest_booking_wait = 0.0
        load = asyncio.create_task(self.driver.drive(batch, self.concurrency))
        if fault is not None:
            await fault(self.system, report)
        await load
        report.completed = sum(1 for j in batch if j.completed)
        failures = [j.failure for j in batch if j.failure]
        if failures:
            report.notes.append(f"first failure: {failures[0]}")
        report.notes.append(
            f"longest wait for a night given back {self.driver.stats.longest_booking_wait:.1f}s"
        )
        self.reports.append(report)
        print(f"  {report.line()}", flush=True)  # a long run shows its progress
        return report

    async def settle(self, timeout: float = 300) -> Tally:
        """Waits (with a deadline) until every effect of every journey is there and the
        queues are drained, then counts once more for doubles."""
        clients = {n: self.system.client(n) for n in ("housekeeping", "loyalty", "feedback")}
        deadline = time.monotonic() + timeout
        while True:
            tally = await check(self.journeys, clients, self.system.smtp)
            if not sum(tally.lost.values()) or time.monotonic() > deadline:
                break
            await asyncio.sleep(2)
        await quiet(self.system, deadline)
        return await check(self.journeys, clients, self.system.smtp)


async def quiet(system: FaultSystem, deadline: float) -> None:
    """Until nothing more is on its way (tests/support/quiet.py: queues drained, nothing
    unacknowledged, outboxes and the survey mailer idle), before counting for doubles."""
    await system.stack.wait_quiet(
        timeout=max(deadline - time.monotonic(), 1),
        workers=("survey-mailer",),
        ignore=(Recorder.QUEUE,),  # the harness's own copy of every event, kept for replay
        node=system.broker.name,
    )


async def parked(url: str) -> int:
    names = [n for n in all_consumer_queues(*SERVICE_NAMES) if n.endswith(".parking")]
    return sum((await queue_depths(url, names)).values())


# --- the faults ----------------------------------------------------------------------------


async def kill_each_service(
    system: FaultSystem, report: Report, times: int = 3, every: float = 4.0
) -> None:
    """Every service SIGKILLed `times` times while journeys run, restarted after a second."""
    for _ in range(times):
        for name in SERVICE_NAMES:
            await asyncio.sleep(every)
            system.kill_service(name)
            await asyncio.sleep(1)
            started = time.monotonic()
            await asyncio.to_thread(system.start_service, name)
            report.recovery_seconds.append(time.monotonic() - started)


async def kill_the_broker(
    system: FaultSystem, report: Report, times: int = 3, every: float = 8.0
) -> None:
    """The broker node SIGKILLed and started again on its data, `times` times."""
    for _ in range(times):
        await asyncio.sleep(every)
        system.broker.kill()
        started = time.monotonic()
        await asyncio.to_thread(system.broker.start)
        await system.wait_ready()
        report.recovery_seconds.append(time.monotonic() - started)


async def cut_the_network(system: FaultSystem, report: Report, seconds: float = 10.0) -> None:
    """Every service's connection to the broker cut for `seconds`."""
    await asyncio.sleep(5)
    for proxy in system.proxies.values():
        proxy.cut()
    await asyncio.sleep(seconds)
    started = time.monotonic()
    for proxy in system.proxies.values():
        proxy.restore()
    await system.wait_ready()
    report.recovery_seconds.append(time.monotonic() - started)


async def drop_confirms(system: FaultSystem, report: Report, cuts: int = 10) -> None:
    """The producers' connections cut again and again while they publish: some publishes
    reach the broker and are routed, but their confirm never comes back, so the relay
    publishes them again (the consumers' idempotency must absorb the copy)."""
    rng = random.Random(3)
    for _ in range(cuts):
        await asyncio.sleep(rng.uniform(0.5, 2.0))
        for name in ("reservation", "frontdesk"):
            system.proxies[name].cut()
        await asyncio.sleep(0.3)
        for name in ("reservation", "frontdesk"):
            system.proxies[name].restore()
    started = time.monotonic()
    await system.wait_ready()
    report.recovery_seconds.append(time.monotonic() - started)


async def slow_consumer(
    system: FaultSystem,
    report: Report,
    backlog: int = 100,
    max_seconds: float = 90.0,
    bytes_per_second: float = 2048,
) -> None:
    """Loyalty's link to the broker throttled to a crawl (2 KB/s each way, a message or
    two a second) until a backlog of `backlog` messages waits in its queues (or
    `max_seconds` passed), while the other departments keep up; then the link recovers
    and the backlog drains. Nothing drops, nothing doubles (the checker counts)."""
    await asyncio.sleep(2)
    system.proxies["loyalty"].throttle(bytes_per_second)
    started = time.monotonic()
    deepest = 0
    while deepest < backlog and time.monotonic() - started < max_seconds:
        depths = await queue_depths(system.broker.url, all_consumer_queues("loyalty"))
        deepest = max(deepest, sum(depths.values()))
        await asyncio.sleep(1)
    report.notes.append(
        f"loyalty backlog at its deepest: {deepest} messages waiting (link at "
        f"{bytes_per_second / 1024:.0f} KB/s for {time.monotonic() - started:.0f}s)"
    )
    started = time.monotonic()
    system.proxies["loyalty"].restore()
    # Recovered when loyalty's backlog is gone, while the journeys keep coming: not when
    # the whole hotel is quiet, which a long phase's own load never lets it be until it
    # ends (the 10,000-journey run's 2,000-journey phase gave up after 180 s of that).
    deadline = started + 600
    while sum((await queue_depths(system.broker.url, all_consumer_queues("loyalty"))).values()):
        assert time.monotonic() < deadline, "loyalty's backlog not drained in 600 s"
        await asyncio.sleep(1)
    report.recovery_seconds.append(time.monotonic() - started)


class Recorder:
    """A queue of the harness's own on hotel.events: a copy of every event published."""

    QUEUE = "faults.recorder"

    def __init__(self, url: str) -> None:
        self.url = url

    async def declare(self) -> None:
        async with await aio_pika.connect_robust(self.url) as connection:
            channel = await connection.channel()
            queue = await channel.declare_queue(self.QUEUE, durable=True)
            await queue.bind(EVENTS_EXCHANGE, routing_key="#")

    async def take(self) -> list[aio_pika.abc.AbstractIncomingMessage]:
        taken = []
        async with await aio_pika.connect_robust(self.url) as connection:
            channel = await connection.channel()
            queue = await channel.get_queue(self.QUEUE)
            while (message := await queue.get(no_ack=True, fail=False)) is not None:
                taken.append(message)
        return taken


def sample_of(
    messages: list[aio_pika.abc.AbstractIncomingMessage], size: int | None, seed: int = 19
) -> list[aio_pika.abc.AbstractIncomingMessage]:
    """`size` of the recorded events drawn at random from the whole run (all if None)."""
    if size is None or size >= len(messages):
        return messages
    return random.Random(seed).sample(messages, size)


async def redeliver(
    url: str, messages: list[aio_pika.abc.AbstractIncomingMessage], most: int = 5, seed: int = 5
) -> int:
    """Every recorded event published again 1 to `most` times, all shuffled, each under
    the login that first published it (consumers believe the broker's user_id only)."""
    rng = random.Random(seed)
    copies = [m for m in messages for _ in range(rng.randint(1, most))]
    rng.shuffle(copies)
    connections: dict[str, Any] = {}
    try:
        for message in copies:
            login = message.user_id or "guest"
            if login not in connections:
                connection = await aio_pika.connect_robust(url_as(url, login))
                channel = await connection.channel(publisher_confirms=True)
                connections[login] = (connection, await channel.get_exchange(EVENTS_EXCHANGE))
            await connections[login][1].publish(
                aio_pika.Message(
                    body=message.body,
                    message_id=message.message_id,
                    app_id=message.app_id,
                    type=message.type,
                    content_type=message.content_type,
                    user_id=login,
                    correlation_id=message.correlation_id,
                    headers=message.headers,
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                ),
                routing_key=message.routing_key or "",
            )
    finally:
        for connection, _ in connections.values():
            await connection.close()
    return len(copies)


async def poison(url: str) -> None:
    """A malformed stay.checked_out from the front desk's own login: parked, nothing else."""
    async with await aio_pika.connect_robust(url_as(url, "frontdesk")) as connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(EVENTS_EXCHANGE)
        await exchange.publish(
            aio_pika.Message(
                body=json.dumps({"type": "stay.checked_out", "payload": {"stay_id": 7}}).encode(),
                message_id="poison-1",
                app_id="frontdesk",
                content_type="application/json",
                user_id="frontdesk",
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            ),
            routing_key="stay.checked_out",
        )


async def booking_lag(system: FaultSystem, day: date, number: int) -> float:
    """Seconds from a confirmed booking to the front desk listing it."""
    reservation, desk = system.client("reservation"), system.client("frontdesk")
    booked = await reservation.post(
        "/reservations",
        json={
            "guest": {
                "first_name": "Lag",
                "last_name": f"Probe{number}",
                "email": f"lag{number}@example.com",
            },
            "room_type": "suite",
            "arrival": day.isoformat(),
            "departure": (day + timedelta(days=1)).isoformat(),
            "adults": 1,
            "channel": "web",
        },
    )
    assert booked.status_code == 201, booked.text
    confirmed = time.monotonic()
    while True:
        listed = (await desk.get("/arrivals", params={"date": day.isoformat()})).json()
        if any(a["reservation_id"] == booked.json()["id"] for a in listed["items"]):
            return time.monotonic() - confirmed
        if time.monotonic() - confirmed > 600:
            raise TimeoutError("the desk never listed the booking")
        await asyncio.sleep(0.05)


async def burst_of_bookings(
    system: FaultSystem, count: int, first_day: date, concurrency: int = 32
) -> float:
    """`count` bookings as fast as the reservation service takes them; returns seconds."""
    reservation = system.client("reservation")
    semaphore = asyncio.Semaphore(concurrency)
    kinds = ("standard_twin", "king", "business", "deluxe")

    async def book(number: int) -> Any:
        day = first_day + timedelta(days=number // 20)
        body = {
            "guest": {
                "first_name": "Burst",
                "last_name": f"Guest{number}",
                "email": f"burst{number}@example.com",
            },
            "room_type": kinds[number % 4],
            "arrival": day.isoformat(),
            "departure": (day + timedelta(days=1)).isoformat(),
            "adults": 1,
            "channel": "web",
        }
        async with semaphore:
            for attempt in range(1, 6):
                try:
                    answer = await reservation.post(
                        "/reservations",
                        json=body,
                        headers={"idempotency-key": f"burst-key-{number:06d}"},
                    )
                    break
                except httpx.TransportError:
                    # The server closed a kept-alive connection as the request went out
                    # (a full run of 2026-12-01 met one in 3,000: httpx.ReadError). A
                    # client sends it again under the same key; it is booked once.
                    if attempt == 5:
                        raise
                    await asyncio.sleep(0.1 * attempt)
            assert answer.status_code == 201, answer.text

    started = time.monotonic()
    await asyncio.gather(*(book(n) for n in range(count)))
    return time.monotonic() - started
