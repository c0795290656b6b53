"""Waiting until nothing more can happen: instead of sleeping "so a duplicate would show".

A doubled effect needs a message still on its way: one waiting in a queue (or in a retry
queue, for its delay), one delivered and not yet acknowledged, or an event a handler
wrote to its outbox that the relay has not yet published. The system is quiet when none
of these exists, and then counts can be compared exactly:

1. every queue of the test's vhost (parking lots and the unrouted sink aside: what is
   there stays there) holds 0 ready and 0 unacknowledged messages, as the broker counts
   them (rabbitmqctl list_queues);
2. then every service's outbox relay makes a whole pass that finds nothing pending (it
   counts such passes in `worker_passes_total{worker="outbox-relay",idle="true"}`): two
   more idle passes than just after step 1, so one began after it (the same for any
   other worker named, e.g. a mailer: a pass that finds nothing due);
3. from just before step 1 to the end of step 2 no relay published anything
   (`outbox_events_published_total`) and no consumer handled anything
   (`messages_consumed_total`): nothing was delivered after step 1 (every queue was
   empty then and nothing new went in), so nothing is unacknowledged at the end either.

Any of these not yet true: look again, until the deadline. Where rabbitmqctl is not at
hand (a broker elsewhere: RABBITMQ_URL), step 1 counts ready messages by a passive
declare of the services' queues, and once more after step 3; a message delivered and
unacknowledged is then seen only when its handling moves the consumed count in step 3.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import unquote, urlparse

import httpx
from prometheus_client.parser import text_string_to_metric_families

from shared.topology import UNROUTED_QUEUE
from tests.support.amqp import all_consumer_queues, is_local_broker, queue_depths

RELAY = "outbox-relay"


@dataclass(frozen=True)
class Marks:
    """What a service's counters said at one moment."""

    idle_passes: dict[str, float]  # per worker: passes that found nothing to do
    workers: frozenset[str]  # the workers that made any pass
    published: float
    consumed: float


async def service_marks(client: httpx.AsyncClient, url: str) -> Marks:
    response = await client.get(f"{url}/metrics")
    response.raise_for_status()
    text = response.text
    idle: dict[str, float] = {}
    workers: set[str] = set()
    published = consumed = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "worker_passes_total":
                workers.add(sample.labels["worker"])
                if sample.labels["idle"] == "true":
                    idle[sample.labels["worker"]] = sample.value
            elif sample.name == "outbox_events_published_total":
                published += sample.value
            elif sample.name == "messages_consumed_total":
                consumed += sample.value
    return Marks(idle, frozenset(workers), published, consumed)


TEST_TAP_PREFIX = "test."  # a test's own tap, read once at its end (test_security_pii_scan)


def _kept(name: str, ignore: Iterable[str]) -> bool:
    """Queues whose messages stay by design are not activity: parking lots, the kept
    unrouted messages, a test's own taps, and whatever the caller names."""
    return not (
        name.endswith(".parking")
        or name == UNROUTED_QUEUE
        or name.startswith(TEST_TAP_PREFIX)
        or name in set(ignore)
    )


async def queue_activity(
    amqp_url: str, services: Iterable[str], ignore: Iterable[str] = (), node: str | None = None
) -> dict[str, tuple[int, int | None]]:
    """Queues with messages ready or unacknowledged: {name: (ready, unacked or None)}.
    `node`: the broker node's name, where it is not the local default one."""
    if _counts_unacknowledged(amqp_url, node):
        vhost = unquote(urlparse(amqp_url).path.lstrip("/")) or "/"
        process = await asyncio.create_subprocess_exec(
            *("rabbitmqctl", "-q", *(("-n", node) if node else ()), "list_queues", "-p", vhost),
            *("name", "messages_ready", "messages_unacknowledged", "--no-table-headers"),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), timeout=60)
        if process.returncode:
            raise RuntimeError(f"rabbitmqctl list_queues: {err.decode().strip()}")
        busy = {}
        for line in out.decode().splitlines():
            name, ready, unacked = line.split("\t")
            if _kept(name, ignore) and (int(ready) or int(unacked)):
                busy[name] = (int(ready), int(unacked))
        return busy
    names = [name for name in all_consumer_queues(*services) if _kept(name, ignore)]
    return {
        name: (ready, None)
        for name, ready in (await queue_depths(amqp_url, names)).items()
        if ready
    }


async def wait_quiet(
    amqp_url: str,
    service_urls: Mapping[str, str],
    *,
    timeout: float = 120,
    workers: Iterable[str] = (),
    ignore: Iterable[str] = (),
    headers: Mapping[str, str] | None = None,
    node: str | None = None,
) -> int:
    """Returns once nothing more is on its way (see the module's docstring); raises
    AssertionError naming what is still busy at the deadline. `workers`: other background
    workers (e.g. "survey-mailer") that must also make two idle passes after the queues
    were seen empty, in every service that runs them. `ignore`: queues of the test's own
    that nobody consumes. `headers`: a credential that may read /metrics (ops). `node`:
    the broker node's name where it is not the default one. Returns how many looks it
    took."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    names = list(service_urls)
    required = (RELAY, *workers)
    looks = 0
    async with httpx.AsyncClient(timeout=10, headers=headers) as client:

        async def marks() -> dict[str, Marks]:
            got = await asyncio.gather(*(service_marks(client, service_urls[n]) for n in names))
            return dict(zip(names, got, strict=True))

        while True:
            looks += 1
            before = await marks()
            busy = await queue_activity(amqp_url, names, ignore, node)
            lagging: list[str] = []
            if not busy:
                start = await marks()
                while True:  # two more idle passes of each worker: one began after `start`
                    now = await marks()
                    lagging = [
                        f"{name}/{worker}"
                        for name in names
                        for worker in required
                        if (worker == RELAY or worker in now[name].workers)
                        and _passes(now[name], worker) < _passes(start[name], worker) + 2
                    ]
                    if not lagging or loop.time() > deadline:
                        break
                    await asyncio.sleep(0.1)
                # Nothing published or handled since before the queues were seen empty:
                # nothing can have been delivered since, so nothing is unacknowledged now.
                moved = [
                    name
                    for name in names
                    if (now[name].published, now[name].consumed)
                    != (before[name].published, before[name].consumed)
                ]
                if not lagging and not moved:
                    if _counts_unacknowledged(amqp_url, node):
                        return looks
                    busy = await queue_activity(amqp_url, names, ignore, node)  # ready: again
                    if not busy:
                        return looks
            if loop.time() > deadline:
                raise AssertionError(
                    f"not quiet after {timeout}s: queues busy {busy}, workers without two "
                    f"idle passes {lagging}"
                )
            await asyncio.sleep(0.2)


def _counts_unacknowledged(amqp_url: str, node: str | None) -> bool:
    """rabbitmqctl answers for a node on this machine: the local default one, or the one
    named (the fault harness runs one of its own, on another port)."""
    return (
        bool(shutil.which("rabbitmqctl"))
        and is_local_broker(amqp_url)
        and (node is not None or urlparse(amqp_url).port in (None, 5672))
    )


def _passes(marks: Marks, worker: str) -> float:
    """Passes that found nothing to do: a pass that did something is no sign of quiet."""
    return marks.idle_passes.get(worker, 0)
