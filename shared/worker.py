"""A background loop that works off pending records: woken by writes, polled as a net.

The outbox relay and the survey mailer are both this: records waiting in MongoDB, a pass
that handles what it can, a wake-up when a write adds more, and a poll that finds what a
crash or an outage left behind. `LeasedWorker` is the senders' shape of it: due, claim
under a lease, send.
"""

from __future__ import annotations

import asyncio
import contextlib
from abc import ABC, abstractmethod
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from prometheus_client import Counter

from shared.clock import Clock
from shared.logging import get_logger

log = get_logger(__name__)

# Passes per worker, and whether each found nothing to do: what a test waits on to know
# that the work a condition implied is done (tests/support/quiet.py), and an operator
# sees a worker that stopped passing.
WORKER_PASSES = Counter("worker_passes_total", "Passes of a background worker", ["worker", "idle"])


class PollingWorker(ABC):
    name = "worker"

    def __init__(self, poll_seconds: float) -> None:
        self._poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.idle_passes = 0  # this worker's own count (WORKER_PASSES adds up the process)

    def wake(self) -> None:
        self._wake.set()

    def start_loop(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop_loop(self) -> None:
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    @abstractmethod
    async def work_once(self) -> int:
        """Handles what is pending now; returns how many records it handled."""

    def was_idle(self, handled: int) -> bool:
        """Whether the pass just made found nothing pending."""
        return handled == 0

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                handled = await self.work_once()
                idle = self.was_idle(handled)
            except Exception:
                log.exception(
                    "background pass failed; retrying after the poll interval", worker=self.name
                )
                handled, idle = 0, False
            WORKER_PASSES.labels(self.name, "true" if idle else "false").inc()
            self.idle_passes += idle
            if handled:
                continue  # more may wait behind this batch
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._poll_seconds)


Due = TypeVar("Due")
Claimed = TypeVar("Claimed")


class LeasedWorker(PollingWorker, Generic[Due, Claimed]):
    """Due -> claim under a lease -> send: every sender of guest messages.

    `due(now)` lists what is due; `claim(record, now)` takes one for `self.lease` (None
    when another pass or replica holds it, or it is no longer due); `send(claimed, now)`
    delivers it and records the outcome, True when a message went out. A worker that
    dies holding a claim leaves it to lapse: the next pass after the lease sends it
    again (at least once; the lease keeps two senders off one record at a time)."""

    def __init__(self, poll_seconds: float, lease_seconds: float, clock: Clock) -> None:
        super().__init__(poll_seconds)
        self.lease = timedelta(seconds=lease_seconds)
        self.clock = clock

    @abstractmethod
    async def due(self, now: datetime) -> list[Due]: ...

    @abstractmethod
    async def claim(self, record: Due, now: datetime) -> Claimed | None: ...

    @abstractmethod
    async def send(self, claimed: Claimed, now: datetime) -> bool: ...

    async def work_once(self) -> int:
        now = self.clock()
        sent = 0
        for record in await self.due(now):
            claimed = await self.claim(record, now)
            if claimed is not None and await self.send(claimed, now):
                sent += 1
        return sent
