"""After a whole guest journey: no ID or card number in any database, log line or
published event, and the guest's phone in no log line and no event but a profile event."""

from __future__ import annotations

import asyncio
import json
import uuid

import aio_pika
import pytest

from shared.topology import declare_exchanges
from tests.support.pii_scan import find_personal_data, read_tree
from tests.support.stack import Stack

from . import test_guest_journey as journey  # a module: pytest does not collect it twice

pytestmark = pytest.mark.e2e

PROFILE_EVENTS = {"guest.contact_captured", "guest.created", "guest.updated"}
PHONES = [journey.BOOKING["guest"]["phone"]]


async def bind_tap(url: str, name: str) -> None:
    async with await aio_pika.connect_robust(url) as connection:
        channel = await connection.channel()
        exchange = await declare_exchanges(channel)  # before the services do
        queue = await channel.declare_queue(name, durable=True)  # the test's vhost goes away
        await queue.bind(exchange, routing_key="#")


async def drain_tap(url: str, name: str) -> list[aio_pika.abc.AbstractIncomingMessage]:
    messages = []
    async with await aio_pika.connect_robust(url) as connection:
        channel = await connection.channel()
        queue = await channel.get_queue(name)
        while (message := await queue.get(no_ack=True, fail=False)) is not None:
            messages.append(message)
    return messages


def test_a_whole_journey_leaves_no_id_card_or_phone_where_it_must_not_be(
    stack: Stack, amqp_url: str
) -> None:
    tap = f"test.pii-tap.{uuid.uuid4().hex[:8]}"
    asyncio.run(bind_tap(amqp_url, tap))
    journey.test_checkout_fans_out_to_housekeeping_loyalty_and_feedback(stack)
    stack.stop()  # every journal flushed, every log line written
    events = asyncio.run(drain_tap(amqp_url, tap))
    assert len(events) >= 6  # created, contact, checked in/out, task, points, survey...

    findings: dict[str, list[str]] = {}
    for message in events:
        kinds = find_personal_data(message.body.decode(), PHONES)
        if message.type in PROFILE_EVENTS:  # the one place contact details may travel
            kinds = [kind for kind in kinds if kind != "phone"]
        if kinds:
            findings[f"event {message.type}"] = kinds
    log_kinds = find_personal_data(stack.logs(), PHONES)
    if log_kinds:
        findings["logs"] = log_kinds
    stored_phones = {}
    for name, text in read_tree(stack.work_dir / "store").items():
        kinds = find_personal_data(text, PHONES)
        stored_phones[name] = kinds.count("phone")
        if [kind for kind in kinds if kind != "phone"]:
            findings[f"store {name}"] = [kind for kind in kinds if kind != "phone"]

    print(
        f"\nscanned {len(events)} events, {len(stack.logs().splitlines())} log lines, "
        f"{len(stored_phones)} store files; findings: {json.dumps(findings)}; "
        f"phones stored in clear per store file: {json.dumps(stored_phones)}"
    )
    assert findings == {}
