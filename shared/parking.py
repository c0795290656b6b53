"""The parking lot: poison messages wait here with their reason until someone looks.

Each consuming queue Q has Q.parking. A message lands there when it can never succeed
(it does not match its contract) or when it has failed `max_attempts` times. Staff
inspect it over HTTP (`GET /admin/parking`) and, once the cause is fixed, replay it to
its queue with a fresh attempt count (`POST /admin/parking/{queue}/replay`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import aio_pika
from aio_pika.abc import AbstractIncomingMessage, AbstractRobustConnection
from prometheus_client import Counter
from pydantic import BaseModel

from shared.broker_identity import ORIGINAL_SENDER_HEADER, connection_login, sender_of
from shared.logging import get_logger, mask_text
from shared.topology import ConsumerQueue

log = get_logger(__name__)

MESSAGES_PARKED = Counter("messages_parked_total", "Messages moved to a parking lot", ["queue"])

REASON_HEADER = "x-parking-reason"
# Headers that only describe the message's past path; a replay starts it afresh.
_PATH_HEADERS = (
    "x-death",
    "x-first-death-exchange",
    "x-first-death-queue",
    "x-first-death-reason",
    "x-last-death-exchange",
    "x-last-death-queue",
    "x-last-death-reason",
    "x-delivery-count",
)


class ParkingLot:
    def __init__(self, queues: tuple[ConsumerQueue, ...]) -> None:
        self._queues = {queue.name: queue for queue in queues}
        self._connection: AbstractRobustConnection | None = None
        self._channel: aio_pika.abc.AbstractChannel | None = None

    async def start(self, connection: AbstractRobustConnection) -> None:
        self._connection = connection
        self._login = connection_login(connection)  # what parks and replays goes out under it
        self._channel = await connection.channel(publisher_confirms=True)

    def queue(self, name: str) -> ConsumerQueue:
        return self._queues[name]

    @property
    def queue_names(self) -> list[str]:
        return list(self._queues)

    async def park(
        self, message: AbstractIncomingMessage, queue: ConsumerQueue, *, reason: str, attempts: int
    ) -> None:
        assert self._channel is not None
        headers = dict(message.headers or {})
        headers[ORIGINAL_SENDER_HEADER] = (
            sender_of(message.user_id, message.headers, message.exchange, self._login) or ""
        )
        headers.update(
            {
                REASON_HEADER: mask_text(reason)[:1000],
                "x-parked-from": queue.name,
                "x-parked-at": datetime.now(UTC).isoformat(),
                "x-original-routing-key": message.routing_key or "",
                "x-attempts": attempts,
            }
        )
        exchange = await self._channel.get_exchange(queue.dead_letter_exchange, ensure=False)
        await exchange.publish(
            _copy(message, headers, self._login), routing_key=queue.parking_key, mandatory=True
        )
        MESSAGES_PARKED.labels(queue.name).inc()
        log.error(
            "message parked",
            queue=queue.name,
            message_id=message.message_id,
            message_type=message.type,
            reason=reason,
            attempts=attempts,
        )

    async def inspect(self, queue_name: str, limit: int) -> list[ParkedMessage]:
        """Reads up to `limit` parked messages without taking them off the queue."""
        queue = self._queues[queue_name]
        assert self._connection is not None
        found: list[ParkedMessage] = []
        # Unacked gets go back to the queue when this channel closes.
        async with self._connection.channel() as channel:
            parking = await channel.get_queue(queue.parking_queue, ensure=False)
            while len(found) < limit:
                message = await parking.get(no_ack=False, fail=False)
                if message is None:
                    break
                found.append(_describe(message))
        return found

    async def replay(self, queue_name: str, limit: int) -> int:
        """Moves up to `limit` parked messages back to their queue, attempts reset."""
        queue = self._queues[queue_name]
        assert self._connection is not None
        replayed = 0
        async with self._connection.channel(publisher_confirms=True) as channel:
            parking = await channel.declare_queue(queue.parking_queue, passive=True)
            dlx = await channel.get_exchange(queue.dead_letter_exchange, ensure=False)
            # Only what is parked now: a message that fails again is parked behind these
            # and must not be picked up by this same replay.
            limit = min(limit, parking.declaration_result.message_count or 0)
            while replayed < limit:
                message = await parking.get(no_ack=False, fail=False)
                if message is None:
                    break
                headers = {
                    k: v
                    for k, v in (message.headers or {}).items()
                    if k not in _PATH_HEADERS
                    and not k.startswith("x-parked")
                    and k not in (REASON_HEADER, "x-attempts")
                }
                await dlx.publish(
                    _copy(message, headers, self._login), routing_key=queue.name, mandatory=True
                )
                await message.ack()  # only once the copy is confirmed in its queue
                replayed += 1
        log.info("parked messages replayed", queue=queue_name, count=replayed)
        return replayed


def _copy(
    message: AbstractIncomingMessage, headers: dict[str, Any], login: str | None
) -> aio_pika.Message:
    """The message again, published by this service (`user_id` its own login; the first
    sender stays in the ORIGINAL_SENDER_HEADER, which the consumer believes only from
    this service's own login)."""
    return aio_pika.Message(
        user_id=login,
        body=message.body,
        headers=headers,
        message_id=message.message_id,
        type=message.type,
        correlation_id=message.correlation_id,
        content_type=message.content_type,
        app_id=message.app_id,
        timestamp=message.timestamp,
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
    )


class ParkedMessage(BaseModel):
    """What an operator sees of a parked message: why, how often tried, from whom; never
    its body (it may hold what the consumer refused to read)."""

    message_id: str | None
    type: str | None
    routing_key: str | None
    reason: str | None
    attempts: int | None
    parked_at: str | None
    correlation_id: str | None
    sent_by: str | None
    size_bytes: int


class Replayed(BaseModel):
    queue: str
    replayed: int


def _describe(message: AbstractIncomingMessage) -> ParkedMessage:
    headers = message.headers or {}
    return ParkedMessage.model_validate(
        {
            "message_id": message.message_id,
            "type": message.type,
            "routing_key": headers.get("x-original-routing-key"),
            "reason": headers.get(REASON_HEADER),
            "attempts": headers.get("x-attempts"),
            "parked_at": headers.get("x-parked-at"),
            "correlation_id": message.correlation_id,
            "sent_by": headers.get(ORIGINAL_SENDER_HEADER),
            "size_bytes": len(message.body),
        }
    )
