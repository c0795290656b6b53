"""The outbox relay in a busy service: a window of events goes out in a few turns of the
event loop, not a turn or more per message. On the reservation service a turn is every
request in flight, and with a turn per message a burst of bookings reached the
departments only after the burst ended (issue 14). Counted in turns of a task that
stands for the requests, not in seconds."""

from __future__ import annotations

import asyncio
import time

import aio_pika

from shared.mongo import connect_database
from shared.outbox import OutboxRelay, with_outbox
from shared.settings import ServiceSettings
from shared.topology import declare_exchanges
from tests.support.amqp import EventTap, wait_for
from tests.support.relay_fakes import survey_sent

EVENTS = 300


async def test_a_window_goes_out_in_a_few_turns_of_a_busy_loop(amqp_url) -> None:
    database = connect_database(ServiceSettings(service_name="relay-busy", http_port=1))
    for n in range(EVENTS // 3):
        await database["things"].insert_one(
            with_outbox({"_id": n}, *(survey_sent(3 * n + k) for k in range(3)))
        )
    connection = await aio_pika.connect_robust(amqp_url)
    async with connection.channel() as channel:
        await declare_exchanges(channel)
    relay = OutboxRelay(database, ["things"], poll_seconds=60, lease_seconds=30)
    # What start() opens, without its loop: the pass below is the only one.
    relay._channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
    turns = 0
    published = False

    async def requests_in_flight() -> None:
        """A turn of the loop costs a request's CPU (2 ms), as on a service under load."""
        nonlocal turns
        while not published:
            turns += 1
            busy_until = time.perf_counter() + 0.002
            while time.perf_counter() < busy_until:
                pass
            await asyncio.sleep(0)

    async with EventTap(amqp_url, ["survey.sent"]) as tap:
        busy = asyncio.create_task(requests_in_flight())
        await asyncio.sleep(0)
        assert await relay.publish_pending() == EVENTS
        published = True
        await busy
        await wait_for(lambda: len(tap.received) >= EVENTS, timeout=30)
    await connection.close()
    assert len({m.message_id for m in tap.received}) == EVENTS
    # The window and its confirms: the puts in a turn, the writer in the next, then the
    # broker's confirms (tens of ms, a turn each 2 ms). A turn per message was >= 300.
    assert turns < EVENTS // 2, turns
