"""What the broker knows: queue depths and consumers (passive declares, so the CLI needs
no management plugin), purging a parking lot, and tailing events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import aio_pika

from shared.topology import CONSUMER_QUEUES, EVENTS_EXCHANGE, UNROUTED_QUEUE


class BrokerDown(Exception):
    pass


@dataclass(frozen=True)
class QueueDepth:
    service: str
    queue: str
    messages: int
    consumers: int
    retrying: int
    parked: int


async def _connect(url: str) -> aio_pika.abc.AbstractConnection:
    try:
        return await aio_pika.connect(url, timeout=15)
    except Exception as error:  # noqa: BLE001 - any failure to connect is "down" to a user
        safe = url.split("@")[-1]
        raise BrokerDown(
            f"RabbitMQ does not answer at {safe} ({type(error).__name__}); "
            "is it running, and are HOTEL_RABBITMQ_URL's credentials right?"
        ) from None


async def _counts(channel: aio_pika.abc.AbstractChannel, name: str) -> tuple[int, int]:
    queue = await channel.declare_queue(name, passive=True)
    result = queue.declaration_result
    return result.message_count, result.consumer_count


async def queue_depths(url: str) -> list[QueueDepth]:
    connection = await _connect(url)
    depths: list[QueueDepth] = []
    async with connection:
        for service, queues in CONSUMER_QUEUES.items():
            for queue in queues:
                try:
                    channel = await connection.channel()
                    messages, consumers = await _counts(channel, queue.name)
                    retrying, _ = await _counts(channel, queue.retry_queue)
                    parked, _ = await _counts(channel, queue.parking_queue)
                    await channel.close()
                except aio_pika.exceptions.ChannelClosed:  # not declared yet: never started
                    messages = consumers = retrying = parked = -1
                depths.append(
                    QueueDepth(service, queue.name, messages, consumers, retrying, parked)
                )
    return depths


async def unrouted(url: str) -> int:
    connection = await _connect(url)
    async with connection:
        channel = await connection.channel()
        try:
            return (await _counts(channel, UNROUTED_QUEUE))[0]
        except aio_pika.exceptions.ChannelClosed:
            return 0


async def purge_parking(url: str, queue_name: str) -> int:
    connection = await _connect(url)
    async with connection:
        channel = await connection.channel()
        parking = await channel.declare_queue(f"{queue_name}.parking", passive=True)
        result = await parking.purge()
        return result.message_count


async def tail(url: str, pattern: str) -> AsyncIterator[aio_pika.abc.AbstractIncomingMessage]:
    """Every event matching `pattern` from now on, through a queue of the CLI's own that
    the broker deletes when the CLI goes away."""
    connection = await _connect(url)
    async with connection:
        channel = await connection.channel()
        exchange = await channel.get_exchange(EVENTS_EXCHANGE, ensure=False)
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        await queue.bind(exchange, routing_key=pattern)
        async with queue.iterator() as messages:
            async for message in messages:
                await message.ack()
                yield message
