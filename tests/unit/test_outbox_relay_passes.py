"""A relay pass takes at most a batch of pending documents, in the order the store holds
them, claims them by their ids and publishes each document's events in order; passes
drain a backlog larger than a batch, every event once. Without a broker: the exchange
is a fake that confirms at once."""

from __future__ import annotations

from shared.mongo import connect_database
from shared.outbox import PENDING, OutboxRelay, push_outbox, with_outbox
from shared.settings import ServiceSettings
from tests.support.relay_fakes import FakeChannel, FakeExchange, survey_sent


async def test_passes_take_a_batch_each_and_drain_the_backlog_once_in_order() -> None:
    database = connect_database(ServiceSettings(service_name="relay-passes", http_port=1))
    things = database["things"]
    await things.insert_many([{"_id": f"idle{n}"} for n in range(20)])
    first, second = {}, {}
    for n in range(25):
        first[n], second[n] = survey_sent(n), survey_sent(100 + n)
        # ids out of insertion order: the pass follows the store, not a sort
        await things.insert_one(with_outbox({"_id": f"d{(n * 7) % 25:02d}"}, first[n]))
        await things.update_one({"_id": f"d{(n * 7) % 25:02d}"}, {"$push": push_outbox(second[n])})
    relay = OutboxRelay(database, ["things"], poll_seconds=1, lease_seconds=30, batch_size=10)
    exchange = FakeExchange()
    relay._channel = FakeChannel(exchange)  # type: ignore[assignment]

    handled = [await relay.publish_pending() for _ in range(4)]

    assert handled == [20, 20, 10, 0]  # 10, 10 and 5 documents of two events each
    expected = [str(event.event_id) for n in range(25) for event in (first[n], second[n])]
    assert exchange.published == expected  # each document's two events, in order, once
    assert not await things.count_documents(PENDING)
    assert await things.count_documents({"outbox_lease_owner": {"$ne": None}}) == 0


async def test_the_relay_keeps_a_partial_index_of_pending_documents() -> None:
    """On MongoDB the pass reads the pending documents through this index, not every
    document of the collection."""
    database = connect_database(ServiceSettings(service_name="relay-index", http_port=1))
    relay = OutboxRelay(database, ["things", "others"], poll_seconds=1, lease_seconds=30)
    await relay.create_indexes()
    for name in ("things", "others"):
        index = (await database[name].index_information())["outbox_pending"]
        assert index["key"] == [("outbox_lease_until", 1)]
        assert index["partialFilterExpression"] == PENDING
