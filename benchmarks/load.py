"""Driving HTTP load and summarising it: N requests from C concurrent clients, or a paced
stream; latencies kept per request."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass
class Run:
    """What a load run did: answers by status, per-request latencies, the wall time."""

    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    answers: list[Any] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        return percentile(self.latencies, p)


def percentile(values: Sequence[float], p: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


Call = Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]]


async def closed_loop(
    client: httpx.AsyncClient, call: Call, count: int, concurrency: int = 16
) -> Run:
    """`count` calls from `concurrency` clients, each sending its next when answered."""
    run = Run()
    numbers = iter(range(count))
    run.answers = [None] * count

    async def worker() -> None:
        for n in numbers:
            started = time.perf_counter()
            response = await call(client, n)
            run.latencies.append(time.perf_counter() - started)
            run.statuses[response.status_code] = run.statuses.get(response.status_code, 0) + 1
            run.answers[n] = response

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    run.seconds = time.perf_counter() - started
    return run


async def paced(
    client: httpx.AsyncClient, call: Call, count: int, per_second: float
) -> tuple[Run, list[float]]:
    """`count` calls started at `per_second`, whatever the answers take; returns the run
    and the moment each call was answered (perf_counter)."""
    run = Run()
    answered = [0.0] * count
    run.answers = [None] * count

    async def one(n: int) -> None:
        sent = time.perf_counter()
        response = await call(client, n)
        answered[n] = time.perf_counter()
        run.latencies.append(answered[n] - sent)
        run.statuses[response.status_code] = run.statuses.get(response.status_code, 0) + 1
        run.answers[n] = response

    started = time.perf_counter()
    tasks = []
    for n in range(count):
        delay = started + n / per_second - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(n)))
    await asyncio.gather(*tasks)
    run.seconds = time.perf_counter() - started
    return run, answered


def client(base_url: str, headers: dict[str, str]) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base_url,
        headers=headers,
        timeout=60,
        limits=httpx.Limits(max_connections=64, max_keepalive_connections=64),
    )
