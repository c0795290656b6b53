"""Tries one broker operation as one login and says whether the broker allowed it:
publishing (write), binding a queue of the login's own (read on a topic exchange),
consuming (read on a queue). Used by the broker access matrix and the attack suite."""

from __future__ import annotations

import uuid

import aio_pika
from aiormq.exceptions import AMQPError, ChannelClosed

from scripts.broker_users import url_as

REFUSALS = (ChannelClosed, AMQPError, aio_pika.exceptions.AMQPException)


class BrokerProbe:
    """One connection as `login`; every try on a fresh channel (a refusal closes it)."""

    def __init__(self, url: str, login: str | None) -> None:
        """`login` None: `url` as given (the tests' administrator, no user_id set)."""
        self.url, self.login = url, login

    async def __aenter__(self) -> BrokerProbe:
        self.connection = await aio_pika.connect(
            url_as(self.url, self.login) if self.login else self.url
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.connection.close()

    async def publish(
        self,
        exchange: str,
        routing_key: str,
        *,
        body: bytes = b"{}",
        user_id: str | None = None,
        **properties: object,
    ) -> bool:
        """True when the broker confirmed the message (it was allowed to go in)."""
        try:
            async with self.connection.channel(publisher_confirms=True) as channel:
                target = await channel.get_exchange(exchange, ensure=False)
                await target.publish(
                    aio_pika.Message(
                        body, user_id=self.login if user_id is None else user_id, **properties
                    ),
                    routing_key=routing_key,
                    timeout=10,
                )
            return True
        except REFUSALS:
            return False

    async def bind(self, exchange: str, routing_key: str) -> bool:
        """True when a queue of the login's own could be bound with `routing_key`."""
        try:
            async with self.connection.channel() as channel:
                queue = await channel.declare_queue(
                    f"{self.login}.probe-{uuid.uuid4().hex[:8]}", exclusive=True, auto_delete=True
                )
                await queue.bind(
                    await channel.get_exchange(exchange, ensure=False), routing_key=routing_key
                )
            return True
        except REFUSALS:
            return False

    async def consume(self, queue_name: str) -> bool:
        """True when the login could read from the queue (a basic.get)."""
        try:
            async with self.connection.channel() as channel:
                queue = await channel.get_queue(queue_name, ensure=False)
                message = await queue.get(no_ack=False, fail=False)
                if message is not None:
                    await message.nack(requeue=True)
            return True
        except REFUSALS:
            return False
