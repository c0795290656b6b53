"""The transactional outbox and its relay.

A use case writes its state change and the events it causes in ONE document write:
the events ride in the aggregate's `outbox` array (a standalone MongoDB has no
multi-document transactions, and one document is always atomic). The relay publishes
pending events with publisher confirms, `mandatory` and persistent delivery, then pulls
them from the array. A crash between the write and the publish loses nothing: the next
relay (after a restart, or in another replica) finds the events still there.

Replicas share the work through a lease on the document (a conditional update), so they
neither block nor double-publish in the normal case; when a lease expires mid-publish
an event can go out twice, which the consumers' idempotency absorbs.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import aio_pika
from aio_pika.abc import AbstractRobustConnection
from prometheus_client import Counter

from shared.events import Event
from shared.logging import get_logger
from shared.topology import EVENTS_EXCHANGE
from shared.worker import PollingWorker

log = get_logger(__name__)

EVENTS_PUBLISHED = Counter("outbox_events_published_total", "Events the outbox relay published",
                           ["type"])
PUBLISH_FAILURES = Counter("outbox_publish_failures_total", "Outbox publish attempts that failed")

PENDING = {"outbox.0": {"$exists": True}}


def outbox_entry(event: Event[Any]) -> dict[str, Any]:
    """What a use case stores beside its state change, for the relay to publish.

    An entry may also name an `exchange` and a `routing_key` (e.g. a report to an
    integrator on `hotel.reports`); without them it goes to `hotel.events` under its type."""
    return {
        "event_id": str(event.event_id),
        "type": event.type,
        "correlation_id": event.correlation_id,
        "producer": event.producer,
        "occurred_at": event.occurred_at,
        "body": event.model_dump_json(),
    }


def with_outbox(document: dict[str, Any], *events: Event[Any]) -> dict[str, Any]:
    """A new aggregate document carrying its first events."""
    return {**document, "outbox": [outbox_entry(event) for event in events]}


def push_outbox(*events: Event[Any]) -> dict[str, Any]:
    """The update fragment that appends events to an aggregate's outbox."""
    return {"outbox": {"$each": [outbox_entry(event) for event in events]}}


def to_amqp_message(entry: dict[str, Any]) -> aio_pika.Message:
    return aio_pika.Message(
        body=entry["body"].encode(),
        message_id=entry["event_id"],
        type=entry["type"],
        correlation_id=entry["correlation_id"],
        app_id=entry["producer"],
        user_id=entry.get("user_id"),
        timestamp=entry["occurred_at"],
        content_type="application/json",
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
    )


class OutboxRelay(PollingWorker):
    name = "outbox-relay"

    def __init__(self, database: Any, collections: Iterable[str], *, poll_seconds: float,
                 lease_seconds: float, enabled: bool = True, batch_size: int = 100) -> None:
        super().__init__(poll_seconds)
        self._database = database
        self._collections = tuple(collections)
        self._lease = timedelta(seconds=lease_seconds)
        self._enabled = enabled
        self._batch_size = batch_size
        self._owner = str(uuid.uuid4())
        self._channel: aio_pika.abc.AbstractChannel | None = None

    async def start(self, connection: AbstractRobustConnection) -> None:
        if not self._enabled:
            log.warning("outbox relay disabled: events stay pending until a relay runs")
            return
        # on_return_raises: an unroutable mandatory message is an error, not a silent drop
        self._channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        self._user_id = connection.url.user  # the broker vouches for it: consumers check it
        self.start_loop()

    async def stop(self) -> None:
        await self.stop_loop()
        if self._channel and not self._channel.is_closed:
            await self._channel.close()

    async def work_once(self) -> int:
        try:
            return await self.publish_pending()
        except Exception:
            PUBLISH_FAILURES.inc()
            raise

    async def publish_pending(self) -> int:
        """Publishes what is pending in every outbox collection; returns how many went out."""
        assert self._channel is not None
        exchange = await self._exchange(EVENTS_EXCHANGE)
        published = 0
        for name in self._collections:
            collection = self._database[name]
            candidates = await collection.find(
                {**PENDING, "outbox_lease_until": {"$not": {"$gt": _now()}}}, {"_id": 1}
            ).to_list(self._batch_size)
            for candidate in candidates:
                published += await self._publish_document(collection, exchange, candidate["_id"])
        return published

    async def _exchange(self, name: str) -> Any:
        assert self._channel is not None
        return await self._channel.get_exchange(name, ensure=False)

    async def _publish_document(self, collection: Any, exchange: Any, document_id: Any) -> int:
        now = _now()
        claimed = await collection.find_one_and_update(
            {"_id": document_id, **PENDING, "outbox_lease_until": {"$not": {"$gt": now}}},
            {"$set": {"outbox_lease_until": now + self._lease, "outbox_lease_owner": self._owner}},
            projection={"outbox": 1},
        )
        if claimed is None:
            return 0  # another replica holds it, or it was published meanwhile
        sent: list[str] = []
        try:
            for entry in claimed["outbox"]:  # in order: events of one aggregate stay ordered
                target = (await self._exchange(entry["exchange"])) if entry.get("exchange") \
                    else exchange
                await target.publish(to_amqp_message({**entry, "user_id": self._user_id}),
                                     routing_key=entry.get("routing_key") or entry["type"],
                                     mandatory=True)
                sent.append(entry["event_id"])
                EVENTS_PUBLISHED.labels(entry["type"]).inc()
        finally:
            await collection.update_one(
                {"_id": document_id, "outbox_lease_owner": self._owner},
                {"$pull": {"outbox": {"event_id": {"$in": sent}}},
                 "$set": {"outbox_lease_until": None}},
            )
        return len(sent)


def _now() -> datetime:
    return datetime.now(UTC)
