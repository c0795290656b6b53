"""The broker topology, declared in code and exported to deploy/rabbitmq/definitions.json.

For every consuming queue Q (one per service and purpose):
- Q is a quorum queue bound to `hotel.events` by the event types it needs. A handler
  that fails rejects the message; Q dead-letters it (at-least-once) to its service's
  own dead-letter exchange `<service>.dlx` with the key `retry.Q`. `x-delivery-limit`
  catches a message that keeps coming back because its consumer dies before acking it.
- Q.retry holds it for `retry_delay_ms`, then dead-letters it back to Q.
- Q.parking keeps poison messages, with their reason in the headers, until someone
  inspects and replays them (see shared/parking.py).
Events nobody is bound to go to `hotel.unrouted` through the alternate exchange, so a
publish never silently vanishes.

Each service connects as its own broker user (its name), allowed only its own queues
and dead-letter exchange (all named `<service>.`) and the exchanges it publishes to;
see `service_permissions`. Topic permissions narrow that to routing keys
(`topic_permissions`): a service publishes only its own event types and binds only the
keys it consumes; an integrator (`integrator-<channel>`) publishes only commands and
binds only its own channel's reports. Nobody else can write to a service's
dead-letter exchange, so nobody can seed its queues or parking lot through it.
Passwords come from `RABBITMQ_PASSWORD_<SERVICE>` when the definitions are generated
and are stored as RabbitMQ password hashes.

Run `python -m shared.topology` to print the RabbitMQ definitions.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import aio_pika
from aio_pika.abc import AbstractChannel, ExchangeType

EVENTS_EXCHANGE = "hotel.events"
# Integrators (OTAs, group desks) send commands here (routing key = command type, e.g.
# `reservation.create`) and bind their own queue to the reports exchange for the answers.
COMMANDS_EXCHANGE = "hotel.commands"
REPORTS_EXCHANGE = "hotel.reports"
UNROUTED_EXCHANGE = "hotel.unrouted"
# Not the exchange's name: reading the exchange (which binding from it needs) must not
# also mean reading the queue, which holds every department's unrouted events.
UNROUTED_QUEUE = "hotel.unrouted.kept"
# Bounded: the oldest go first beyond this many, and none stays longer than a week (it
# holds guest ids and free text; it is for diagnosing a missing binding, not a store).
UNROUTED_MAX_LENGTH = 10_000
UNROUTED_TTL_MS = 7 * 24 * 3600 * 1000


def dead_letter_exchange(service: str) -> str:
    return f"{service}.dlx"


@dataclass(frozen=True)
class ConsumerQueue:
    name: str
    routing_keys: tuple[str, ...]
    exchange: str = EVENTS_EXCHANGE

    @property
    def service(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def dead_letter_exchange(self) -> str:
        """The service's own: only its login may write there (see service_permissions)."""
        return dead_letter_exchange(self.service)

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
        ConsumerQueue(
            "reservation.commands",
            ("reservation.create", "reservation.amend", "reservation.cancel"),
            exchange=COMMANDS_EXCHANGE,
        ),
        # guest.created/updated: loyalty's members, for the member rate (issue 18)
        ConsumerQueue(
            "reservation.guest-lifecycle",
            ("guest.anonymized", "guest.merged", "guest.created", "guest.updated"),
        ),
        # The stays that hold rooms (walk-ins, early arrivals, extensions, shortenings,
        # early departures, moves to another room type) and the business day the night
        # audit closed (no-shows); rooms assigned ahead of arrival, for the guest's
        # notice (issue 18).
        ConsumerQueue(
            "reservation.stay-events",
            (
                "stay.checked_in",
                "stay.checked_out",
                "stay.extended",
                "stay.shortened",
                "stay.room_moved",
                "business_day.closed",
                "room.assigned",
                # the desk walked a booked guest to a partner hotel: the nights go back
                "arrival.walked",
            ),
        ),
        # Points redeemed for a booking's night or a voucher (issue 18).
        ConsumerQueue("reservation.loyalty-events", ("loyalty.points_redeemed",)),
        # Out-of-order periods: one room fewer to sell on their nights.
        ConsumerQueue(
            "reservation.room-periods",
            (
                "maintenance.out_of_order_scheduled",
                "maintenance.out_of_order_changed",
                "maintenance.out_of_order_cancelled",
            ),
        ),
    ),
    "frontdesk": (
        ConsumerQueue(
            "frontdesk.reservation-events",
            (
                "reservation.created",
                "reservation.amended",
                "reservation.cancelled",
                "reservation.no_show",
                "reservation.reconfirmed",
                "reservation.redemption_applied",
                "reservation.redemption_withdrawn",
            ),
        ),
        # Room status, and out-of-order periods: rooms not to give on nights to come.
        ConsumerQueue(
            "frontdesk.room-status",
            (
                "room.status_changed",
                "maintenance.out_of_order_scheduled",
                "maintenance.out_of_order_changed",
                "maintenance.out_of_order_cancelled",
            ),
        ),
        ConsumerQueue(
            "frontdesk.housekeeping-reports", ("room.item_check_reported", "hk.task.completed")
        ),
        ConsumerQueue(
            "frontdesk.guest-profiles",
            ("guest.created", "guest.updated", "guest.merged", "guest.anonymized"),
        ),
        # In-house cases as alerts on the stay (raised again when a case is reopened); the
        # guest's latest survey results, shown when the desk recognises them (issue 18).
        ConsumerQueue(
            "frontdesk.guest-relations",
            ("case.opened", "case.resolved", "case.reopened", "survey.results_shared"),
        ),
    ),
    "housekeeping": (
        ConsumerQueue(
            "housekeeping.stay-events",
            (
                "stay.checked_in",
                "stay.checked_out",
                "stay.room_moved",
                "room.assigned",
                "stay.room_check_requested",
                # the plan follows the stay's departure and the business date
                "stay.extended",
                "stay.shortened",
                "business_day.closed",
            ),
        ),
        ConsumerQueue("housekeeping.guest-requests", ("guest.request_raised",)),
        ConsumerQueue(
            "housekeeping.guest-profiles",
            ("guest.created", "guest.updated", "guest.anonymized", "guest.merged"),
        ),
        # Guests' scores of housekeeping: a low one is followed up in its room (issue 18).
        ConsumerQueue("housekeeping.guest-feedback", ("survey.results_shared",)),
    ),
    "loyalty": (
        # business_day.closed: greetings, segments and tiers go by the hotel's date
        ConsumerQueue(
            "loyalty.stay-events",
            (
                "stay.checked_out",
                "folio.closed",
                "business_day.closed",
                # points redeemed for a booking that reached its folio after it closed
                "folio.points_returned",
            ),
        ),
        ConsumerQueue(
            "loyalty.reservation-events",
            (
                "reservation.created",
                "reservation.cancelled",
                # issue 18: redeemed points come back when the booking cannot use them
                "reservation.walked",
                "reservation.redemption_refused",
                "reservation.redemption_withdrawn",
            ),
        ),
        ConsumerQueue(
            "loyalty.guest-profiles", ("guest.contact_captured", "guest.walk_in_registered")
        ),
        # survey.results_shared: the satisfaction history per department, in-stay answers
        # included (issue 18); case.reopened: a problem guest again.
        ConsumerQueue(
            "loyalty.feedback-events",
            (
                "survey.response_received",
                "goodwill.granted",
                "case.opened",
                "case.reopened",
                "survey.results_shared",
            ),
        ),
    ),
    "feedback": (
        ConsumerQueue(
            "feedback.stay-events",
            (
                "stay.checked_out",
                "stay.checked_in",
                "guest.request_completed",
                "business_day.closed",  # reports by the hotel's business date
            ),
        ),
        ConsumerQueue(
            "feedback.guest-profiles",
            (
                "guest.contact_captured",
                "guest.created",
                "guest.updated",
                "guest.merged",
                "guest.anonymized",
            ),
        ),
        ConsumerQueue("feedback.complaints", ("complaint.raised",)),
        # Its own event: a low survey score opens a case, restart-safe and exactly once.
        ConsumerQueue("feedback.survey-responses", ("survey.response_received",)),
    ),
}


