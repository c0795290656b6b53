"""The outbox relay on the real broker: everything pending goes out, once, in order."""

from __future__ import annotations

import aio_pika
from prometheus_client import REGISTRY

from shared import topology
from shared.events import SurveySent, SurveySentPayload
from shared.mongo import connect_database
from shared.outbox import OutboxRelay, with_outbox
from shared.outbox_failures import DEAD_LETTERS
from shared.settings import ServiceSettings
from shared.topology import EVENTS_EXCHANGE, UNROUTED_QUEUE, declare_exchanges
from tests.support.amqp import EventTap, wait_for

DOCUMENTS = 200


def survey_sent(n: int, k: int) -> SurveySent:
    return SurveySent.new(
        SurveySentPayload(survey_id=f"s{n}-{k}", stay_id=f"stay{n}", guest_id="g", channel="email"),
        producer="test",
        property_id="p",
    )


async def test_two_relays_over_one_outbox_publish_every_event_once_in_order(amqp_url) -> None:
    database = connect_database(ServiceSettings(service_name="relay-test", http_port=1))
    for n in range(DOCUMENTS):
        await database["things"].insert_one(
            with_outbox({"_id": n}, survey_sent(n, 1), survey_sent(n, 2))
        )

    connection = await aio_pika.connect_robust(amqp_url)
    async with connection.channel() as channel:
        await declare_exchanges(channel)
    relays = [
        OutboxRelay(database, ["things"], poll_seconds=0.1, lease_seconds=30) for _ in range(2)
    ]
    async with EventTap(amqp_url, ["survey.sent"]) as tap:
        for relay in relays:
            await relay.start(connection)
        await wait_for(lambda: len(tap.received) >= 2 * DOCUMENTS, timeout=30)
        await relays_idle(relays)  # a second copy would be out by now
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


async def publish_unrouted(
    connection: aio_pika.abc.AbstractConnection, count: int
) -> aio_pika.abc.AbstractChannel:
    """`count` events nobody is bound to (so they go to the unrouted queue), confirmed."""
    channel = await connection.channel(publisher_confirms=True)
    await declare_exchanges(channel)
    events = await channel.get_exchange(EVENTS_EXCHANGE)
    for n in range(count):
        await events.publish(aio_pika.Message(body=b"%d" % n), routing_key="nobody.listens")
    return channel


async def unrouted_left(channel: aio_pika.abc.AbstractChannel) -> bool:
    """Whether the unrouted queue holds a message (looked at and put back: the count a
    quorum queue's declare answers with stays 0 here)."""
    queue = await channel.declare_queue(UNROUTED_QUEUE, passive=True)
    message = await queue.get(no_ack=False, fail=False)
    if message is None:
        return False
    await message.reject(requeue=True)
    return True


async def test_the_unrouted_queue_keeps_only_the_newest_up_to_its_length(
    amqp_url, monkeypatch
) -> None:
    """It holds guest ids and free text of every department: bounded, the oldest go first
    (issue 15). A bound of 3 here shows the broker enforces the declared one."""
    monkeypatch.setattr(topology, "UNROUTED_MAX_LENGTH", 3)
    connection = await aio_pika.connect_robust(amqp_url)
    channel = await publish_unrouted(connection, 5)
    unrouted = await channel.declare_queue(UNROUTED_QUEUE, passive=True)
    kept = []
    while message := await unrouted.get(no_ack=True, fail=False):
        kept.append(message.body)
    await connection.close()
    assert kept == [b"2", b"3", b"4"]


async def test_the_unrouted_queue_keeps_nothing_past_its_age(amqp_url, monkeypatch) -> None:
    monkeypatch.setattr(topology, "UNROUTED_TTL_MS", 3000)
    connection = await aio_pika.connect_robust(amqp_url)
    channel = await publish_unrouted(connection, 2)

    assert await unrouted_left(channel)

    async def expired() -> bool:
        return not await unrouted_left(channel)

    await wait_for(expired, timeout=30, message="the unrouted events to expire")
    await connection.close()


async def test_a_bad_entry_is_moved_aside_after_max_attempts_and_blocks_nothing(amqp_url) -> None:
    """A correlation id over AMQP's 255-byte limit can never be published. It is counted,
    moved to the dead letters with its reason after `max_attempts`, and every other
    event, in other documents and behind it in the same one, goes out."""
    database = connect_database(ServiceSettings(service_name="relay-test-3", http_port=1))
    bad = survey_sent(0, 1).model_copy(update={"correlation_id": "c" * 300})
    await database["things"].insert_one(with_outbox({"_id": 0}, bad, survey_sent(0, 2)))
    for n in range(1, 51):
        await database["things"].insert_one(with_outbox({"_id": n}, survey_sent(n, 1)))
    dead_before = _metric("outbox_dead_lettered_total", {"type": "survey.sent"})

    connection = await aio_pika.connect_robust(amqp_url)
    async with connection.channel() as channel:
        await declare_exchanges(channel)
    relay = OutboxRelay(database, ["things"], poll_seconds=0.05, lease_seconds=30, max_attempts=3)
    async with EventTap(amqp_url, ["survey.sent"]) as tap:
        await relay.start(connection)
        await wait_for(lambda: database[DEAD_LETTERS].count_documents({}), timeout=30)
        await wait_for(lambda: len(tap.received) >= 51, timeout=30)
        await relays_idle([relay])
        await relay.stop()
    await connection.close()

    published = sorted(body["payload"]["survey_id"] for body in tap.bodies())
    assert published == sorted(["s0-2", *(f"s{n}-1" for n in range(1, 51))])
    assert all(m.user_id == "guest" for m in tap.received)  # the relay's broker login
    dead = await database[DEAD_LETTERS].find({}).to_list(None)
    assert [(d["_id"], d["collection"], d["document_id"], d["attempts"]) for d in dead] == [
        (str(bad.event_id), "things", 0, 3)
    ]
    assert "255" in dead[0]["reason"]
    assert await database["things"].count_documents({"outbox.0": {"$exists": True}}) == 0
    assert _metric("outbox_dead_lettered_total", {"type": "survey.sent"}) == dead_before + 1


async def relays_idle(relays: list[OutboxRelay]) -> None:
    """Until each relay has made a whole pass that found nothing pending (two more idle
    passes than now: one began after this call), so nothing more is on its way."""
    marks = [relay.idle_passes for relay in relays]
    await wait_for(
        lambda: all(r.idle_passes >= m + 2 for r, m in zip(relays, marks, strict=True)),
        timeout=30,
        interval=0.05,
        message="idle relay passes",
    )


def _metric(name: str, labels: dict[str, str]) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0
