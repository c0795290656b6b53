"""The broker topology, declared in code and exported to deploy/rabbitmq/definitions.json.

For every consuming queue Q (one per service and purpose):
- Q is a quorum queue bound to `hotel.events` by the event types it needs. A handler
  that fails rejects the message; Q dead-letters it (at-least-once) to `hotel.dlx`
  with the key `retry.Q`. `x-delivery-limit` catches a message that keeps coming back
  because its consumer dies before acking it.
- Q.retry holds it for `retry_delay_ms`, then dead-letters it back to Q.
- Q.parking keeps poison messages, with their reason in the headers, until someone
  inspects and replays them (see shared/parking.py).
Events nobody is bound to go to `hotel.unrouted` through the alternate exchange, so a
publish never silently vanishes.

Each service connects as its own broker user (its name), allowed only its own queues
(all named `<service>.`), the exchanges it publishes to and those its queues bind to; see
`service_permissions`. Passwords come from `RABBITMQ_PASSWORD_<SERVICE>` when the
definitions are generated (a development default otherwise) and are stored as RabbitMQ
password hashes.

Run `python -m shared.topology` to print the RabbitMQ definitions.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from dataclasses import dataclass

import aio_pika
from aio_pika.abc import AbstractChannel, ExchangeType

EVENTS_EXCHANGE = "hotel.events"
# Integrators (OTAs, group desks) send commands here (routing key = command type, e.g.
# `reservation.create`) and bind their own queue to the reports exchange for the answers.
COMMANDS_EXCHANGE = "hotel.commands"
REPORTS_EXCHANGE = "hotel.reports"
DEAD_LETTER_EXCHANGE = "hotel.dlx"
UNROUTED_EXCHANGE = "hotel.unrouted"
UNROUTED_QUEUE = "hotel.unrouted"


@dataclass(frozen=True)
class ConsumerQueue:
    name: str
    routing_keys: tuple[str, ...]
    exchange: str = EVENTS_EXCHANGE

    @property
    def retry_queue(self) -> str:
        return f"{self.name}.retry"

    @property
    def parking_queue(self) -> str:
        return f"{self.name}.parking"

    @property
    def retry_key(self) -> str:
        return f"retry.{self.name}"

    @property
    def parking_key(self) -> str:
        return f"parking.{self.name}"


# Who listens to what. One queue per consuming service and purpose.
CONSUMER_QUEUES: dict[str, tuple[ConsumerQueue, ...]] = {
    "reservation": (
        ConsumerQueue("reservation.commands",
                      ("reservation.create", "reservation.amend", "reservation.cancel"),
                      exchange=COMMANDS_EXCHANGE),
        ConsumerQueue("reservation.guest-lifecycle", ("guest.anonymized",)),
        # The stays that hold rooms (walk-ins, early arrivals, extensions, early
        # departures) and the business day the night audit closed (no-shows).
        ConsumerQueue("reservation.stay-events", ("stay.checked_in", "stay.checked_out",
                                                  "stay.extended", "business_day.closed")),
        # Out-of-order periods: one room fewer to sell on their nights.
        ConsumerQueue("reservation.room-periods", ("maintenance.out_of_order_scheduled",
                                                   "maintenance.out_of_order_cancelled")),
    ),
    "frontdesk": (
        ConsumerQueue("frontdesk.reservation-events", (
            "reservation.created", "reservation.amended", "reservation.cancelled",
            "reservation.no_show")),
        ConsumerQueue("frontdesk.room-status", ("room.status_changed",)),
        ConsumerQueue("frontdesk.housekeeping-reports", ("room.item_check_reported",)),
        ConsumerQueue("frontdesk.guest-profiles", (
            "guest.created", "guest.updated", "guest.merged", "guest.anonymized")),
        ConsumerQueue("frontdesk.guest-relations", ("case.opened",)),
    ),
    "housekeeping": (
        ConsumerQueue("housekeeping.stay-events", ("stay.checked_in", "stay.checked_out",
                                                   "stay.room_moved", "room.assigned")),
        ConsumerQueue("housekeeping.guest-requests", ("guest.request_raised",)),
        ConsumerQueue("housekeeping.guest-profiles", ("guest.created", "guest.updated",
                                                      "guest.anonymized")),
    ),
    "loyalty": (
        ConsumerQueue("loyalty.stay-events", ("stay.checked_out", "folio.closed")),
        ConsumerQueue("loyalty.reservation-events", ("reservation.created",
                                                     "reservation.cancelled")),
        ConsumerQueue("loyalty.guest-profiles", ("guest.contact_captured",)),
        ConsumerQueue("loyalty.feedback-events", ("survey.response_received",
                                                  "goodwill.granted", "case.opened")),
    ),
    "feedback": (
        ConsumerQueue("feedback.stay-events", ("stay.checked_out", "stay.checked_in")),
        ConsumerQueue("feedback.guest-profiles", (
            "guest.contact_captured", "guest.created", "guest.updated", "guest.merged",
            "guest.anonymized")),
        ConsumerQueue("feedback.complaints", ("complaint.raised",)),
        # Its own event: a low survey score opens a case, restart-safe and exactly once.
        ConsumerQueue("feedback.survey-responses", ("survey.response_received",)),
    ),
}


# The exchanges each service publishes to, besides `hotel.dlx` (parking and replay):
# its outbox relay's events, and reservation's answers to integrators.
PUBLISHES_TO: dict[str, tuple[str, ...]] = {
    "reservation": (EVENTS_EXCHANGE, REPORTS_EXCHANGE),
    "frontdesk": (EVENTS_EXCHANGE,),
    "housekeeping": (EVENTS_EXCHANGE,),
    "loyalty": (EVENTS_EXCHANGE,),
    "feedback": (EVENTS_EXCHANGE,),
}


@dataclass(frozen=True)
class QueuePolicy:
    retry_delay_ms: int = 5000
    delivery_limit: int = 10


_QUORUM_DEAD_LETTERING = {
    "x-queue-type": "quorum",
    # at-least-once dead-lettering needs reject-publish overflow on the source queue
    "x-dead-letter-strategy": "at-least-once",
    "x-overflow": "reject-publish",
}


def main_queue_arguments(queue: ConsumerQueue, policy: QueuePolicy) -> dict:
    return {
        **_QUORUM_DEAD_LETTERING,
        "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE,
        "x-dead-letter-routing-key": queue.retry_key,
        "x-delivery-limit": policy.delivery_limit,
    }


def retry_queue_arguments(queue: ConsumerQueue, policy: QueuePolicy) -> dict:
    return {
        **_QUORUM_DEAD_LETTERING,
        "x-message-ttl": policy.retry_delay_ms,
        "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE,
        "x-dead-letter-routing-key": queue.name,
    }


def parking_queue_arguments() -> dict:
    return {"x-queue-type": "quorum"}


async def declare_exchanges(channel: AbstractChannel) -> aio_pika.abc.AbstractExchange:
    unrouted = await channel.declare_exchange(UNROUTED_EXCHANGE, ExchangeType.FANOUT, durable=True)
    unrouted_queue = await channel.declare_queue(
        UNROUTED_QUEUE, durable=True, arguments=parking_queue_arguments())
    await unrouted_queue.bind(unrouted, routing_key="")
    await channel.declare_exchange(DEAD_LETTER_EXCHANGE, ExchangeType.DIRECT, durable=True)
    await channel.declare_exchange(COMMANDS_EXCHANGE, ExchangeType.TOPIC, durable=True,
                                   arguments={"alternate-exchange": UNROUTED_EXCHANGE})
    await channel.declare_exchange(REPORTS_EXCHANGE, ExchangeType.TOPIC, durable=True,
                                   arguments={"alternate-exchange": UNROUTED_EXCHANGE})
    return await channel.declare_exchange(
        EVENTS_EXCHANGE, ExchangeType.TOPIC, durable=True,
        arguments={"alternate-exchange": UNROUTED_EXCHANGE})


async def declare_consumer_queue(channel: AbstractChannel, queue: ConsumerQueue,
                                 policy: QueuePolicy) -> None:
    source = await channel.get_exchange(queue.exchange)
    dlx = await channel.get_exchange(DEAD_LETTER_EXCHANGE)

    main = await channel.declare_queue(
        queue.name, durable=True, arguments=main_queue_arguments(queue, policy))
    for key in queue.routing_keys:
        await main.bind(source, routing_key=key)
    await main.bind(dlx, routing_key=queue.name)  # the way back from the retry queue

    retry = await channel.declare_queue(
        queue.retry_queue, durable=True, arguments=retry_queue_arguments(queue, policy))
    await retry.bind(dlx, routing_key=queue.retry_key)

    parking = await channel.declare_queue(
        queue.parking_queue, durable=True, arguments=parking_queue_arguments())
    await parking.bind(dlx, routing_key=queue.parking_key)


async def declare_topology(connection: aio_pika.abc.AbstractConnection, service: str,
                           policy: QueuePolicy) -> None:
    """Declare the shared exchanges and the queues this service consumes from."""
    async with connection.channel() as channel:
        await declare_exchanges(channel)
        for queue in CONSUMER_QUEUES[service]:
            await declare_consumer_queue(channel, queue, policy)


def _any_of(*names: str) -> str:
    return "^(" + "|".join(names) + ")$"


def service_permissions(service: str) -> dict[str, str]:
    """RabbitMQ permissions (regexes) of a service's broker user.

    configure: the shared exchanges and the `hotel.unrouted` queue, which every service
    declares at start (idempotently), and its own queues. write: publishing to the
    exchanges it publishes to and `hotel.dlx`; binding its own queues (and
    `hotel.unrouted`). read: consuming its own queues; binding from the exchanges."""
    own = re.escape(f"{service}.") + ".*"
    shared = [re.escape(name) for name in (UNROUTED_EXCHANGE, DEAD_LETTER_EXCHANGE,
                                           COMMANDS_EXCHANGE, REPORTS_EXCHANGE, EVENTS_EXCHANGE)]
    sources = {queue.exchange for queue in CONSUMER_QUEUES[service]}
    writes = sorted({*PUBLISHES_TO[service], DEAD_LETTER_EXCHANGE, UNROUTED_QUEUE})
    # Declaring an exchange that has an alternate exchange needs read on it (and write
    # on the alternate): so every service reads the three topic exchanges. Reading an
    # exchange only lets it bind its own queues there.
    reads = sorted({*sources, DEAD_LETTER_EXCHANGE, UNROUTED_EXCHANGE, EVENTS_EXCHANGE,
                    COMMANDS_EXCHANGE, REPORTS_EXCHANGE})
    return {
        "configure": _any_of(*shared, own),
        "write": _any_of(*(re.escape(name) for name in writes), own),
        "read": _any_of(*(re.escape(name) for name in reads), own),
    }


def rabbitmq_password_hash(password: str, salt: bytes | None = None) -> str:
    """RabbitMQ's `rabbit_password_hashing_sha256`: base64(salt + sha256(salt + password)).
    The salt defaults to one derived from the password, so regenerating the definitions
    with the same passwords gives the same file."""
    salt = salt if salt is not None else hashlib.sha256(b"hotel-salt:" + password.encode()).digest()[:4]
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode()).digest()).decode()


def service_password(service: str, environ: dict[str, str] = os.environ) -> str:
    return environ.get(f"RABBITMQ_PASSWORD_{service.upper()}", f"{service}-dev-only")


OPS_USER = "ops"  # the operators' administrator, for the management UI


def users_and_permissions(vhost: str = "/", environ: dict[str, str] = os.environ) -> dict:
    # A broker booting with these definitions creates no default user: ops comes from here.
    users = [{"name": OPS_USER, "tags": ["administrator"],
              "password_hash": rabbitmq_password_hash(service_password(OPS_USER, environ)),
              "hashing_algorithm": "rabbit_password_hashing_sha256"}]
    permissions = [{"user": OPS_USER, "vhost": vhost, "configure": ".*", "write": ".*",
                    "read": ".*"}]
    for service in CONSUMER_QUEUES:
        users.append({"name": service, "tags": [],
                      "password_hash": rabbitmq_password_hash(service_password(service, environ)),
                      "hashing_algorithm": "rabbit_password_hashing_sha256"})
        permissions.append({"user": service, "vhost": vhost, **service_permissions(service)})
    return {"users": users, "permissions": permissions}


def definitions(policy: QueuePolicy = QueuePolicy(), vhost: str = "/",
                environ: dict[str, str] = os.environ) -> dict:
    """The whole topology as RabbitMQ definitions, for a broker that boots with it,
    with a user per service (passwords from `environ`)."""
    exchanges = [
        {"name": UNROUTED_EXCHANGE, "type": "fanout", "arguments": {}},
        {"name": DEAD_LETTER_EXCHANGE, "type": "direct", "arguments": {}},
        *({"name": name, "type": "topic", "arguments": {"alternate-exchange": UNROUTED_EXCHANGE}}
          for name in (COMMANDS_EXCHANGE, REPORTS_EXCHANGE, EVENTS_EXCHANGE)),
    ]
    queues = [{"name": UNROUTED_QUEUE, "arguments": parking_queue_arguments()}]
    bindings = [{"source": UNROUTED_EXCHANGE, "destination": UNROUTED_QUEUE, "routing_key": ""}]
    for service_queues in CONSUMER_QUEUES.values():
        for queue in service_queues:
            queues += [
                {"name": queue.name, "arguments": main_queue_arguments(queue, policy)},
                {"name": queue.retry_queue, "arguments": retry_queue_arguments(queue, policy)},
                {"name": queue.parking_queue, "arguments": parking_queue_arguments()},
            ]
            bindings += [{"source": queue.exchange, "destination": queue.name, "routing_key": key}
                         for key in queue.routing_keys]
            bindings += [
                {"source": DEAD_LETTER_EXCHANGE, "destination": queue.name, "routing_key": queue.name},
                {"source": DEAD_LETTER_EXCHANGE, "destination": queue.retry_queue,
                 "routing_key": queue.retry_key},
                {"source": DEAD_LETTER_EXCHANGE, "destination": queue.parking_queue,
                 "routing_key": queue.parking_key},
            ]
    return {
        "vhosts": [{"name": vhost}],
        **users_and_permissions(vhost, environ),
        "exchanges": [{**e, "vhost": vhost, "durable": True, "auto_delete": False,
                       "internal": False} for e in exchanges],
        "queues": [{**q, "vhost": vhost, "durable": True, "auto_delete": False} for q in queues],
        "bindings": [{**b, "vhost": vhost, "destination_type": "queue", "arguments": {}}
                     for b in bindings],
    }


if __name__ == "__main__":
    print(json.dumps(definitions(), indent=2))
