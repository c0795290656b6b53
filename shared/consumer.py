"""Consumers: subscribe to a declared queue, retry with delay, park what cannot succeed.

Handlers are thin typed FastStream subscribers. Around every one of them:
- the message is acked only after the handler returned (its effect is stored);
- a handler that raises is rejected, and its queue dead-letters the message to a retry
  queue that sends it back after a delay; never requeued in a tight loop;
- a message that does not match its contract can never succeed, so it is parked at
  once, with the validation error as its reason;
- on the `max_attempts`-th failure the message is parked with the last error.
- a message whose AMQP `user_id` (the broker login that published it, vouched for by
  the broker) is missing or not allowed to send its type (shared/producers.py) is
  parked at once, unhandled. The envelope's `producer` and `app_id` prove nothing.
Handlers must be idempotent (see shared/idempotency.py): at-least-once delivery means
they will see duplicates.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import cached_property
from types import TracebackType
from typing import Any, cast
from weakref import WeakKeyDictionary

from aio_pika.abc import AbstractIncomingMessage
from faststream import BaseMiddleware
from faststream.exceptions import SubscriberNotFound
from faststream.rabbit import QueueType, RabbitBroker, RabbitMessage, RabbitQueue
from prometheus_client import Counter, Gauge, Histogram
from pydantic import ValidationError

from shared.broker_identity import sender_of
from shared.crashpoints import crash_point
from shared.logging import bind_correlation_id, get_logger
from shared.parking import ParkingLot
from shared.producers import ALLOWED_COMMAND_SENDERS, sender_allowed
from shared.topology import COMMANDS_EXCHANGE, EVENTS_EXCHANGE, ConsumerQueue

log = get_logger(__name__)

MESSAGES_CONSUMED = Counter(
    "messages_consumed_total", "Messages handled by consumers", ["queue", "outcome"]
)
# From the moment an event occurred to its effect stored by this consumer: for
# stay.checked_out, the fan-out latency from check-out to each effect (one queue each).
EFFECT_LATENCY = Histogram(
    "event_effect_latency_seconds",
    "From an event's occurred_at to its consumer's effect stored",
    ["queue", "type"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
CONSUMER_LAG = Gauge(
    "consumer_lag_seconds",
    "Age (now - occurred_at) of the last message a consumer picked up",
    ["queue"],
)


def event_occurred(message: AbstractIncomingMessage) -> tuple[str, datetime] | None:
    """The message's type and when it occurred, when it is an event envelope."""
    try:
        body = json.loads(message.body)
        occurred = datetime.fromisoformat(body["occurred_at"])
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        return None
    if occurred.tzinfo is None:
        occurred = occurred.replace(tzinfo=UTC)
    return str(message.type or body.get("type")), occurred


def seconds_since(occurred: datetime) -> float:
    return max((datetime.now(UTC) - occurred).total_seconds(), 0.0)


class ProducerNotAllowed(Exception):
    """The message names a sender that may not send its type."""


# Errors no retry can cure: the message itself is wrong.
PERMANENT_ERRORS = (
    ValidationError,
    json.JSONDecodeError,
    UnicodeDecodeError,
    SubscriberNotFound,
    ProducerNotAllowed,
)


def subscribed_queue(queue: ConsumerQueue) -> RabbitQueue:
    """The queue as FastStream sees it: declared by shared.topology, so only looked up."""
    return RabbitQueue(queue.name, queue_type=QueueType.QUORUM, declare=False)