# The exchanges each service publishes to, besides its own `<service>.dlx` (parking and replay):
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


def main_queue_arguments(queue: ConsumerQueue, policy: QueuePolicy) -> dict[str, Any]:
    return {
        **_QUORUM_DEAD_LETTERING,
        "x-dead-letter-exchange": queue.dead_letter_exchange,
        "x-dead-letter-routing-key": queue.retry_key,
        "x-delivery-limit": policy.delivery_limit,
    }


def retry_queue_arguments(queue: ConsumerQueue, policy: QueuePolicy) -> dict[str, Any]:
    return {
        **_QUORUM_DEAD_LETTERING,
        "x-message-ttl": policy.retry_delay_ms,
        "x-dead-letter-exchange": queue.dead_letter_exchange,
        "x-dead-letter-routing-key": queue.name,
    }


def unrouted_queue_arguments() -> dict[str, Any]:
    return {
        "x-queue-type": "quorum",
        "x-max-length": UNROUTED_MAX_LENGTH,
        "x-overflow": "drop-head",
        "x-message-ttl": UNROUTED_TTL_MS,
    }


def parking_queue_arguments() -> dict[str, Any]:
    return {"x-queue-type": "quorum"}


async def declare_exchanges(channel: AbstractChannel) -> aio_pika.abc.AbstractExchange:
    unrouted = await channel.declare_exchange(UNROUTED_EXCHANGE, ExchangeType.FANOUT, durable=True)
    unrouted_queue = await channel.declare_queue(
        UNROUTED_QUEUE, durable=True, arguments=unrouted_queue_arguments()
    )
    await unrouted_queue.bind(unrouted, routing_key="")
    await channel.declare_exchange(
        COMMANDS_EXCHANGE,
        ExchangeType.TOPIC,
        durable=True,
        arguments={"alternate-exchange": UNROUTED_EXCHANGE},
    )
    await channel.declare_exchange(
        REPORTS_EXCHANGE,
        ExchangeType.TOPIC,
        durable=True,
        arguments={"alternate-exchange": UNROUTED_EXCHANGE},
    )
    return await channel.declare_exchange(
        EVENTS_EXCHANGE,
        ExchangeType.TOPIC,
        durable=True,
        arguments={"alternate-exchange": UNROUTED_EXCHANGE},
    )


