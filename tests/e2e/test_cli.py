"""The `hotel` CLI against the five services as processes: the demo's table counts
every effect exactly; status and the parking lot commands read the real broker."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from pathlib import Path

import aio_pika
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Debugging
from typer.testing import CliRunner

from hotel_cli.app import app
from scripts.broker_users import url_as
from tests.support.stack import SERVICE_NAMES, Stack, free_port, wait_until

pytestmark = pytest.mark.e2e


@pytest.fixture
def smtp_log(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """An SMTP sink that logs like `make run`'s (aiosmtpd's Debugging handler)."""
    log = tmp_path / "smtp.log"
    port = free_port()
    with log.open("w", buffering=1) as stream:  # line-buffered, like a log
        controller = Controller(Debugging(stream), hostname="127.0.0.1", port=port)
        controller.start()
        yield port, log
        controller.stop()


def cli_env(stack: Stack, smtp: Path) -> dict[str, str]:
    return {
        **{f"HOTEL_{name.upper()}_URL": stack.services[name].url for name in SERVICE_NAMES},
        "HOTEL_RABBITMQ_URL": stack.amqp_url,
        "HOTEL_SMTP_LOG": str(smtp),
        "HOTEL_KEY_MANAGER": stack.credentials.by_name["manager"],
        "HOTEL_KEY_OPS": stack.credentials.by_name["ops"],
        "HOTEL_KEYS_FILE": "/nonexistent",
        "COLUMNS": "120",
    }


def counts(output: str) -> dict[str, int]:
    return {
        match[0].strip(): int(match[1])
        for match in re.findall(r"│ ([a-z ]+?)\s+│\s+(\d+) │", output)
    }


def test_demo_counts_every_effect_of_every_journey(
    stack: Stack, smtp_log: tuple[int, Path]
) -> None:
    port, log = smtp_log
    stack.start(*SERVICE_NAMES, SMTP_PORT=str(port))
    runner = CliRunner()
    env = cli_env(stack, log)

    demo = runner.invoke(app, ["demo", "--guests", "4", "--timeout", "30"], env=env)
    assert demo.exit_code == 0, demo.output
    assert counts(demo.output) == {
        "journeys completed": 4,
        "housekeeping tasks": 4,
        "ledger entries": 4,
        "surveys sent": 4,
        "mails delivered": 4,
        "parked messages": 0,
    }, demo.output

    status = runner.invoke(app, ["status"], env=env)
    assert status.exit_code == 0, status.output
    assert status.output.count("ready") >= len(SERVICE_NAMES)
    parking = runner.invoke(app, ["parking", "list"], env=env)
    assert "0 parked in all" in parking.output, parking.output
    show = runner.invoke(app, ["parking", "show", "loyalty.stay-events"], env=env)
    assert "nothing parked in loyalty.stay-events.parking" in show.output, show.output

    # A poison message (a check-out that breaks its contract, from the desk's own login)
    # parks in the four queues bound to stay.checked_out (housekeeping, loyalty, feedback,
    # reservation); the CLI shows, replays and purges one of them.
    asyncio.run(publish_poison(stack.amqp_url))
    wait_until(
        lambda: "4 parked in all" in runner.invoke(app, ["parking", "list"], env=env).output,
        message="the poison parked in four queues",
    )
    show = runner.invoke(app, ["parking", "show", "loyalty.stay-events"], env=env)
    assert "poison-1" in show.output and "invalid message" in show.output, show.output
    replay = runner.invoke(app, ["parking", "replay", "loyalty.stay-events"], env=env)
    assert "replayed 1 message(s) to loyalty.stay-events" in replay.output, replay.output
    wait_until(
        lambda: "4 parked in all" in runner.invoke(app, ["parking", "list"], env=env).output,
        message="the replayed poison parked again",
    )
    purge = runner.invoke(app, ["parking", "purge", "loyalty.stay-events", "--yes"], env=env)
    assert "purged 1 message(s) from loyalty.stay-events.parking" in purge.output, purge.output
    assert "3 parked in all" in runner.invoke(app, ["parking", "list"], env=env).output


async def publish_poison(url: str) -> None:
    connection = await aio_pika.connect(url_as(url, "frontdesk"))
    async with connection:
        channel = await connection.channel()
        exchange = await channel.get_exchange("hotel.events", ensure=False)
        await exchange.publish(
            aio_pika.Message(
                json.dumps(
                    {
                        "type": "stay.checked_out",
                        "producer": "frontdesk",
                        "payload": {"stay_id": 42},
                    }
                ).encode(),
                message_id="poison-1",
                type="stay.checked_out",
                content_type="application/json",
                user_id="frontdesk",
            ),
            routing_key="stay.checked_out",
        )


def test_a_service_down_or_a_key_missing_is_one_clear_line(tmp_path: Path) -> None:
    runner = CliRunner()
    down = runner.invoke(
        app,
        ["rooms"],
        env={
            "HOTEL_HOUSEKEEPING_URL": f"http://127.0.0.1:{free_port()}",
            "HOTEL_KEY_MANAGER": "k.s",
            "COLUMNS": "200",
        },
    )
    assert down.exit_code == 2
    assert "housekeeping does not answer" in down.output and "Traceback" not in down.output
    no_key = runner.invoke(
        app,
        ["rooms"],
        env={"HOTEL_KEYS_FILE": str(tmp_path / "none"), "HOTEL_KEY_MANAGER": "", "COLUMNS": "200"},
    )
    assert no_key.exit_code == 2
    assert "no API key for scope 'manager'" in no_key.output
    broker_down = runner.invoke(
        app,
        ["status"],
        env={
            "HOTEL_RABBITMQ_URL": f"amqp://guest:guest@127.0.0.1:{free_port()}/",
            "COLUMNS": "200",
        },
    )
    assert broker_down.exit_code == 2 and "RabbitMQ does not answer" in broker_down.output


def test_keys_mint_prints_a_credential_and_its_entry() -> None:
    minted = CliRunner().invoke(
        app, ["keys", "mint", "acme", "integrator", "--channel", "acme"], env={"COLUMNS": "300"}
    )
    assert minted.exit_code == 0, minted.output
    assert re.search(r"credential \(shown once\): acme\.\S{20,}", minted.output)
    assert '"channel": "acme"' in minted.output
    refused = CliRunner().invoke(app, ["keys", "mint", "acme", "integrator"])
    assert refused.exit_code == 2 and "needs --channel" in refused.output
