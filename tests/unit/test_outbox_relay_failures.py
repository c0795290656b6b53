"""The relay tells a broker outage from a bad entry, without a broker: an outage counts
against no entry (nothing is moved aside however long it lasts), a bad entry does."""

from __future__ import annotations

from typing import Any

from aiormq.exceptions import ChannelInvalidStateError

from shared.mongo import connect_database
from shared.outbox import OutboxRelay, with_outbox
from shared.outbox_failures import DEAD_LETTERS
from shared.settings import ServiceSettings
from tests.support.relay_fakes import FakeChannel, FakeExchange, survey_sent


async def _relay_over(name: str, exchange: FakeExchange) -> tuple[OutboxRelay, Any]:
    database = connect_database(ServiceSettings(service_name=name, http_port=1))
    for n in range(3):
        await database["things"].insert_one(with_outbox({"_id": n}, survey_sent(n)))
    relay = OutboxRelay(database, ["things"], poll_seconds=1, lease_seconds=30, max_attempts=3)
    relay._channel = FakeChannel(exchange)  # type: ignore[assignment]
    return relay, database


async def test_a_broker_outage_moves_nothing_aside_and_loses_nothing() -> None:
    exchange = FakeExchange(ChannelInvalidStateError("channel closed"))
    relay, database = await _relay_over("relay-outage", exchange)
    for _ in range(10):  # far more passes than max_attempts
        assert await relay.publish_pending() == 0
    assert await database[DEAD_LETTERS].count_documents({}) == 0
    documents = await database["things"].find({}).to_list(None)
    assert [len(d["outbox"]) for d in documents] == [1, 1, 1]
    assert all("attempts" not in d["outbox"][0] for d in documents)

    exchange.error = None  # the broker is back: everything goes out
    assert await relay.publish_pending() == 3
    assert len(exchange.published) == 3
    assert await database["things"].count_documents({"outbox.0": {"$exists": True}}) == 0


async def test_an_entry_the_broker_refuses_is_moved_aside_after_max_attempts() -> None:
    exchange = FakeExchange(TypeError("string exceeds maximum length of 255 bytes"))
    relay, database = await _relay_over("relay-bad-entry", exchange)
    for _ in range(3):
        await relay.publish_pending()
    dead = await database[DEAD_LETTERS].find({}).to_list(None)
    assert sorted(d["document_id"] for d in dead) == [0, 1, 2]
    assert all(d["attempts"] == 3 and "255 bytes" in d["reason"] for d in dead)
    assert await database["things"].count_documents({"outbox.0": {"$exists": True}}) == 0