async def declare_consumer_queue(
    channel: AbstractChannel, queue: ConsumerQueue, policy: QueuePolicy
) -> None:
    source = await channel.get_exchange(queue.exchange)
    dlx = await channel.declare_exchange(
        queue.dead_letter_exchange, ExchangeType.DIRECT, durable=True
    )

    main = await channel.declare_queue(
        queue.name, durable=True, arguments=main_queue_arguments(queue, policy)
    )
    for key in queue.routing_keys:
        await main.bind(source, routing_key=key)
    await main.bind(dlx, routing_key=queue.name)  # the way back from the retry queue

    retry = await channel.declare_queue(
        queue.retry_queue, durable=True, arguments=retry_queue_arguments(queue, policy)
    )
    await retry.bind(dlx, routing_key=queue.retry_key)

    parking = await channel.declare_queue(
        queue.parking_queue, durable=True, arguments=parking_queue_arguments()
    )
    await parking.bind(dlx, routing_key=queue.parking_key)


async def declare_topology(
    connection: aio_pika.abc.AbstractConnection, service: str, policy: QueuePolicy
) -> None:
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
    declares at start (idempotently), and its own queues and dead-letter exchange.
    write: publishing to the exchanges it publishes to and its own dead-letter exchange;
    binding its own queues (and `hotel.unrouted`). read: consuming its own queues;
    binding from the exchanges (which keys: `topic_permissions`)."""
    own = re.escape(f"{service}.") + ".*"
    shared = [
        re.escape(name)
        for name in (
            UNROUTED_EXCHANGE,
            UNROUTED_QUEUE,
            COMMANDS_EXCHANGE,
            REPORTS_EXCHANGE,
            EVENTS_EXCHANGE,
        )
    ]
    # hotel.unrouted: declaring an exchange with an alternate exchange needs write on it
    writes = sorted({*PUBLISHES_TO[service], UNROUTED_EXCHANGE, UNROUTED_QUEUE})
    # Declaring an exchange that has an alternate exchange needs read on it (and write
    # on the alternate): so every service reads the three topic exchanges. Which keys
    # it may bind there is narrowed by its topic permissions.
    reads = sorted({UNROUTED_EXCHANGE, EVENTS_EXCHANGE, COMMANDS_EXCHANGE, REPORTS_EXCHANGE})
    return {
        "configure": _any_of(*shared, own),
        "write": _any_of(*(re.escape(name) for name in writes), own),
        "read": _any_of(*(re.escape(name) for name in reads), own),
    }


# A routing-key regex nothing matches (not even the empty key).
NOTHING = "^(?!)$"
REPORT_KEY_PREFIX = "reservation.report."


def _keys(*patterns: str) -> str:
    """Routing-key patterns (`*` = anything) as one anchored regex."""
    if not patterns:
        return NOTHING
    return _any_of(*sorted(re.escape(p).replace(r"\*", ".*") for p in set(patterns)))


def topic_permissions(service: str) -> list[dict[str, str]]:
    """Per exchange, the routing keys a service's user may publish (write) and bind its
    queues with (read): its own event types out, the keys it consumes in."""
    from shared.producers import publishers_of  # producers imports nothing from here

    consumed: dict[str, list[str]] = {}
    for queue in CONSUMER_QUEUES[service]:
        consumed.setdefault(queue.exchange, []).extend(queue.routing_keys)
    writes = {
        EVENTS_EXCHANGE: publishers_of(service),
        REPORTS_EXCHANGE: [f"{REPORT_KEY_PREFIX}*"]
        if REPORTS_EXCHANGE in PUBLISHES_TO[service]
        else [],
    }
    return [
        {
            "exchange": exchange,
            "write": _keys(*writes.get(exchange, [])),
            "read": _keys(*consumed.get(exchange, [])),
        }
        for exchange in (EVENTS_EXCHANGE, COMMANDS_EXCHANGE, REPORTS_EXCHANGE)
    ]


# What an integrator may read on hotel.events: what it sells, nothing about guests.
EVENTS_FOR_INTEGRATORS = ("availability.changed",)


def integrator_permissions(login: str, channel: str) -> tuple[dict[str, str], list[dict[str, str]]]:
    """An integrator's user: it sends commands, reads its own channel's reports and the
    availability it sells (no event about guests) on queues of its own (named
    `<login>.`); nothing else."""
    own = re.escape(f"{login}.") + ".*"
    command_keys = [
        queue.routing_keys
        for queue in CONSUMER_QUEUES["reservation"]
        if queue.exchange == COMMANDS_EXCHANGE
    ][0]
    vhost = {
        "configure": _any_of(own),
        "write": _any_of(re.escape(COMMANDS_EXCHANGE), own),
        "read": _any_of(re.escape(REPORTS_EXCHANGE), re.escape(EVENTS_EXCHANGE), own),
    }
    topics = [
        {"exchange": EVENTS_EXCHANGE, "write": NOTHING, "read": _keys(*EVENTS_FOR_INTEGRATORS)},
        {"exchange": COMMANDS_EXCHANGE, "write": _keys(*command_keys), "read": NOTHING},
        {
            "exchange": REPORTS_EXCHANGE,
            "write": NOTHING,
            "read": _keys(f"{REPORT_KEY_PREFIX}{channel}"),
        },
    ]
    return vhost, topics


def rabbitmq_password_hash(password: str, salt: bytes | None = None) -> str:
    """RabbitMQ's `rabbit_password_hashing_sha256`: base64(salt + sha256(salt + password)).
    The salt defaults to one derived from the password, so regenerating the definitions
    with the same passwords gives the same file."""
    salt = (
        salt
        if salt is not None
        else hashlib.sha256(b"hotel-salt:" + password.encode()).digest()[:4]
    )
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode()).digest()).decode()


class MissingSecret(Exception):
    """A broker password the deployment must provide is not set: nothing is rendered."""


def service_password(service: str, environ: Mapping[str, str] = os.environ) -> str:
    variable = "RABBITMQ_PASSWORD_" + re.sub(r"[^A-Z0-9]", "_", service.upper())
    if not environ.get(variable):
        raise MissingSecret(f"{variable} is not set")
    return environ[variable]


OPS_USER = "ops"  # the operators' administrator, for the management UI


def integrator_channels(environ: Mapping[str, str] = os.environ) -> list[str]:
    """The channels that get a broker user (`INTEGRATOR_CHANNELS`, comma-separated)."""
    return [c.strip() for c in environ.get("INTEGRATOR_CHANNELS", "").split(",") if c.strip()]


def broker_grants(vhost: str = "/", channels: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Every login's vhost and topic permissions: the services and the integrators."""
    from shared.broker_identity import integrator_login

    grants = [
        {
            "user": service,
            "vhost": vhost,
            "permissions": service_permissions(service),
            "topic_permissions": topic_permissions(service),
        }
        for service in CONSUMER_QUEUES
    ]
    for channel in channels:
        login = integrator_login(channel)
        permissions, topics = integrator_permissions(login, channel)
        grants.append(
            {"user": login, "vhost": vhost, "permissions": permissions, "topic_permissions": topics}
        )
    return grants


