"""The transactional outbox and its relay.

A use case writes its state change and the events it causes in ONE document write:
the events ride in the aggregate's `outbox` array (a standalone MongoDB has no
multi-document transactions, and one document is always atomic). The relay publishes
pending events with publisher confirms, `mandatory` and persistent delivery, then pulls
them from the array. A crash between the write and the publish loses nothing: the next
relay (after a restart, or in another replica) finds the events still there.

A pass works on many documents at once: it claims up to `batch_size` of them with one
conditional update (a lease token of this pass), publishes all their events as one
window and only then awaits the broker's confirms, and pulls every confirmed event with
one update. Store round trips per pass stay constant, and the broker sees a stream, not
one message per round trip.

Replicas share the work through the lease (a conditional update per document), so they
neither block nor double-publish in the normal case; when a lease expires mid-publish
an event can go out twice, which the consumers' idempotency absorbs.

An entry that fails (it cannot be encoded as an AMQP message, or the broker refuses it)
is counted against itself and, after `max_attempts`, moved aside with its reason
(shared/outbox_failures.py), so one bad entry never holds back the others (not even the
events after it in its own document: an aggregate's events keep their order on the wire
except around an entry that failed). A broker outage counts against no entry.

An event that carries an aggregate's whole public state may take the place of the older
one of its kind still pending (`Superseded`): under load a guest's profile changes twice
before the relay's pass (a booking, then the guest's contact), and the departments need
only the newer state, which was four messages per booking more (issue 14).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import aio_pika
import aiormq
from aio_pika.abc import AbstractRobustConnection
from prometheus_client import Counter

from shared.broker_identity import connection_login
from shared.crashpoints import crash_point
from shared.events import Event
from shared.logging import get_logger
from shared.outbox_failures import (
    PUBLISH_FAILURES,
    FailedEntries,
    failure_reason,
    is_outage,
)
from shared.topology import EVENTS_EXCHANGE
from shared.worker import PollingWorker

log = get_logger(__name__)

EVENTS_PUBLISHED = Counter(
    "outbox_events_published_total", "Events the outbox relay published", ["type"]
)
PENDING = {"outbox.0": {"$exists": True}}

# aiormq hands a connection's frames to its writer task through a queue of
# FRAME_BUFFER_SIZE (10) publishes; a publisher finding it full waits for the writer, one
# turn of the event loop per ten messages. On a service answering requests a turn is
# every request in flight (16 bookings: 0.1 s), so a window of 231 events took 2.8 s to
# write and a burst of bookings reached the departments after it ended (issue 14). A
# window is bounded by the relay's batch; with this it goes out in one turn. Set before
# the service opens its connections (a class constant aiormq reads when it opens one).
aiormq.Connection.FRAME_BUFFER_SIZE = 4096


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


@dataclass(frozen=True)
class Superseded:
    """A pending outbox entry a newer event of the same kind replaces in its place: for
    an event that carries an aggregate's whole public state (a guest's profile), the
    newer one says everything the older would have, so only the newer goes out.

    The write that replaces it is guarded by the entry's id at its index: when the relay
    has sent and pulled it meanwhile, the write matches nothing and the use case reads
    the document again (it then appends, as for any published entry)."""

    index: int
    event_id: str
    type: str

    def guard(self) -> dict[str, Any]:
        return {f"outbox.{self.index}.event_id": self.event_id}

    def replacement(self, event: Event[Any]) -> dict[str, Any]:
        """The `$set` fragment; it cannot share an update with a `$push` to the outbox."""
        return {f"outbox.{self.index}": outbox_entry(event)}


def pending_of(document: dict[str, Any], types: Collection[str]) -> Superseded | None:
    """The newest entry of one of `types` still pending in the document's outbox."""
    outbox = document.get("outbox") or []
    for index in range(len(outbox) - 1, -1, -1):
        if outbox[index].get("type") in types:
            return Superseded(index, outbox[index]["event_id"], outbox[index]["type"])
    return None


