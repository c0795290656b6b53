"""Retention: personal data past its period is anonymised by a scheduled background job.

A service declares what it keeps and for how long:

    RetentionRule("stays", date_field="departure", keep_days=3 * 365,
                  erase={"id_number": None, "id_scan": None, "guest_name": "[anonymised]"})

A rule may narrow the records (`where`, e.g. only tasks that name a guest), compare a
stored datetime instead of an ISO string (`dates="datetime"`), and erase free text item
by item (`free_text`, as erasure does: shared/erasure.py), keeping the rest of a list.
It passes `RetentionJob(database, rules)` to `create_service_app(workers=[...])`. Each
pass finds up to `batch` records whose `date_field` (an ISO date or datetime string:
ISO strings sort like the dates) is older than the period and not yet anonymised, and
overwrites the personal fields with a guarded update. The record keeps its id, dates and
amounts (the books need them) and gets `anonymised_at`. Restart-safe: that marker is the
job's only state, so a crash mid-batch just leaves the rest for the next pass, and
replicas running it at once do each record once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from prometheus_client import Counter

from shared.clock import Clock
from shared.erasure import FreeTextFields, scrubbed
from shared.logging import get_logger
from shared.worker import PollingWorker

log = get_logger(__name__)

RECORDS_ANONYMISED = Counter(
    "records_anonymised_total", "Records anonymised for retention", ["collection"]
)
MARKER = "anonymised_at"


@dataclass(frozen=True)
class RetentionRule:
    collection: str
    date_field: str
    keep_days: int
    erase: dict[str, Any] = field(default_factory=dict)
    where: dict[str, Any] = field(default_factory=dict)
    dates: Literal["iso", "datetime"] = "iso"
    free_text: FreeTextFields = field(default_factory=dict)

    def cutoff(self, now: datetime) -> Any:
        if self.dates == "datetime":
            return now - timedelta(days=self.keep_days)
        # Compared by day: "2026-01-31" and "2026-01-31T10:00" are both before
        # "2026-02-01" and neither is before "2026-01-31" (at most a day's grace).
        return (now - timedelta(days=self.keep_days)).date().isoformat()


class RetentionJob(PollingWorker):
    name = "retention"

    def __init__(
        self,
        database: Any,
        rules: Iterable[RetentionRule],
        *,
        clock: Clock = lambda: datetime.now(UTC),
        poll_seconds: float = 3600,
        batch: int = 200,
    ) -> None:
        super().__init__(poll_seconds)
        self.database = database
        self.rules = tuple(rules)
        self.clock = clock
        self.batch = batch

    async def work_once(self) -> int:
        now = self.clock()
        handled = 0
        for rule in self.rules:
            collection = self.database[rule.collection]
            expired = {
                **rule.where,
                rule.date_field: {"$lt": rule.cutoff(now)},
                MARKER: {"$exists": False},
            }
            fields = {"_id": 1, **{name: 1 for name in rule.free_text}}
            found = await collection.find(expired, fields).limit(self.batch).to_list(self.batch)
            ids = [doc["_id"] for doc in found]
            for doc in found:
                result = await collection.update_one(
                    {"_id": doc["_id"], MARKER: {"$exists": False}},
                    {
                        "$set": {
                            **scrubbed(doc, rule.free_text),
                            **rule.erase,
                            MARKER: now.isoformat(),
                        }
                    },
                )
                handled += result.modified_count
            if ids:
                RECORDS_ANONYMISED.labels(rule.collection).inc(len(ids))
                log.info("records anonymised", collection=rule.collection, count=len(ids))
        return handled
