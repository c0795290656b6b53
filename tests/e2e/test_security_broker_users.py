"""Each service's broker user, as the definitions declare it, on the real broker: the
service runs on it, and it cannot read another service's queue or publish elsewhere."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import uuid
from urllib.parse import quote, unquote, urlparse

import aio_pika
import pytest
from aiormq.exceptions import ChannelAccessRefused

from shared.topology import (REPORTS_EXCHANGE, QueuePolicy, declare_topology, service_password,
                             users_and_permissions)
from tests.support.amqp import publish_events, wait_for
from tests.support.journeys import checkout
from tests.support.stack import Stack, wait_until

from .test_delivery_guarantees import count_tasks

pytestmark = pytest.mark.e2e


def rabbitmqctl(*args: str) -> str:
    return subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True,
                          timeout=60, text=True).stdout


@pytest.fixture
def housekeeping_user(amqp_url: str):
    """The definitions' housekeeping user (hash and permissions) under a unique name, so
    parallel runs on one broker never share it; yields its AMQP URL."""
    parsed = urlparse(amqp_url)
    vhost = unquote(parsed.path.lstrip("/")) or "/"
    if parsed.hostname != "127.0.0.1":
        pytest.skip("needs rabbitmqctl on the local broker")
    definitions = users_and_permissions(vhost)
    name = f"housekeeping-{uuid.uuid4().hex[:8]}"
    user = next(u for u in definitions["users"] if u["name"] == "housekeeping")
    grant = next(p for p in definitions["permissions"] if p["user"] == "housekeeping")
    # The broker reads the file itself (and imports asynchronously): world-readable, then wait.
    with tempfile.NamedTemporaryFile("w", suffix=".json", dir="/tmp") as file:
        json.dump({"users": [{**user, "name": name}],
                   "permissions": [{**grant, "user": name}]}, file)
        file.flush()
        os.chmod(file.name, 0o644)
        rabbitmqctl("import_definitions", file.name)
        wait_until(lambda: vhost in rabbitmqctl("list_user_permissions", name),
                   message="the imported user")
    try:
        yield (f"amqp://{name}:{quote(service_password('housekeeping'), safe='')}"
               f"@127.0.0.1:{parsed.port or 5672}/{quote(vhost, safe='')}")
    finally:
        rabbitmqctl("delete_user", name)


async def ignore(message: aio_pika.abc.AbstractIncomingMessage) -> None:
    return None


async def test_a_service_runs_on_its_own_user_and_reaches_nothing_else(
        stack: Stack, amqp_url: str, housekeeping_user: str) -> None:
    # the password in the definitions is a RabbitMQ hash of the configured one: it logs in
    stack.start("housekeeping", RABBITMQ_URL=housekeeping_user)
    checkouts = [checkout(n)[1] for n in range(10)]
    await publish_events(amqp_url, checkouts)
    housekeeping = stack.client("housekeeping")
    await wait_for(lambda: count_tasks(housekeeping) == 10, timeout=60, message="tasks")
    assert housekeeping.get("/admin/parking").status_code == 200  # its parking lot: readable

    async with await aio_pika.connect_robust(amqp_url) as admin:  # loyalty's queues exist
        await declare_topology(admin, "loyalty", QueuePolicy())
    async with await aio_pika.connect_robust(housekeeping_user) as connection:
        channel = await connection.channel()
        with pytest.raises(ChannelAccessRefused):
            queue = await channel.get_queue("loyalty.stay-events", ensure=False)
            await queue.consume(ignore)
        channel = await connection.channel(publisher_confirms=True)
        with pytest.raises(ChannelAccessRefused):
            exchange = await channel.get_exchange(REPORTS_EXCHANGE, ensure=False)
            await exchange.publish(aio_pika.Message(b"{}"), routing_key="reservation.created")
            await channel.close()
