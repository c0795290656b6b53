"""Where the tests find RabbitMQ and MongoDB.

RabbitMQ: `RABBITMQ_URL` from the environment if set; else a container when a Docker
engine answers; else the local broker at 127.0.0.1:5672, where every test run (and every
end-to-end test) gets a vhost of its own, so runs never collide.
MongoDB: `MONGODB_URL` from the environment if set; else a container when a Docker
engine answers; else the services' embedded store (MONGODB_URL left unset).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

from scripts.broker_users import grant_local_users


def docker_answers() -> bool:
    if not shutil.which("docker"):
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


@contextmanager
def local_vhost(prefix: str = "hotel-test") -> Iterator[str]:
    """A fresh vhost on the local broker, deleted afterwards; yields its AMQP URL."""
    vhost = f"{prefix}-{uuid.uuid4().hex[:10]}"
    # The vhost, the tests' administrator (guest) on it, and each service (and each test
    # integrator) logging in as itself, with the deployment's permissions and topic
    # permissions: the broker rules hold in every test. One rabbitmqctl call.
    grant_local_users(
        vhost,
        extra_permissions=[
            {"user": "guest", "vhost": vhost, "configure": ".*", "write": ".*", "read": ".*"}
        ],
    )
    try:
        yield f"amqp://guest:guest@127.0.0.1:5672/{quote(vhost, safe='')}"
    finally:
        _rabbitmqctl("delete_vhost", vhost)


@contextmanager
def rabbitmq_base() -> Iterator[str | None]:
    """None means: use the local broker with a vhost per test."""
    if os.environ.get("RABBITMQ_URL"):
        yield os.environ["RABBITMQ_URL"]
    elif docker_answers():
        from testcontainers.rabbitmq import RabbitMqContainer

        with RabbitMqContainer("rabbitmq:3.13-management") as container:
            params = container.get_connection_params()
            yield (f"amqp://guest:guest@{params.host}:{params.port}/")
    else:
        yield None


@contextmanager
def mongodb_url() -> Iterator[str | None]:
    """None means: the services run on their embedded store."""
    if os.environ.get("MONGODB_URL"):
        yield os.environ["MONGODB_URL"]
    elif docker_answers():
        from testcontainers.mongodb import MongoDbContainer

        with MongoDbContainer("mongo:7") as container:
            yield container.get_connection_url()
    else:
        yield None