def to_amqp_message(entry: dict[str, Any], *, user_id: str | None = None) -> aio_pika.Message:
    """`user_id`: the broker login the relay connects with; RabbitMQ refuses a message
    whose user_id is not the connection's own, so consumers can trust who sent it."""
    return aio_pika.Message(
        body=entry["body"].encode(),
        message_id=entry["event_id"],
        type=entry["type"],
        correlation_id=entry["correlation_id"],
        app_id=entry["producer"],
        user_id=user_id,
        timestamp=entry["occurred_at"],
        content_type="application/json",
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
    )


@dataclass
class _Claimed:
    """One claimed document: the entries published in this pass, in order, and what
    became of each."""

    collection: str
    document_id: Any
    confirmed: list[str] = field(default_factory=list)
    failed: list[tuple[dict[str, Any], str]] = field(default_factory=list)


class OutboxRelay(PollingWorker):
    name = "outbox-relay"

    def __init__(
        self,
        database: Any,
        collections: Iterable[str],
        *,
        poll_seconds: float,
        lease_seconds: float,
        enabled: bool = True,
        batch_size: int = 500,
        max_attempts: int = 5,
        linger_seconds: float = 0.005,
    ) -> None:
        super().__init__(poll_seconds)
        self._database = database
        self._collections = tuple(collections)
        self._lease = timedelta(seconds=lease_seconds)
        self._enabled = enabled
        self._batch_size = batch_size
        self._failures = FailedEntries(database, max_attempts)
        self._owner = str(uuid.uuid4())
        self._passes = 0
        self._linger = linger_seconds
        self._batch_was_full = False
        self._found_pending = True
        self._user_id = "guest"
        self._channel: aio_pika.abc.AbstractChannel | None = None

    async def start(self, connection: AbstractRobustConnection) -> None:
        if not self._enabled:
            log.warning("outbox relay disabled: events stay pending until a relay runs")
            return
        await self.create_indexes()
        self._user_id = connection_login(connection)
        # on_return_raises: an unroutable mandatory message is an error, not a silent drop
        self._channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        self.start_loop()

    async def create_indexes(self) -> None:
        """The pending documents, by lease: a partial index holds only documents with
        events to publish, so on MongoDB a pass reads those, not the whole collection
        (a year of stays), and the index stays as small as the backlog."""
        for name in self._collections:
            await self._database[name].create_index(
                [("outbox_lease_until", 1)],
                name="outbox_pending",
                partialFilterExpression=PENDING,
            )

    async def stop(self) -> None:
        await self.stop_loop()
        if self._channel and not self._channel.is_closed:
            await self._channel.close()

    async def work_once(self) -> int:
        """One pass. Each pass scans every outbox collection for pending documents, which
        on a busy service was a quarter of its CPU (py-spy, make bench --profile), so
        passes are made to count: a short linger lets the writes of a burst gather into
        one pass, and the loop goes again at once only when a batch was full; otherwise a
        write made during the pass has woken it, or the poll will."""
        if self._linger:
            await asyncio.sleep(self._linger)
            self._wake.clear()  # the scan below covers the writes that woke us meanwhile
        try:
            handled = await self.publish_pending()
        except Exception:
            PUBLISH_FAILURES.inc()
            raise
        return handled if self._batch_was_full else 0

    def was_idle(self, handled: int) -> bool:
        """No outbox held a pending event free to take (`handled` is 0 after most passes
        that published: see work_once)."""
        return not self._found_pending

    async def publish_pending(self) -> int:
        """Publishes what is pending in every outbox collection; returns how many went out
        (or were moved aside: both are progress)."""
        assert self._channel is not None
        handled = 0
        self._batch_was_full = False
        self._found_pending = False
        for name in self._collections:
            handled += await self._pass_over(name)
        return handled

    async def _pass_over(self, name: str) -> int:
        collection = self._database[name]
        now = _now()
        free = {**PENDING, "outbox_lease_until": {"$not": {"$gt": now}}}
        # In natural order, no sort: the store stops at the limit (a sort would make it
        # find, and on the embedded store evaluate, every pending document first).
        candidates = (
            await collection.find(free, {"outbox": 1}).limit(self._batch_size + 1).to_list(None)
        )
        if not candidates:
            return 0
        self._found_pending = True
        more = len(candidates) > self._batch_size
        self._batch_was_full |= more
        self._passes += 1
        token = f"{self._owner}:{self._passes}"
        claimed = candidates[: self._batch_size]
        ids = [document["_id"] for document in claimed]
        # One conditional update claims them all, found by their ids; each document is
        # claimed atomically, so a document another replica claimed meanwhile is simply
        # not ours.
        result = await collection.update_many(
            {**free, "_id": {"$in": ids}},
            {"$set": {"outbox_lease_until": now + self._lease, "outbox_lease_owner": token}},
        )
        if result.modified_count != len(claimed):
            # Another replica took some, or writes since added some: read what is ours.
            # (Else what we read is ours; an event appended since waits for the next pass.)
            claimed = await collection.find(
                {"_id": {"$in": ids}, "outbox_lease_owner": token}, {"outbox": 1}
            ).to_list(None)
        if not claimed:
            return 0
        outcomes = await self._publish_window(name, claimed)
        sent = [event_id for outcome in outcomes for event_id in outcome.confirmed]
        for _ in sent:  # the broker confirmed them; they are still in the outbox
            crash_point("outbox.after_confirm")
        moved = 0
        for outcome in outcomes:
            for entry, reason in outcome.failed:
                moved += await self._failures.count(
                    collection, outcome.collection, outcome.document_id, entry, reason
                )
        # One update pulls every confirmed event and lets go of every document of this pass.
        await collection.update_many(
            {
                "_id": {"$in": [document["_id"] for document in claimed]},
                "outbox_lease_owner": token,
            },
            {
                "$pull": {"outbox": {"event_id": {"$in": sent}}},
                "$set": {"outbox_lease_until": None, "outbox_lease_owner": None},
            },
        )
        return len(sent) + moved

    async def _publish_window(
        self, collection: str, documents: list[dict[str, Any]]
    ) -> list[_Claimed]:
        """Publishes every document's events without waiting in between, then awaits all
        confirms. Messages go out on one channel in this order (aiormq writes them under a
        FIFO lock), so each aggregate's events keep theirs.

        Through aiormq's channel with `wait=False`: aio-pika's `Exchange.publish` holds the
        channel's lock until the writer task has put the frames on the socket, a hand-over
        between tasks, so a window went out one message per turn of the event loop. On a
        service answering requests a turn is every request in flight (16 bookings, tens of
        ms): the reservation relay published one pass of 61 bookings during a whole burst
        of 640 and the rest after it (issue 14). With FRAME_BUFFER_SIZE above, the window
        is written in one turn (tests/integration/test_outbox_relay_busy_loop.py: 922
        turns of a busy loop for 300 events before, 316 with `wait=False` alone, 29 with
        both); the confirms are awaited as before: nothing is taken as sent unconfirmed."""
        assert self._channel is not None
        # aiormq's Channel takes `wait`; the abstract channel aio-pika types it as does not
        underlay: Any = await self._channel.get_underlay_channel()
        outcomes: list[_Claimed] = []
        confirms: list[tuple[_Claimed, dict[str, Any], asyncio.Future[Any]]] = []
        for document in documents:
            outcome = _Claimed(collection, document["_id"])
            outcomes.append(outcome)
            for entry in document.get("outbox") or []:
                message = to_amqp_message(entry, user_id=self._user_id)
                publish = underlay.basic_publish(
                    message.body,
                    exchange=entry.get("exchange") or EVENTS_EXCHANGE,
                    routing_key=entry.get("routing_key") or entry["type"],
                    properties=message.properties,
                    mandatory=True,
                    wait=False,
                )
                confirms.append((outcome, entry, asyncio.ensure_future(publish)))
        results = await asyncio.gather(*(task for _, _, task in confirms), return_exceptions=True)
        outages = 0
        for (outcome, entry, _), result in zip(confirms, results, strict=True):
            if isinstance(result, asyncio.CancelledError):
                raise result
            if isinstance(result, BaseException):
                if is_outage(result):
                    outages += 1  # not the entry's fault: it stays pending, uncounted
                else:
                    outcome.failed.append((entry, failure_reason(result)))
                continue
            outcome.confirmed.append(entry["event_id"])
            EVENTS_PUBLISHED.labels(entry["type"]).inc()
        if outages:
            PUBLISH_FAILURES.inc(outages)
            log.warning("broker did not take outbox events; they stay pending", count=outages)
        return outcomes


def _now() -> datetime:
    return datetime.now(UTC)
