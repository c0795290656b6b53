"""The hotel's business date as a department other than the desk knows it.

The front desk owns the business date (shared/clock.py): its night audit closes a day and
publishes business_day.closed. Housekeeping, loyalty and feedback each follow that event
with one `BusinessDates` over their own store: the latest `next_business_date` they heard
of is kept (a document per property, moved forward only, so a redelivered or late event
changes nothing), and "today" is `shared.clock.business_date` of it. Before the first
audit, or when no audit ran for a day, the property clock decides, as at the desk, so a
department never works on the server's UTC date. Record timestamps stay UTC instants;
only what is a day of the hotel (plans, lists, greetings, reports by day) asks this.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pymongo.errors import DuplicateKeyError

from shared.clock import DEFAULT_AUDIT_HOUR, PropertyClock, business_date
from shared.events import BusinessDayClosed

COLLECTION = "business_date"


class BusinessDates:
    def __init__(
        self,
        database: Any | None,
        property_id: str,
        clock: PropertyClock,
        *,
        audit_hour: int = DEFAULT_AUDIT_HOUR,
    ) -> None:
        """`database` None: the property clock alone decides (a use case wired without a
        store, in a unit test); the services pass their database."""
        self.collection = database[COLLECTION] if database is not None else None
        self.property_id = property_id
        self.clock = clock
        self.audit_hour = audit_hour

    async def open_date(self) -> date | None:
        """The business date the last audit heard of rolled to, if any."""
        if self.collection is None:
            return None
        document = await self.collection.find_one({"_id": self.property_id})
        return date.fromisoformat(document["open_date"]) if document else None

    async def today(self) -> date:
        return business_date(await self.open_date(), self.clock, self.audit_hour)

    def at(self, instant: datetime) -> date:
        """The business date at a past `instant` (when a booking was made), by the
        property clock's rule: which day an audit had rolled to then is not kept."""
        return business_date(
            None, PropertyClock(lambda: instant, str(self.clock.tz)), self.audit_hour
        )

    async def follow(self, event: BusinessDayClosed) -> date:
        """Takes the date the audit rolled to; never moves it back. Returns today."""
        if self.collection is None:
            raise RuntimeError("BusinessDates without a store cannot follow the night audit")
        rolled_to = event.payload.next_business_date.isoformat()
        try:
            await self.collection.update_one(
                {"_id": self.property_id}, {"$max": {"open_date": rolled_to}}, upsert=True
            )
        except DuplicateKeyError:  # a racing first event created it: apply to that one
            await self.collection.update_one(
                {"_id": self.property_id}, {"$max": {"open_date": rolled_to}}
            )
        return await self.today()
