"""The access matrix of the broker: every login x every exchange (write: publish under
every routing key that matters; read: bind a queue of its own with it) and every queue
(read: consume), on the real broker with the users and permissions the deployment
gives (scripts/broker_users.py). Expected comes from the declared intent: the producer
allow-list (shared/producers.py), the queues each service consumes (shared/topology.py),
and "a dead-letter exchange and queues are their service's alone"."""

from __future__ import annotations

import json
from collections import Counter

import aio_pika
import pytest

from shared.broker_identity import integrator_login
from shared.events import ALL_EVENTS
from shared.producers import ALLOWED_COMMAND_SENDERS, sender_allowed
from shared.topology import (
    COMMANDS_EXCHANGE,
    CONSUMER_QUEUES,
    EVENTS_EXCHANGE,
    EVENTS_FOR_INTEGRATORS,
    REPORTS_EXCHANGE,
    UNROUTED_EXCHANGE,
    UNROUTED_QUEUE,
    QueuePolicy,
    dead_letter_exchange,
    declare_topology,
)
from tests.support.amqp import is_local_broker
from tests.support.broker_probe import BrokerProbe

pytestmark = pytest.mark.e2e

SERVICES = tuple(CONSUMER_QUEUES)
CHANNELS = ("ota-test", "ota-other")
LOGINS = (*SERVICES, *(integrator_login(c) for c in CHANNELS))
EVENT_TYPES = sorted(event.event_type for event in ALL_EVENTS)
COMMAND_TYPES = sorted(ALLOWED_COMMAND_SENDERS)
REPORT_KEYS = [f"reservation.report.{c}" for c in CHANNELS]


def consumed(login: str, exchange: str) -> set[str]:
    return {
        key
        for queue in CONSUMER_QUEUES.get(login, ())
        if queue.exchange == exchange
        for key in queue.routing_keys
    }


def expected_write(login: str, exchange: str, key: str) -> bool:
    if exchange == EVENTS_EXCHANGE:
        return sender_allowed(key, login)
    if exchange == COMMANDS_EXCHANGE:
        return sender_allowed(key, login, ALLOWED_COMMAND_SENDERS)
    if exchange == REPORTS_EXCHANGE:
        return login == "reservation"
    if exchange == UNROUTED_EXCHANGE:  # a sink: declaring an exchange with it as its
        return login in SERVICES  # alternate needs write on it; nobody reads it
    return exchange == dead_letter_exchange(login)  # the own DLX only


def expected_bind(login: str, exchange: str, key: str) -> bool:
    if exchange == REPORTS_EXCHANGE and login.startswith("integrator-"):
        return key == f"reservation.report.{login.removeprefix('integrator-')}"
    if exchange == EVENTS_EXCHANGE and login.startswith("integrator-"):
        return key in EVENTS_FOR_INTEGRATORS  # what it sells, nothing about guests
    return key in consumed(login, exchange)


def all_queues() -> list[str]:
    return [
        UNROUTED_QUEUE,
        *(
            name
            for queues in CONSUMER_QUEUES.values()
            for q in queues
            for name in (q.name, q.retry_queue, q.parking_queue)
        ),
    ]


def write_cells() -> list[tuple[str, str]]:
    cells = [(EVENTS_EXCHANGE, key) for key in EVENT_TYPES]
    cells += [(COMMANDS_EXCHANGE, key) for key in COMMAND_TYPES]
    cells += [(REPORTS_EXCHANGE, key) for key in REPORT_KEYS]
    cells += [(dead_letter_exchange(s), CONSUMER_QUEUES[s][0].name) for s in SERVICES]
    cells += [(UNROUTED_EXCHANGE, "")]
    return cells


def bind_cells() -> list[tuple[str, str]]:
    return (
        [(EVENTS_EXCHANGE, key) for key in (*EVENT_TYPES, "#")]
        + [(COMMANDS_EXCHANGE, key) for key in (*COMMAND_TYPES, "#")]
        + [(REPORTS_EXCHANGE, key) for key in (*REPORT_KEYS, "#")]
    )


async def test_every_login_reaches_exactly_what_it_should_on_the_broker(amqp_url: str) -> None:
    if not is_local_broker(amqp_url):
        pytest.skip("needs the per-service users of the local broker")
    async with await aio_pika.connect_robust(amqp_url) as admin:
        for service in SERVICES:
            await declare_topology(admin, service, QueuePolicy())
    tally, wrong = Counter(), []
    for login in LOGINS:
        async with BrokerProbe(amqp_url, login) as probe:
            for exchange, key in write_cells():
                cell = ("write", login, exchange, key)
                actual = await probe.publish(exchange, key)
                tally.update([("write", expected_write(login, exchange, key), actual)])
                if actual != expected_write(login, exchange, key):
                    wrong.append(cell)
            for exchange, key in bind_cells():
                actual = await probe.bind(exchange, key)
                tally.update([("bind", expected_bind(login, exchange, key), actual)])
                if actual != expected_bind(login, exchange, key):
                    wrong.append(("bind", login, exchange, key))
            for queue in all_queues():
                expected = queue.startswith(f"{login}.")
                actual = await probe.consume(queue)
                tally.update([("consume", expected, actual)])
                if actual != expected:
                    wrong.append(("consume", login, queue))
    cells = sum(tally.values())
    unexpected = len(wrong)
    allowed = sum(n for (_, expected, actual), n in tally.items() if expected and actual)
    refused = sum(n for (_, expected, actual), n in tally.items() if not expected and not actual)
    print(
        f"\nbroker access matrix: {len(LOGINS)} logins, {cells} cells "
        f"(write {sum(n for k, n in tally.items() if k[0] == 'write')}, "
        f"bind {sum(n for k, n in tally.items() if k[0] == 'bind')}, "
        f"consume {sum(n for k, n in tally.items() if k[0] == 'consume')}); "
        f"allowed as expected {allowed}, refused as expected {refused}, unexpected {unexpected}"
    )
    if wrong:
        print(json.dumps(wrong[:40]))
    assert wrong == []