class Subscription:
    """The handlers of one declared queue (shared/topology.py). Each handler names the
    event (or command) class it handles; its filter comes from the class's type, and a
    type the queue is not bound to is refused at registration, so the bindings in the
    topology and the handlers cannot drift apart:

        stays = Subscription(broker, stay_events)

        @stays.handles(StayCheckedIn)
        async def on_stay_checked_in(event: StayCheckedIn) -> None: ...

    `unhandled()` names the bound types no handler took (tests/unit check it is empty
    for every service)."""

    def __init__(self, broker: RabbitBroker, queue: ConsumerQueue) -> None:
        self.queue = queue
        self._subscriber = broker.subscriber(subscribed_queue(queue), title=queue.name)
        self.handled: list[str] = []
        _SUBSCRIPTIONS.setdefault(broker, []).append(self)

    def handles(self, message_class: type[Any]) -> Callable[[Handler], Any]:
        message_type: str = getattr(message_class, "event_type", None) or message_class.command_type
        return self._bind(message_type)

    def __call__(self, *, filter: TypeFilter) -> Callable[[Handler], Any]:
        """The older spelling, `@stays(filter=of_type(StayCheckedIn.event_type))`, checked
        the same way (kept so that branches written before `handles` still merge)."""
        return self._bind(filter.event_type)

    def _bind(self, message_type: str) -> Callable[[Handler], Any]:
        if message_type not in self.queue.routing_keys:
            raise ValueError(
                f"{self.queue.name} is not bound to {message_type!r}: add it to its routing "
                "keys in shared/topology.py"
            )
        if message_type in self.handled:
            raise ValueError(f"{self.queue.name} has a handler for {message_type!r} already")
        self.handled.append(message_type)
        return self._subscriber(filter=of_type(message_type))

    def unhandled(self) -> list[str]:
        return [key for key in self.queue.routing_keys if key not in self.handled]


Handler = Callable[..., Awaitable[None]]
# Per broker: what register_consumers subscribed, for the completeness check.
_SUBSCRIPTIONS: WeakKeyDictionary[RabbitBroker, list[Subscription]] = WeakKeyDictionary()


def subscriptions_of(broker: RabbitBroker) -> list[Subscription]:
    return list(_SUBSCRIPTIONS.get(broker, []))


class TypeFilter:
    """A handler filter: the AMQP `type` property, else the envelope's `type` field.
    (Not the routing key: a retried message comes back under its queue's name.)"""

    def __init__(self, event_type: str) -> None:
        self.event_type = event_type

    async def __call__(self, message: RabbitMessage) -> bool:
        if message.raw_message.type:
            return bool(message.raw_message.type == self.event_type)
        body = await message.decode()
        return isinstance(body, dict) and body.get("type") == self.event_type


def of_type(event_type: str) -> TypeFilter:
    return TypeFilter(event_type)


def describe_error(error: Exception) -> str:
    """A reason for the parking lot: what failed and where, never the input's values
    (they may hold personal data)."""
    if isinstance(error, ProducerNotAllowed):
        return str(error)
    if isinstance(error, ValidationError):
        fields = "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg']}"
            for e in error.errors(include_input=False, include_url=False)
        )
        return f"ValidationError: {fields}"
    return f"{type(error).__name__}: {error}"


def attempts_so_far(message: AbstractIncomingMessage, queue_name: str) -> int:
    """How many times this message already failed in `queue_name` (from x-death)."""
    deaths = (message.headers or {}).get("x-death")
    attempts = 0
    for death in deaths if isinstance(deaths, list) else []:
        if not isinstance(death, dict) or death.get("queue") != queue_name:
            continue
        count = death.get("count")
        if death.get("reason") in ("rejected", "delivery_limit") and isinstance(count, int):
            attempts += count
    return attempts


