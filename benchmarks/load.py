"""Driving HTTP load and summarising it: N requests from C concurrent clients, or a paced
stream; latencies kept per request.

The load generator is aiohttp's client, not httpx: it shares the two cores with the
services, and httpx spent 2.8-2.9 ms of CPU per request where aiohttp spends 0.25-0.28
(the bare endpoint, 3,000 requests, 16 clients: 342-352/s against 3,347-3,499/s). With
httpx the "bare endpoint" ceiling was the client's own, and every other row paid for a
third of a core of client work."""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import aiohttp


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


@dataclass(frozen=True)
class Answer:
    """A response read to its end: what the rows need of it."""

    status_code: int
    text: str

    def json(self) -> Any:
        return json.loads(self.text)


class LoadClient:
    """The few calls the bench makes (`get`, `post`), answered as `Answer`s, over one
    aiohttp session with keep-alive connections to one service."""

    def __init__(self, base_url: str, headers: dict[str, str]) -> None:
        self.base_url = base_url.rstrip("/")
        self.headers = headers
        self.session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> LoadClient:
        self.session = aiohttp.ClientSession(
            headers=self.headers,
            timeout=aiohttp.ClientTimeout(total=60),
            connector=aiohttp.TCPConnector(limit=64),
        )
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        assert self.session is not None
        await self.session.close()

    async def request(self, method: str, path: str, **options: Any) -> Answer:
        assert self.session is not None, "use the client in `async with`"
        async with self.session.request(method, self.base_url + path, **options) as response:
            return Answer(response.status, await response.text())

    async def get(self, path: str, params: dict[str, Any] | None = None) -> Answer:
        return await self.request("GET", path, params=params)

    async def post(self, path: str, json: Any = None) -> Answer:
        return await self.request("POST", path, json=json)


Call = Callable[[LoadClient, int], Awaitable[Answer]]


async def closed_loop(client: LoadClient, call: Call, count: int, concurrency: int = 16) -> Run:
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
    client: LoadClient, call: Call, count: int, per_second: float
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


def client(base_url: str, headers: dict[str, str]) -> LoadClient:
    return LoadClient(base_url, headers)
