"""The ceilings the real path is measured against: the raw broker (aio-pika, confirms
awaited per window, a quorum queue, persistent messages) and the outbox relay alone
(in process, embedded store, the same broker)."""

from __future__ import annotations

import asyncio
import time
import uuid

import aio_pika
from prometheus_client import REGISTRY

from shared.events import SurveySent, SurveySentPayload
from shared.mongo import connect_database
from shared.outbox import OutboxRelay, with_outbox
from shared.settings import ServiceSettings
from shared.topology import declare_exchanges

WINDOW = 200


async def raw_broker(url: str, count: int, body_size: int = 600) -> tuple[float, float]:
    """(publish msg/s, consume msg/s): `count` persistent messages into a quorum queue,
    published in windows of WINDOW with confirms, then consumed with acks."""
    body = b"x" * body_size  # about an event's size
    async with await aio_pika.connect_robust(url) as connection:
        channel = await connection.channel(publisher_confirms=True)
        queue = await channel.declare_queue(
            f"bench.raw.{uuid.uuid4().hex[:6]}", durable=True, arguments={"x-queue-type": "quorum"}
        )
        started = time.perf_counter()
        for first in range(0, count, WINDOW):
            await asyncio.gather(
                *(
                    channel.default_exchange.publish(
                        aio_pika.Message(
                            body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT, message_id=str(n)
                        ),
                        routing_key=queue.name,
                    )
                    for n in range(first, min(first + WINDOW, count))
                )
            )
        publish_seconds = time.perf_counter() - started

        consumer = await connection.channel()
        await consumer.set_qos(prefetch_count=WINDOW)
        queue = await consumer.get_queue(queue.name)
        done = asyncio.Event()
        seen = 0

        async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            nonlocal seen
            await message.ack()
            seen += 1
            if seen == count:
                done.set()

        started = time.perf_counter()
        await queue.consume(on_message)
        await asyncio.wait_for(done.wait(), timeout=300)
        consume_seconds = time.perf_counter() - started
        await queue.delete(if_unused=False, if_empty=False)
    return count / publish_seconds, count / consume_seconds


async def relay_alone(url: str, documents: int, idle_documents: int = 600) -> float:
    """Events/s the outbox relay publishes from a collection of `idle_documents` without
    events and `documents` with one each (like rooms and stays): claim, publish, confirm,
    pull, as in a service."""
    database = connect_database(
        ServiceSettings(service_name=f"bench-relay-{uuid.uuid4().hex[:6]}", http_port=1)
    )
    things = database["things"]
    await things.insert_many([{"_id": f"idle-{n}"} for n in range(idle_documents)])
    await things.insert_many(
        [
            with_outbox(
                {"_id": n},
                SurveySent.new(
                    SurveySentPayload(
                        survey_id=f"s{n}", stay_id=f"stay{n}", guest_id="g", channel="email"
                    ),
                    producer="feedback",
                    property_id="bench",
                ),
            )
            for n in range(documents)
        ]
    )
    async with await aio_pika.connect_robust(url) as connection:
        async with connection.channel() as channel:
            await declare_exchanges(channel)
        relay = OutboxRelay(database, ["things"], poll_seconds=0.05, lease_seconds=30)
        before = _published()
        started = time.perf_counter()
        await relay.start(connection)
        # Watched through the relay's own counter: polling the store would compete with
        # the relay for this process's CPU.
        while _published() - before < documents:
            await asyncio.sleep(0.01)
        seconds = time.perf_counter() - started
        await relay.stop()
    assert not await things.count_documents({"outbox.0": {"$exists": True}})
    return documents / seconds


def _published() -> float:
    return (
        REGISTRY.get_sample_value("outbox_events_published_total", {"type": "survey.sent"}) or 0.0
    )
