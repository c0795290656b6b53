"""The outbox relay on the real broker: everything pending goes out, once, in order."""

from __future__ import annotations

import asyncio

import aio_pika

from shared.events import SurveySent, SurveySentPayload
from shared.mongo import connect_database
from shared.outbox import OutboxRelay, with_outbox
from shared.settings import ServiceSettings
from shared.topology import UNROUTED_QUEUE, declare_exchanges
from tests.support.amqp import EventTap, wait_for

DOCUMENTS = 200


def survey_sent(n: int, k: int) -> SurveySent:
    return SurveySent.new(SurveySentPayload(survey_id=f"s{n}-{k}", stay_id=f"stay{n}",
                                            guest_id="g", channel="email"),
                          producer="test", property_id="p")


async def test_two_relays_over_one_outbox_publish_every_event_once_in_order(amqp_url) -> None:
    database = connect_database(ServiceSettings(service_name="relay-test", http_port=1))
    for n in range(DOCUMENTS):
        await database["things"].insert_one(
            with_outbox({"_id": n}, survey_sent(n, 1), survey_sent(n, 2)))

    connection = await aio_pika.connect_robust(amqp_url)
    async with connection.channel() as channel:
        await declare_exchanges(channel)
    relays = [OutboxRelay(database, ["things"], poll_seconds=0.1, lease_seconds=30)
              for _ in range(2)]
    async with EventTap(amqp_url, ["survey.sent"]) as tap:
        for relay in relays:
            await relay.start(connection)
        await wait_for(lambda: len(tap.received) >= 2 * DOCUMENTS, timeout=30)
        await asyncio.sleep(1)
        for relay in relays:
            await relay.stop()
    await connection.close()

    ids = [m.message_id for m in tap.received]
    assert len(ids) == 2 * DOCUMENTS == len(set(ids))
    assert all(m.delivery_mode == aio_pika.DeliveryMode.PERSISTENT for m in tap.received)
    order = [body["payload"]["survey_id"] for body in tap.bodies()]
    for n in range(DOCUMENTS):  # each aggregate's events keep their order
        assert order.index(f"s{n}-1") < order.index(f"s{n}-2")
    assert await database["things"].count_documents({"outbox.0": {"$exists": True}}) == 0


async def test_an_event_nobody_listens_to_is_kept_in_the_unrouted_queue(amqp_url) -> None:
    database = connect_database(ServiceSettings(service_name="relay-test-2", http_port=1))
    await database["things"].insert_one(with_outbox({"_id": 1}, survey_sent(1, 1)))
    connection = await aio_pika.connect_robust(amqp_url)
    async with connection.channel() as channel:
        await declare_exchanges(channel)
    relay = OutboxRelay(database, ["things"], poll_seconds=0.1, lease_seconds=30)
    await relay.start(connection)
    async with connection.channel() as channel:
        unrouted = await channel.declare_queue(UNROUTED_QUEUE, passive=True)
        message = await wait_for(lambda: unrouted.get(fail=False), timeout=10)
        assert message.type == "survey.sent"
        await message.ack()
    assert await database["things"].count_documents({"outbox.0": {"$exists": True}}) == 0
    await relay.stop()
    await connection.close()
