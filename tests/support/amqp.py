"""Talking to the broker from tests: publish as a producer would, watch what flows."""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import random
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import unquote, urlparse

import aio_pika

from scripts.broker_users import url_as
from shared.events import Event
from shared.outbox import outbox_entry, to_amqp_message
from shared.topology import CONSUMER_QUEUES, EVENTS_EXCHANGE


async def publish_events(
    url: str,
    events: Sequence[Event[Any]],
    *,
    copies: int = 1,
    shuffle: bool = False,
    seed: int = 7,
    as_producer: bool = True,
) -> int:
    """Publishes like the outbox relay does (confirms, mandatory, persistent); returns count.
    On the local broker each event goes out under its producer's own login with user_id
    set, as the producing service's relay would (`as_producer=False`: under `url`'s)."""
    messages = [event for event in events for _ in range(copies)]
    if shuffle:
        random.Random(seed).shuffle(messages)
    connections: dict[str, aio_pika.abc.AbstractRobustConnection] = {}
    exchanges: dict[str, Any] = {}
    try:
        for event in messages:
            login = event.producer if as_producer and is_local_broker(url) else None
            if login not in exchanges:
                connections[login] = await aio_pika.connect_robust(
                    url_as(url, login) if login else url
                )
                channel = await connections[login].channel(
                    publisher_confirms=True, on_return_raises=True
                )
                exchanges[login] = await channel.get_exchange(EVENTS_EXCHANGE, ensure=False)
            await exchanges[login].publish(
                to_amqp_message(outbox_entry(event), user_id=login),
                routing_key=event.type,
                mandatory=True,
            )
    finally:
        for connection in connections.values():
            await connection.close()
    return len(messages)


def is_local_broker(url: str) -> bool:
    """The tests' local broker, where every service has its user (broker_users.py)."""
    return not os.environ.get("RABBITMQ_URL") and urlparse(url).hostname == "127.0.0.1"


async def publish_raw(
    url: str, routing_key: str, body: bytes, *, login: str | None = None, **properties: Any
) -> None:
    """`login`: publish as that service's broker user, with user_id set (local broker)."""
    if login and is_local_broker(url):
        url, properties = url_as(url, login), {"user_id": login, **properties}
    async with await aio_pika.connect_robust(url) as connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.get_exchange(EVENTS_EXCHANGE)
        await exchange.publish(aio_pika.Message(body=body, **properties), routing_key=routing_key)


async def queue_depths(url: str, names: Iterable[str]) -> dict[str, int]:
    async with await aio_pika.connect_robust(url) as connection:
        channel = await connection.channel()
        depths = {}
        for name in names:
            queue = await channel.declare_queue(name, passive=True)
            depths[name] = queue.declaration_result.message_count
        return depths


def all_consumer_queues(*services: str) -> list[str]:
    names = []
    for service in services:
        for queue in CONSUMER_QUEUES[service]:
            names += [queue.name, queue.retry_queue, queue.parking_queue]
    return names


class EventTap:
    """A queue of the test's own, bound to `hotel.events`: sees what the services publish."""

    def __init__(self, url: str, routing_keys: Sequence[str]) -> None:
        self.url = url
        self.routing_keys = routing_keys
        self.received: list[aio_pika.abc.AbstractIncomingMessage] = []

    async def __aenter__(self) -> EventTap:
        self._connection = await aio_pika.connect_robust(self.url)
        channel = await self._connection.channel()
        exchange = await channel.get_exchange(EVENTS_EXCHANGE)
        self._queue = await channel.declare_queue(exclusive=True)
        for key in self.routing_keys:
            await self._queue.bind(exchange, routing_key=key)
        await self._queue.consume(self._on_message, no_ack=True)
        return self

    async def _on_message(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        self.received.append(message)

    async def __aexit__(self, *exc: object) -> None:
        await self._connection.close()

    def bodies(self, event_type: str | None = None) -> list[dict[str, Any]]:
        return [
            json.loads(m.body) for m in self.received if event_type is None or m.type == event_type
        ]


async def wait_for(condition, timeout: float = 30, interval: float = 0.2, message: str = ""):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = condition()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return result
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message or condition}")
        await asyncio.sleep(interval)


def unacknowledged(url: str, queue: str) -> int | None:
    """Messages delivered from `queue` and not yet acked, as the broker counts them
    (rabbitmqctl, on the broker's machine); None where rabbitmqctl is not at hand."""
    if not shutil.which("rabbitmqctl"):
        return None
    vhost = unquote(urlparse(url).path.lstrip("/")) or "/"
    listing = subprocess.run(
        [
            "rabbitmqctl",
            "-q",
            "list_queues",
            "-p",
            vhost,
            "name",
            "messages_unacknowledged",
            "--no-table-headers",
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    counts = dict(line.split("\t") for line in listing.splitlines() if "\t" in line)
    return int(counts[queue])