def check_producer(
    message: AbstractIncomingMessage,
    allow_list: dict[str, frozenset[str]],
    own_login: str | None = None,
) -> str | None:
    """Raises ProducerNotAllowed unless the message's sender (AMQP `user_id`) may send
    its type (AMQP `type`, else the body's). Returns the sender."""
    event_type = message.type
    if not event_type:
        try:
            body = json.loads(message.body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = None
        event_type = body.get("type") if isinstance(body, dict) else None
    sender = sender_of(message.user_id, message.headers, message.exchange, own_login)
    if not sender:
        raise ProducerNotAllowed(f"no user_id: nobody vouches for {str(event_type)[:80]!r}")
    if not sender_allowed(str(event_type), sender, allow_list):
        raise ProducerNotAllowed(f"{sender[:80]} may not send {str(event_type)[:80]!r}")
    return sender


class RetryOrPark:
    """A broker middleware factory: `RabbitBroker(middlewares=[RetryOrPark(...)])`.
    `producers`: the allow-list (shared/producers.py) checked on `hotel.events` queues
    (commands on `hotel.commands` are checked against ALLOWED_COMMAND_SENDERS);
    `own_login`: this service's broker login (see `sender_of`)."""

    def __init__(
        self,
        parking: ParkingLot,
        max_attempts: int,
        producers: dict[str, frozenset[str]] | None = None,
        own_login: str | None = None,
    ) -> None:
        self.parking = parking
        self.max_attempts = max_attempts
        self.producers = producers
        self.own_login = own_login

    def __call__(self, msg: Any, /, *, context: Any) -> _RetryOrParkScope:
        return _RetryOrParkScope(msg, context=context, policy=self)


class _RetryOrParkScope(BaseMiddleware):
    def __init__(self, msg: Any, /, *, context: Any, policy: RetryOrPark) -> None:
        super().__init__(msg, context=context)
        self.policy = policy

    @cached_property
    def occurred(self) -> tuple[str, datetime] | None:
        """event_occurred of the message, read once: its body is parsed again for the
        handler (FastStream's decoder), where the lag and the latency read it twice more."""
        return event_occurred(self.raw)

    @property
    def raw(self) -> AbstractIncomingMessage:
        """The message as received: a Rabbit broker hands its middlewares aio-pika's."""
        assert self.msg is not None
        return cast(AbstractIncomingMessage, self.msg)

    async def on_receive(self) -> None:
        raw = self.raw
        bind_correlation_id(raw.correlation_id or raw.message_id)

    async def consume_scope(self, call_next: Any, msg: Any) -> Any:
        """Runs once a handler matched, before it is called."""
        queue = self.policy.parking.queue(self.context.get_local("handler_").queue.name)
        if self.policy.producers is not None:
            allow_list = {
                EVENTS_EXCHANGE: self.policy.producers,
                COMMANDS_EXCHANGE: ALLOWED_COMMAND_SENDERS,
            }.get(queue.exchange, {})
            check_producer(self.raw, allow_list, self.policy.own_login)
        if (event := self.occurred) is not None:
            CONSUMER_LAG.labels(queue.name).set(seconds_since(event[1]))
        return await call_next(msg)

    async def after_processed(
        self,
        exc_type: type[BaseException] | None = None,
        exc_val: BaseException | None = None,
        exc_tb: TracebackType | None = None,
    ) -> bool | None:
        raw = self.raw
        queue = self.policy.parking.queue(self.context.get_local("handler_").queue.name)
        if exc_val is None:
            crash_point("consumer.after_effect")
            MESSAGES_CONSUMED.labels(queue.name, "ok").inc()
            if (event := self.occurred) is not None:
                EFFECT_LATENCY.labels(queue.name, event[0]).observe(seconds_since(event[1]))
            return False
        if not isinstance(exc_val, Exception):
            return False  # cancellation and exits: let the broker redeliver
        attempt = attempts_so_far(raw, queue.name) + 1
        permanent = isinstance(exc_val, PERMANENT_ERRORS)
        if permanent or attempt >= self.policy.max_attempts:
            kind = (
                "producer not allowed"
                if isinstance(exc_val, ProducerNotAllowed)
                else "invalid message"
                if permanent
                else "attempts exhausted"
            )
            await self.policy.parking.park(
                raw, queue, attempts=attempt, reason=f"{kind}: {describe_error(exc_val)}"
            )
            MESSAGES_CONSUMED.labels(queue.name, "parked").inc()
            return True  # handled: the acknowledgement middleware acks the original
        log.warning(
            "handler failed; message goes to the retry queue",
            queue=queue.name,
            message_id=raw.message_id,
            attempt=attempt,
            error=repr(exc_val),
        )
        MESSAGES_CONSUMED.labels(queue.name, "retry").inc()
        return False  # rejected: dead-lettered to the retry queue
