"""The integrator guide's two examples (docs/examples), run as an integrator would run
them: with a broker user of their own channel, against the reservation service on the
real broker. And that user reaches its own channel's reports only."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import aio_pika
import pytest
from aiormq.exceptions import ChannelAccessRefused

from shared.integrator_access import (
    integrator_permissions,
    integrator_topic_permissions,
    integrator_user,
)
from tests.support.node_tools import node_tools
from tests.support.stack import Stack

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "examples"


def rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


@pytest.fixture
def integrator(amqp_url: str) -> Iterator[tuple[str, str]]:
    """An integrator channel and its broker URL, made as the definitions make it."""
    parts = urlsplit(amqp_url)
    if parts.hostname not in ("127.0.0.1", "localhost"):
        pytest.skip("creates broker users with rabbitmqctl: local broker only")
    vhost = unquote(parts.path.lstrip("/")) or "/"
    channel = f"ota-{uuid.uuid4().hex[:8]}"
    user, password = integrator_user(channel), uuid.uuid4().hex
    rabbitmqctl("add_user", user, password)
    try:
        permissions = integrator_permissions(channel)
        rabbitmqctl(
            "set_permissions",
            "-p",
            vhost,
            user,
            permissions["configure"],
            permissions["write"],
            permissions["read"],
        )
        for rule in integrator_topic_permissions(channel):
            rabbitmqctl(
                "set_topic_permissions",
                "-p",
                vhost,
                user,
                rule["exchange"],
                rule["write"],
                rule["read"],
            )
        yield (
            channel,
            f"amqp://{user}:{password}@{parts.hostname}:{parts.port}/{quote(vhost, safe='')}",
        )
    finally:
        rabbitmqctl("delete_user", user)


def run_example(command: list[str], url: str, channel: str, **env: str) -> str:
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={
            **os.environ,
            "HOTEL_AMQP_URL": url,
            "HOTEL_CHANNEL": channel,
            "HOTEL_TIMEOUT": "40",
            **env,
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def assert_booked(output: str) -> None:
    lines = output.splitlines()
    assert lines[0].startswith("sent reservation.create ")
    assert re.match(r"report: accepted confirmation=[A-Z0-9]{6,} ", lines[1]), output
    assert lines[2].startswith("event: availability.changed "), output


def test_the_python_example_books_reads_its_report_and_follows_availability_only(
    stack: Stack, integrator: tuple[str, str]
) -> None:
    stack.start("reservation")
    channel, url = integrator
    output = run_example([sys.executable, str(EXAMPLES / "integrator_python.py")], url, channel)
    print(output)
    assert_booked(output)
    # and the broker keeps this integrator to its own channel's reports and availability
    assert asyncio.run(refused_binds(url, channel)) == [
        "another channel's reports",
        "every report",
        "guest events",
    ]


def test_the_node_example_does_the_same_with_amqplib(
    stack: Stack, integrator: tuple[str, str]
) -> None:
    tools = node_tools()
    stack.start("reservation")
    channel, url = integrator
    output = run_example(
        ["node", str(EXAMPLES / "integrator_node.cjs")],
        url,
        channel,
        NODE_PATH=str(tools / "node_modules"),
    )
    print(output)
    assert_booked(output)


async def refused_binds(url: str, channel: str) -> list[str]:
    """Which of an integrator's attempts the broker refuses."""
    attempts = {
        "another channel's reports": ("hotel.reports", "reservation.report.ota-someone-else"),
        "every report": ("hotel.reports", "reservation.report.#"),
        "guest events": ("hotel.events", "guest.contact_captured"),
        "its own reports": ("hotel.reports", f"reservation.report.{channel}"),
    }
    refused = []
    connection = await aio_pika.connect(url)
    async with connection:
        for what, (exchange, key) in attempts.items():
            ch = await connection.channel()
            queue = await ch.declare_queue(f"integrator-{channel}.probe", auto_delete=True)
            try:
                await queue.bind(exchange, routing_key=key)
                await ch.close()
            except ChannelAccessRefused:
                refused.append(what)
    return refused
