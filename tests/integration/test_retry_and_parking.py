"""The consumer plumbing on the real broker: retry with delay, then the parking lot."""

from __future__ import annotations

import json

import aio_pika
import pytest
from faststream.middlewares import AckPolicy
from faststream.rabbit import RabbitBroker
from pydantic import BaseModel

from shared.consumer import RetryOrPark, of_type, subscribed_queue
from shared.parking import ParkingLot
from shared.topology import (
    EVENTS_EXCHANGE,
    ConsumerQueue,
    QueuePolicy,
    declare_consumer_queue,
    declare_exchanges,
)
from tests.support.amqp import queue_depths, wait_for

MAX_ATTEMPTS = 4
QUEUE = ConsumerQueue("test.work", ("work.requested",))


class Work(BaseModel):
    type: str
    item: int


@pytest.fixture
async def consumer(amqp_url: str):
    """A service-like consumer on QUEUE whose handler fails as each test tells it to."""
    connection = await aio_pika.connect_robust(amqp_url)
    async with connection.channel() as channel:
        await declare_exchanges(channel)
        await declare_consumer_queue(
            channel, QUEUE, QueuePolicy(retry_delay_ms=100, delivery_limit=10)
        )
    parking = ParkingLot((QUEUE,))
    await parking.start(connection)
    broker = RabbitBroker(
        amqp_url,
        ack_policy=AckPolicy.REJECT_ON_ERROR,
        middlewares=[RetryOrPark(parking, MAX_ATTEMPTS)],
    )
    state = {"calls": {}, "fail_times": {}, "done": []}

    @broker.subscriber(subscribed_queue(QUEUE))(filter=of_type("work.requested"))
    async def handle(work: Work) -> None:
        calls = state["calls"][work.item] = state["calls"].get(work.item, 0) + 1
        if calls <= state["fail_times"].get(work.item, 0):
            raise RuntimeError(f"item {work.item} failed on call {calls}")
        state["done"].append(work.item)

    await broker.start()
    yield state, parking, connection
    await broker.stop()
    await connection.close()


async def publish(connection, item: int, body: bytes | None = None) -> None:
    async with connection.channel() as channel:
        exchange = await channel.get_exchange(EVENTS_EXCHANGE)
        await exchange.publish(
            aio_pika.Message(
                body or json.dumps({"type": "work.requested", "item": item}).encode(),
                type="work.requested",
                message_id=f"m-{item}",
            ),
            routing_key="work.requested",
        )


async def test_a_failing_handler_is_retried_with_delay_and_then_succeeds(consumer, amqp_url):
    state, _, connection = consumer
    state["fail_times"][1] = 2
    await publish(connection, 1)
    await wait_for(lambda: state["done"] == [1], timeout=10)
    assert state["calls"][1] == 3
    await wait_for(lambda: all_empty(amqp_url), timeout=10, message="queues empty")
    assert state["calls"][1] == 3 and state["done"] == [1]


async def test_a_handler_that_always_fails_is_parked_after_max_attempts(consumer, amqp_url):
    state, parking, connection = consumer
    state["fail_times"][2] = 1000
    await publish(connection, 2)
    await wait_for(lambda: state["calls"].get(2) == MAX_ATTEMPTS, timeout=10)
    # Once on the lot it cannot come back by itself: nothing left in the queue or retry.
    await wait_for(lambda: parking_count(amqp_url), timeout=10, message="parked")
    assert await all_empty(amqp_url, but_parking=True)

    assert state["calls"][2] == MAX_ATTEMPTS
    (parked,) = await parking.inspect(QUEUE.name, limit=10)
    assert parked.attempts == MAX_ATTEMPTS
    assert parked.reason == "attempts exhausted: RuntimeError: item 2 failed on call 4"
    assert parked.message_id == "m-2"


