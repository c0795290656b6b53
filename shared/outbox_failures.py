"""What the outbox relay does with an entry that fails to publish (shared/outbox.py).

A broker outage (closed channel, lost connection, nack) is nobody's fault: it counts
against no entry, which simply stays pending. An entry the broker cannot take at all (it
does not encode as an AMQP message, or it is unroutable) has its `attempts` counted in
place; after `max_attempts` it is moved aside to the `outbox_dead_letters` collection
with its reason, and counted in a metric, so one bad entry never holds back the others.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiormq.exceptions import AMQPError, PublishError
from prometheus_client import Counter

from shared.logging import get_logger

log = get_logger(__name__)

PUBLISH_FAILURES = Counter("outbox_publish_failures_total", "Outbox publish attempts that failed")
DEAD_LETTERED = Counter(
    "outbox_dead_lettered_total",
    "Outbox entries moved aside after failing max_attempts times",
    ["type"],
)
DEAD_LETTERS = "outbox_dead_letters"


class FailedEntries:
    """Counts an entry's failed attempts in its document; moves it aside at the last."""

    def __init__(self, database: Any, max_attempts: int) -> None:
        self._database = database
        self._max_attempts = max_attempts

    async def count(
        self,
        collection: Any,
        collection_name: str,
        document_id: Any,
        entry: dict[str, Any],
        reason: str,
    ) -> int:
        """Counts the entry's failed attempt; moves it aside at `max_attempts`. Returns 1
        if it was moved aside."""
        PUBLISH_FAILURES.inc()
        attempts = int(entry.get("attempts", 0)) + 1
        log.warning(
            "outbox entry failed to publish",
            event_id=entry["event_id"],
            type=entry["type"],
            attempts=attempts,
            reason=reason,
        )
        if attempts < self._max_attempts:
            await collection.update_one(
                {"_id": document_id, "outbox.event_id": entry["event_id"]},
                {"$set": {"outbox.$.attempts": attempts, "outbox.$.last_error": reason}},
            )
            return 0
        dead = {
            **{k: v for k, v in entry.items() if k not in ("attempts", "last_error")},
            "collection": collection_name,
            "document_id": document_id,
            "attempts": attempts,
            "reason": reason,
            "dead_lettered_at": datetime.now(UTC),
        }
        # Kept first, then pulled: a crash in between leaves a duplicate, never a loss.
        await self._database[DEAD_LETTERS].replace_one(
            {"_id": entry["event_id"]}, {"_id": entry["event_id"], **dead}, upsert=True
        )
        await collection.update_one(
            {"_id": document_id}, {"$pull": {"outbox": {"event_id": entry["event_id"]}}}
        )
        DEAD_LETTERED.labels(entry["type"]).inc()
        log.error(
            "outbox entry moved to the dead letters",
            event_id=entry["event_id"],
            type=entry["type"],
            attempts=attempts,
            reason=reason,
        )
        return 1


def is_outage(error: BaseException) -> bool:
    """The broker or the connection failed (closed channel, lost connection, a nack under
    overflow, a timeout): a later pass will do. An entry the broker cannot take at all
    (it does not encode, e.g. a correlation id over AMQP's 255 bytes; or it is
    unroutable) is the entry's own fault and is counted against it."""
    if isinstance(error, PublishError):
        return False
    return isinstance(error, (AMQPError, ConnectionError, OSError, RuntimeError, TimeoutError))


def failure_reason(error: BaseException) -> str:
    """What failed, cut short: it lands in a document and a log line."""
    return f"{type(error).__name__}: {error}"[:500]
