"""The business date and the night audit that closes it.

The desk owns the hotel's business date: the day the night audit has not closed yet
(shared/clock.py). Closing a day posts its room nights to every folio in house, rolls the
date to the next day, and publishes business_day.closed with the arrivals the desk still
expected: reservation marks them no-shows and charges its policy's fee; whatever is
date-based follows that event, not the wall clock. Repeating a closed day's audit posts
only what is missing (each room night is keyed by its night) and publishes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from shared.clock import PropertyClock, business_date, next_day
from shared.errors import Conflict
from shared.events import BusinessDayClosed, BusinessDayClosedPayload
from shared.logging import current_correlation_id, get_logger
from shared.outbox import push_outbox

from .folio_service import FolioService
from .records import PRODUCER, business_today
from .repository import FrontDeskRepository

log = get_logger(__name__)


class BusinessDay:
    def __init__(
        self,
        repository: FrontDeskRepository,
        folio: FolioService,
        clock: PropertyClock,
        *,
        events_written: Callable[[], None],
        audit_hour: int = 3,
    ) -> None:
        self.repository = repository
        self.folio = folio
        self.clock = clock
        self.events_written = events_written
        self.audit_hour = audit_hour

    async def close_due(self) -> int:
        """What the audit worker does: closes, in order, every day not closed yet whose
        night is over by the clock (yesterday, once past the audit hour)."""
        now = self.clock.now_local()
        due = now.date() - timedelta(days=2 if now.hour < self.audit_hour else 1)
        day = await self.repository.open_business_date() or due
        closed = 0
        while day <= due:
            await self.close(day)
            day, closed = next_day(day), closed + 1
        return closed

    async def today(self) -> date:
        return await business_today(self.repository, self.clock, self.audit_hour)

    async def close(self, night: date | None = None) -> dict[str, Any]:
        """The night audit of `night` (the open business date by default)."""
        stored = await self.repository.open_business_date()
        today = business_date(stored, self.clock, self.audit_hour)
        night = night or stored or today
        if night > today:
            raise Conflict(
                f"the business date is {today.isoformat()}: the night of "
                f"{night.isoformat()} cannot be audited yet",
                business_date=str(today),
            )
        posted = await self.folio.night_audit(night)
        closed = False
        if stored is None or night >= stored:  # not closed yet: close it now
            expected = [a["_id"] for a in await self.repository.expected_arrivals_until(night)]
            event = BusinessDayClosed.new(
                BusinessDayClosedPayload(
                    business_date=night,
                    next_business_date=next_day(night),
                    room_nights_posted=posted,
                    expected_arrivals_not_checked_in=expected,
                ),
                producer=PRODUCER,
                property_id=self.repository.property_id,
                correlation_id=current_correlation_id(),
            )
            closed = await self.repository.roll_business_date(
                night, next_day(night), push_outbox(event)
            )
            if closed:
                self.events_written()
                log.info(
                    "business day closed",
                    business_date=night.isoformat(),
                    posted=posted,
                    no_shows=len(expected),
                )
        return {
            "night": night,
            "posted": posted,
            "closed": closed,
            "business_date": await self.today(),
        }