async def test_an_invalid_message_is_parked_at_once_and_replay_brings_it_back(consumer, amqp_url):
    state, parking, connection = consumer
    await publish(connection, 3, body=b'{"type": "work.requested", "item": "three"}')
    await wait_for(lambda: parking_count(amqp_url), timeout=10)
    assert state["calls"] == {}
    (parked,) = await parking.inspect(QUEUE.name, limit=10)
    assert parked.attempts == 1
    reason = parked.reason or ""
    assert reason.startswith("invalid message: ValidationError: work.item:")
    assert "three" not in reason  # the input's values stay out of the reason

    # Inspecting does not take it off the lot; replay sends it to the queue afresh.
    assert len(await parking.inspect(QUEUE.name, limit=10)) == 1
    state["fail_times"][5] = 1
    await publish(connection, 5)
    await wait_for(lambda: 5 in state["done"], timeout=10)
    assert await parking.replay(QUEUE.name, limit=10) == 1
    (again,) = await wait_for(
        lambda: parking.inspect(QUEUE.name, limit=10), timeout=10, message="parked again"
    )  # still invalid
    assert again.attempts == 1


async def test_a_parked_message_replayed_after_the_fix_reenters_its_queue_and_takes_effect_once(
    consumer, amqp_url
):
    state, parking, connection = consumer
    state["fail_times"][7] = 1000  # a bug: every attempt fails
    await publish(connection, 7)
    await wait_for(lambda: parking_count(amqp_url), timeout=10, message="parked")
    assert state["calls"][7] == MAX_ATTEMPTS and state["done"] == []

    state["fail_times"][7] = 0  # the fix is deployed
    assert await parking.replay(QUEUE.name, limit=10) == 1
    # It went back into its queue: the handler ran once more, and this time did its work.
    await wait_for(lambda: state["done"] == [7], timeout=10, message="the replayed effect")
    await wait_for(lambda: all_empty(amqp_url), timeout=10, message="queues and lot empty")
    assert state["calls"][7] == MAX_ATTEMPTS + 1 and state["done"] == [7]
    assert await parking.inspect(QUEUE.name, limit=10) == []
    print(
        f"\nreplay: parked after {MAX_ATTEMPTS} calls; replayed -> 1 more call, "
        f"effect {state['done'].count(7)} time(s), lot empty"
    )


async def all_empty(amqp_url: str, but_parking: bool = False) -> bool:
    names = [QUEUE.name, QUEUE.retry_queue] + ([] if but_parking else [QUEUE.parking_queue])
    return not any((await queue_depths(amqp_url, names)).values())


async def parking_count(amqp_url: str) -> int:
    return (await queue_depths(amqp_url, [QUEUE.parking_queue]))[QUEUE.parking_queue]


async def test_topology_routes_rejects_to_retry_and_back(amqp_url):
    """The bindings alone, without a consumer: a rejected message returns after the TTL."""
    connection = await aio_pika.connect_robust(amqp_url)
    queue_spec = ConsumerQueue("test.bare", ("bare.happened",))
    async with connection.channel() as channel:
        await declare_exchanges(channel)
        await declare_consumer_queue(channel, queue_spec, QueuePolicy(retry_delay_ms=200))
        exchange = await channel.get_exchange(EVENTS_EXCHANGE)
        await exchange.publish(aio_pika.Message(b"x"), routing_key="bare.happened")
        queue = await channel.get_queue(queue_spec.name)
        first = await wait_for(lambda: queue.get(fail=False), timeout=5)
        await first.reject(requeue=False)
        second = await wait_for(lambda: queue.get(fail=False), timeout=5)
        deaths = {death["queue"]: death["reason"] for death in second.headers["x-death"]}
        assert deaths == {queue_spec.name: "rejected", queue_spec.retry_queue: "expired"}
        await second.ack()
        dlx = queue_spec.dead_letter_exchange  # the service's own: "test.dlx"
        assert (await channel.get_exchange(dlx)).name == "test.dlx"
    await connection.close()