def users_and_permissions(
    vhost: str = "/", environ: Mapping[str, str] = os.environ
) -> dict[str, Any]:
    # A broker booting with these definitions creates no default user: ops comes from here.
    users = [
        {
            "name": OPS_USER,
            "tags": ["administrator"],
            "password_hash": rabbitmq_password_hash(service_password(OPS_USER, environ)),
            "hashing_algorithm": "rabbit_password_hashing_sha256",
        }
    ]
    permissions = [
        {"user": OPS_USER, "vhost": vhost, "configure": ".*", "write": ".*", "read": ".*"}
    ]
    topic_grants = []
    for grant in broker_grants(vhost, integrator_channels(environ)):
        users.append(
            {
                "name": grant["user"],
                "tags": [],
                "password_hash": rabbitmq_password_hash(service_password(grant["user"], environ)),
                "hashing_algorithm": "rabbit_password_hashing_sha256",
            }
        )
        permissions.append({"user": grant["user"], "vhost": vhost, **grant["permissions"]})
        topic_grants += [
            {"user": grant["user"], "vhost": vhost, **topic} for topic in grant["topic_permissions"]
        ]
    return {"users": users, "permissions": permissions, "topic_permissions": topic_grants}


def definitions(
    policy: QueuePolicy = QueuePolicy(), vhost: str = "/", environ: dict[str, str] | None = None
) -> dict[str, Any]:
    """The whole topology as RabbitMQ definitions, for a broker that boots with it.
    With `environ`: also a user per service, per integrator channel and `ops`, with
    their permissions (passwords from `environ`; a missing one raises MissingSecret).
    Without: the topology only, which is what the repository commits (no hashes)."""
    exchanges = [
        {"name": UNROUTED_EXCHANGE, "type": "fanout", "arguments": {}},
        *(
            {"name": dead_letter_exchange(service), "type": "direct", "arguments": {}}
            for service in CONSUMER_QUEUES
        ),
        *(
            {"name": name, "type": "topic", "arguments": {"alternate-exchange": UNROUTED_EXCHANGE}}
            for name in (COMMANDS_EXCHANGE, REPORTS_EXCHANGE, EVENTS_EXCHANGE)
        ),
    ]
    queues = [{"name": UNROUTED_QUEUE, "arguments": unrouted_queue_arguments()}]
    bindings = [{"source": UNROUTED_EXCHANGE, "destination": UNROUTED_QUEUE, "routing_key": ""}]
    for service_queues in CONSUMER_QUEUES.values():
        for queue in service_queues:
            queues += [
                {"name": queue.name, "arguments": main_queue_arguments(queue, policy)},
                {"name": queue.retry_queue, "arguments": retry_queue_arguments(queue, policy)},
                {"name": queue.parking_queue, "arguments": parking_queue_arguments()},
            ]
            bindings += [
                {"source": queue.exchange, "destination": queue.name, "routing_key": key}
                for key in queue.routing_keys
            ]
            bindings += [
                {
                    "source": queue.dead_letter_exchange,
                    "destination": queue.name,
                    "routing_key": queue.name,
                },
                {
                    "source": queue.dead_letter_exchange,
                    "destination": queue.retry_queue,
                    "routing_key": queue.retry_key,
                },
                {
                    "source": queue.dead_letter_exchange,
                    "destination": queue.parking_queue,
                    "routing_key": queue.parking_key,
                },
            ]
    return {
        "vhosts": [{"name": vhost}],
        **(users_and_permissions(vhost, environ) if environ is not None else {}),
        "exchanges": [
            {**e, "vhost": vhost, "durable": True, "auto_delete": False, "internal": False}
            for e in exchanges
        ],
        "queues": [{**q, "vhost": vhost, "durable": True, "auto_delete": False} for q in queues],
        "bindings": [
            {**b, "vhost": vhost, "destination_type": "queue", "arguments": {}} for b in bindings
        ],
    }


if __name__ == "__main__":
    # `--with-users`: rendered at deploy time from the environment's secrets (make
    # deploy-definitions); a missing secret stops it. Plain: the committed topology.
    import sys

    try:
        rendered = definitions(environ=dict(os.environ) if "--with-users" in sys.argv else None)
    except MissingSecret as missing:
        raise SystemExit(f"not rendered: {missing} (see .env.example)") from None
    print(json.dumps(rendered, indent=2))
